/* disclose: the search page. Exact search of Chinese text over the index the build writes.
 *
 * The index (generator/search/index.py, format 2, described in docs/search.md) lives in
 * search/index/ of each site: head.json, columns.bin (each report's filter values), sort.bin
 * (budgets and scores), g/ (the reports holding each folded piece of one to four characters),
 * p/ (where each four-character piece stands), c/ (what a result shows). A query is folded as
 * the index folds text (NFKC, lower case, no white space); up to four characters it is a piece
 * looked up as it is; a longer one is the run of its four-character pieces at consecutive
 * positions. So every result holds the query as one piece, and every report that does is a
 * result. The text a result shows is put in with textContent, never parsed as HTML.
 *
 * Progressive enhancement: without this script the page shows a notice and the department
 * lists. The interface words come from the data-labels attribute, which the template fills
 * from the message catalogue, so the script itself holds no language.
 */

import { FACETS, LONGEST, fold, indexBase, offsets, searched, shardFile, shardOf, taken } from "./search-start.js";

export { fold, indexBase } from "./search-start.js";

// Must agree with generator/search/index.py.
const FORMAT = 2;

const BATCH = 20;
const SCREEN = 4; // the results a first screen shows, at most (one on a phone, four on a wide screen)
const CONTEXT = 30;

/** Where the folded query occurs in a result's fields: the first field and segment that hold it. */
export function locate(fields, folded) {
  for (const [field, segments] of fields) {
    for (const segment of segments) {
      const f = fold(segment);
      const at = f.text.indexOf(folded);
      if (at >= 0) {
        return { field, segment, start: f.from[at], end: f.to[at + folded.length - 1] };
      }
    }
  }
  return null;
}

/** Reads the index's numbers: LEB128 varints and packed runs (a width byte, then values). */
class Reader {
  constructor(bytes, at = 0) {
    this.bytes = bytes;
    this.at = at;
  }

  varint() {
    let value = 0;
    let scale = 1;
    let byte;
    do {
      byte = this.bytes[this.at++];
      value += (byte & 127) * scale;
      scale *= 128;
    } while (byte >= 128);
    return value;
  }

  packed(count) {
    const b = this.bytes;
    const width = b[this.at++];
    const out = new Uint32Array(count);
    let at = this.at;
    if (width === 1) {
      for (let i = 0; i < count; i++) out[i] = b[at + i];
    } else if (width === 2) {
      for (let i = 0; i < count; i++, at += 2) out[i] = b[at] | (b[at + 1] << 8);
    } else {
      for (let i = 0; i < count; i++, at += 4) out[i] = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
    }
    this.at += width * count;
    return out;
  }

  /** Report numbers as the index writes them: runs (a count, the first, the gaps), then 0. */
  docs() {
    const runs = [];
    let total = 0;
    for (let n = this.varint(); n > 0; n = this.varint()) {
      const run = new Uint32Array(n);
      run[0] = this.varint();
      const gaps = this.packed(n - 1);
      for (let i = 1; i < n; i++) run[i] = run[i - 1] + gaps[i - 1];
      runs.push(run);
      total += n;
    }
    return join(runs, total);
  }

  /** Where a piece stands: runs of report numbers as docs() reads them, each with its positions. */
  places() {
    const docs = [];
    const at = [];
    let total = 0;
    for (let n = this.varint(); n > 0; n = this.varint()) {
      const run = new Uint32Array(n);
      run[0] = this.varint();
      const gaps = this.packed(n - 1);
      for (let i = 1; i < n; i++) run[i] = run[i - 1] + gaps[i - 1];
      docs.push(run);
      at.push(this.packed(n));
      total += n;
    }
    return { docs: join(docs, total), at: join(at, total) };
  }
}

function join(runs, total) {
  if (runs.length === 1) return runs[0];
  const out = new Uint32Array(total);
  let at = 0;
  for (const run of runs) {
    out.set(run, at);
    at += run.length;
  }
  return out;
}

/** Once what was put in the page is painted (at once when the page is hidden, as it is not painted). */
function painted() {
  return new Promise((resolve) => {
    if (document.hidden) resolve();
    else requestAnimationFrame(() => setTimeout(resolve));
  });
}

/** Fetch a file of the index. Its names stay while their bytes change with the content, so the
 *  head (which names the index's version) is always fetched anew, and every other file by that
 *  version: a browser's copies are used only while they are of this very index. */
async function get(url, fresh = false) {
  return (await taken(url)) || fetch(url, fresh ? { cache: "reload" } : {}); // (search-start.js's, when it asked)
}

async function fetchBytes(url, fresh = false) {
  const response = await get(url, fresh);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Which shards there are: a bit each, from the head's bitmap (base64). */
function bitmap(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** A site's filters, from its columns.bin: each filter's values as shown and their slugs, and each
 *  report's combination of values (`combo`), each combination's values in the order of FACETS. */
function readFilters(bytes, title) {
  const r = new Reader(bytes);
  const length = r.varint();
  const { facets, slugs } = JSON.parse(new TextDecoder().decode(bytes.subarray(r.at, r.at + length)));
  r.at += length;
  const docs = r.varint();
  const count = r.varint();
  const table = r.packed(count * 4);
  const combos = [];
  for (let c = 0; c < count; c++) {
    combos.push(FACETS.map((facet, i) => {
      if (facet === "site") return title;
      const index = table[c * 4 + i - 1];
      return index ? facets[facet][index - 1] : "";
    }));
  }
  return { values: facets, slugs, combos, combo: r.packed(docs) };
}

/** One site's index: its head at once; shards, chunks, filters and sort keys when asked. */
class SiteIndex {
  constructor(base, head) {
    this.base = base;
    this.head = head;
    this.title = head.site;
    this.count = head.docs;
    this.present = { g: bitmap(head.present.g), p: bitmap(head.present.p) };
    this.shards = new Map();
    this.chunks = new Map();
    this.filterData = null;
    this.sorts = null;
  }

  /** The index in `base`. Its head, which names the index's version, is always asked for anew
   *  (search-start.js asks for this site's as soon as it runs); every other file by that version. */
  static async load(base) {
    const response = await get(`${base}head.json`, true);
    if (!response.ok) throw new Error(`${base}head.json: ${response.status}`);
    const head = await response.json();
    if (head.format !== FORMAT) throw new Error(`${base}: index format ${head.format}, not ${FORMAT}`);
    return new SiteIndex(base, head);
  }

  /** Its filters (readFilters, from columns.bin), fetched when first asked for: a query alone
   *  shows its first results without them, as what a result shows is in its chunk. */
  filters() {
    if (!this.filterData) {
      this.filterData = fetchBytes(`${this.base}columns.bin?v=${this.head.version}`)
        .then((bytes) => readFilters(bytes, this.title));
    }
    return this.filterData;
  }

  /** A shard of `kind` (g or p) as a map from piece to its posting's bytes. */
  shard(kind, number) {
    const key = `${kind}${number}`;
    if (!this.shards.has(key)) {
      const present = (this.present[kind][number >> 3] >> (number & 7)) & 1;
      this.shards.set(key, present ? fetchBytes(shardFile(this.base, kind, number, this.head.version))
        .then(parseShard) : Promise.resolve(new Map()));
    }
    return this.shards.get(key);
  }

  /** The reports holding a piece of one to four code points, and those holding it in their name. */
  async piece(codes) {
    const shard = await this.shard("g", shardOf(codes, this.head.grams));
    const bytes = shard.get(String.fromCodePoint(...codes));
    if (!bytes) return { docs: new Uint32Array(0), names: new Uint32Array(0) };
    const r = new Reader(bytes);
    return { docs: r.docs(), names: r.docs() };
  }

  /** Where a four-code-point piece stands: parallel arrays of reports and positions. */
  async places(codes) {
    const shard = await this.shard("p", shardOf(codes, this.head.places));
    const bytes = shard.get(String.fromCodePoint(...codes));
    if (!bytes) return { docs: new Uint32Array(0), at: new Uint32Array(0) };
    return new Reader(bytes).places();
  }

  /** The reports holding the folded query `codes` as one piece, ascending, and which of them
   *  hold it (or, for a long query, all its pieces) in their name. */
  async find(codes) {
    if (codes.length <= LONGEST) return this.piece(codes);
    const spots = offsets(codes.length);
    const [lists, pieces] = await Promise.all([
      Promise.all(spots.map((o) => this.places(codes.slice(o, o + LONGEST)))),
      Promise.all(spots.map((o) => this.piece(codes.slice(o, o + LONGEST)))),
    ]);
    // Each other piece's places by report; then each place of the first piece is a match when
    // every other piece stands at its offset from it.
    const rest = lists.slice(1).map((list) => {
      const byDoc = new Map();
      for (let i = 0; i < list.docs.length; i++) {
        let set = byDoc.get(list.docs[i]);
        if (!set) byDoc.set(list.docs[i], (set = new Set()));
        set.add(list.at[i]);
      }
      return byDoc;
    });
    const found = [];
    const first = lists[0];
    for (let i = 0; i < first.docs.length; i++) {
      const doc = first.docs[i];
      if (found.length && found[found.length - 1] === doc) continue;
      const at = first.at[i] - spots[0];
      if (rest.every((byDoc, k) => byDoc.get(doc)?.has(at + spots[k + 1]))) found.push(doc);
    }
    let names = pieces[0].names;
    for (const p of pieces.slice(1)) {
      const keep = new Set(p.names);
      names = names.filter((d) => keep.has(d));
    }
    return { docs: Uint32Array.from(found), names };
  }

  /** Every report (a search by filters alone). */
  all() {
    const docs = new Uint32Array(this.count);
    for (let i = 0; i < docs.length; i++) docs[i] = i;
    return { docs, names: new Uint32Array(0) };
  }

  /** What a result shows of report `doc`: [url, title, budget, score, department, year, kind, grade]. */
  async entry(doc) {
    return this.chunk("c", doc);
  }

  /** The searchable text of report `doc`: [[field, [segment, …]], …]. */
  async text(doc) {
    return this.chunk("t", doc);
  }

  async chunk(kind, doc) {
    const number = Math.floor(doc / this.head.chunk);
    const key = `${kind}${number}`;
    if (!this.chunks.has(key)) {
      this.chunks.set(key, get(`${this.base}${kind}/${number.toString(16).padStart(3, "0")}.json?v=${this.head.version}`)
        .then((r) => r.json()));
    }
    return (await this.chunks.get(key))[doc % this.head.chunk];
  }

  /** Each report's budget and score (NaN when missing). */
  sortKeys() {
    if (!this.sorts) {
      this.sorts = fetchBytes(`${this.base}sort.bin?v=${this.head.version}`).then((bytes) => {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const read = (i) => view.getFloat64(i * 8, true);
        const budget = new Float64Array(this.count);
        const score = new Float64Array(this.count);
        for (let i = 0; i < this.count; i++) {
          budget[i] = read(i);
          score[i] = read(this.count + i);
        }
        return { budget, score };
      });
    }
    return this.sorts;
  }
}

function parseShard(bytes) {
  const r = new Reader(bytes);
  const keys = new Map();
  const count = r.varint();
  for (let k = 0; k < count; k++) {
    const length = r.varint();
    const codes = [];
    for (let i = 0; i < length; i++) codes.push(r.varint());
    const size = r.varint();
    keys.set(String.fromCodePoint(...codes), bytes.subarray(r.at, r.at + size));
    r.at += size;
  }
  return keys;
}

function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/** Append `text` to `parent`, with [start, end) inside a <mark>. */
function appendMarked(parent, text, start, end) {
  parent.append(text.slice(0, start));
  const mark = document.createElement("mark");
  mark.textContent = text.slice(start, end);
  parent.append(mark, text.slice(end));
}

class SearchPage {
  constructor(root, sites) {
    this.root = root;
    this.sites = sites;
    this.labels = JSON.parse(root.dataset.labels);
    this.input = root.querySelector("#search-q");
    this.sort = root.querySelector("#search-sort");
    this.selects = Object.fromEntries(FACETS.map((f) => [f, root.querySelector(`#search-${f}`)]));
    this.status = root.querySelector("#search-status");
    this.list = root.querySelector("#search-results");
    this.more = root.querySelector("#search-more");
    this.run = 0;
    this.timer = null;
    this.values = null; // each filter's values over all sites, once their filters are in
    this.loading = null;
    this.multi = sites.length > 1;
    this.selects.site.closest(".search-facet").hidden = !this.multi;
  }

  /** Every site's filters, fetched once, when a search first needs them: to filter, to count the
   *  results of each filter value, or to offer the values to choose from. */
  filters() {
    if (!this.loading) {
      this.loading = Promise.all(this.sites.map((site) => site.filters())).then((all) => {
        // each site's values in the order its pages show them, then those of the next; years latest first
        this.values = {};
        for (const facet of FACETS) {
          const every = [...new Set(facet === "site" ? this.sites.map((s) => s.title) : all.flatMap((f) => f.values[facet]))];
          this.values[facet] = facet === "year" ? every.sort((a, b) => Number(b) - Number(a)) : every;
        }
        return all;
      });
    }
    return this.loading;
  }

  /** A filter value from the address: a value as shown, or a slug (department, kind). */
  async given(facet, value) {
    if (!value) return value;
    const all = await this.filters();
    if (this.values[facet].includes(value)) return value;
    for (const filters of all) {
      const at = (filters.slugs[facet] || []).indexOf(value);
      if (at >= 0) return filters.values[facet][at];
    }
    return value;
  }

  async start() {
    const params = new URLSearchParams(location.search);
    this.input.value = params.get("q") || "";
    this.sort.value = params.get("sort") || "";
    if (this.sort.selectedIndex < 0) this.sort.value = "";
    for (const facet of FACETS) this.fill(facet, {}, await this.given(facet, params.get(facet) || ""));
    this.root.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(this.timer);
      this.search();
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), 150);
    });
    for (const select of [this.sort, ...Object.values(this.selects)]) {
      select.addEventListener("change", () => this.search());
    }
    this.more.addEventListener("click", () => this.show(true));
    await this.search();
  }

  /** Fill a facet's select with its values and counts; keep the chosen value even at zero. */
  fill(facet, counts, chosen) {
    const select = this.selects[facet];
    const options = [new Option(this.labels[`all_${facet}`], "")];
    const values = this.values ? this.values[facet] : [];
    for (const value of values) {
      const count = counts[value] || 0;
      if (count > 0 || value === chosen) {
        options.push(new Option(format(this.labels.option, { value, count }), value));
      }
    }
    if (chosen && !values.includes(chosen)) options.push(new Option(format(this.labels.option, { value: chosen, count: 0 }), chosen));
    select.replaceChildren(...options);
    select.value = chosen;
  }

  chosen() {
    const filters = {};
    for (const facet of FACETS) {
      if (this.selects[facet].value) filters[facet] = this.selects[facet].value;
    }
    return filters;
  }

  remember(query, filters) {
    const params = new URLSearchParams();
    if (query) params.set("q", query);
    for (const [facet, value] of Object.entries(filters)) params.set(facet, value);
    if (this.sort.value) params.set("sort", this.sort.value);
    const search = params.toString();
    if (search !== location.search.slice(1)) history.replaceState(null, "", search ? `?${search}` : location.pathname);
  }

  /** Each site's reports holding `codes` (all of them when there is no query). */
  async lookup(codes) {
    return Promise.all(this.sites.map((site) => (codes.length ? site.find(codes) : site.all())));
  }

  async search() {
    const run = ++this.run;
    const query = this.input.value.trim();
    const { text: folded, codes } = searched(query);
    const filters = this.chosen();
    this.remember(query, filters);
    // A query alone shows its first results without the filters (what a result shows is in its
    // chunk), and counts them after; any other search waits for them.
    const asked = folded && !Object.keys(filters).length && !this.values ? null : this.filters();
    const found = await this.lookup(codes);
    const all = await asked;
    if (run !== this.run) return;
    if (!folded && !Object.keys(filters).length) {
      this.render(null, this.tally(found, filters, all).counts);
      return;
    }
    const { names, rest, counts } = all ? this.tally(found, filters, all) : this.split(found);
    // By relevance: the reports holding the query in their name first, each site in its order.
    let results = names.concat(rest);
    const [key, direction] = this.sort.value ? this.sort.value.split(":") : [null, null];
    if (key === "budget" || key === "score") {
      const keys = await Promise.all(this.sites.map((site) => site.sortKeys()));
      if (run !== this.run) return;
      const sign = direction === "asc" ? 1 : -1;
      const value = (r) => keys[this.sites.indexOf(r.site)][key][r.doc];
      results = results.map((r, i) => ({ ...r, i, v: value(r) }));
      results.sort((a, b) => {
        const am = Number.isNaN(a.v);
        const bm = Number.isNaN(b.v);
        if (am || bm) return am === bm ? a.i - b.i : am ? 1 : -1; // missing values last, either way
        return a.v === b.v ? a.i - b.i : sign * (a.v - b.v);
      });
    }
    let hint = null;
    if (!results.length && codes.length > 1 && !found.some((hits) => hits.docs.length)) {
      hint = await this.suggest(codes);
      if (run !== this.run) return;
    }
    // (without the filters: their counts once the first results show, not sharing a slow line with them)
    this.render({ folded, query, results, hint }, counts, all ? null : () => this.count(run, found, filters));
  }

  /** Fill in the count of each filter value of a search (`run`) shown without them. */
  async count(run, found, filters) {
    const all = await this.filters();
    if (run !== this.run) return;
    this.counted(this.tally(found, filters, all).counts);
  }

  /** Each filter's values with their counts, the chosen ones kept. */
  counted(counts) {
    for (const facet of FACETS) this.fill(facet, counts[facet], this.selects[facet].value);
  }

  /** The reports found, by whether they hold the query in their name. */
  split(found) {
    const names = [];
    const rest = [];
    found.forEach((hits, s) => {
      const site = this.sites[s];
      const inName = hits.names.length ? new Set(hits.names) : null;
      for (const doc of hits.docs) (inName && inName.has(doc) ? names : rest).push({ site, doc });
    });
    return { names, rest, counts: null };
  }

  /** The reports found that pass every filter (by whether they hold the query in their name), and
   *  each filter value's count: the results it would have with the other filters. Reports of one
   *  combination of filter values pass or fail together, so they are counted by combination. */
  tally(found, filters, all) {
    const counts = Object.fromEntries(FACETS.map((f) => [f, {}]));
    const names = [];
    const rest = [];
    found.forEach((hits, s) => {
      const site = this.sites[s];
      const { combos: values, combo } = all[s];
      const combos = values.length;
      const failures = new Uint8Array(combos);
      const failed = new Int8Array(combos);
      for (let c = 0; c < combos; c++) {
        for (let i = 0; i < FACETS.length; i++) {
          const want = filters[FACETS[i]];
          if (want !== undefined && values[c][i] !== want) {
            failures[c] += 1;
            failed[c] = i;
          }
        }
      }
      const tally = new Uint32Array(combos);
      const inName = hits.names.length ? new Set(hits.names) : null;
      for (const doc of hits.docs) {
        const c = combo[doc];
        tally[c] += 1;
        if (failures[c] === 0) (inName && inName.has(doc) ? names : rest).push({ site, doc });
      }
      for (let c = 0; c < combos; c++) {
        if (!tally[c] || failures[c] > 1) continue;
        values[c].forEach((v, i) => {
          if (v && (failures[c] === 0 || failed[c] === i)) counts[FACETS[i]][v] = (counts[FACETS[i]][v] || 0) + tally[c];
        });
      }
    });
    return { names, rest, counts };
  }

  /** The longest piece of a query that finds nothing which does find reports. */
  async suggest(codes) {
    const exists = async (piece) => (await this.lookup(piece)).some((hits) => hits.docs.length > 0);
    const known = new Map();
    const has = (piece) => {
      const key = String.fromCodePoint(...piece);
      if (!known.has(key)) known.set(key, exists(piece));
      return known.get(key);
    };
    for (let length = codes.length - 1; length >= 1; length--) {
      for (let start = 0; start + length <= codes.length; start++) {
        const piece = codes.slice(start, start + length);
        // A long piece can only be found when each of its four-character pieces is.
        if (length > LONGEST) {
          let possible = true;
          for (let o = 0; o + LONGEST <= length && possible; o++) {
            possible = await has(piece.slice(o, o + LONGEST));
          }
          if (!possible) continue;
        }
        if (await has(piece)) return String.fromCodePoint(...piece);
      }
    }
    return null;
  }

  /** Show a new search: its counts in the filters (when given) and the status at once, then its
   *  first results (the list is aria-busy until they are in); then `then`, once they show. */
  render(found, counts, then = null) {
    if (counts) this.counted(counts);
    this.found = found;
    this.shown = 0;
    this.list.replaceChildren();
    this.more.hidden = true;
    if (found === null) {
      this.list.removeAttribute("aria-busy");
      this.status.textContent = this.labels.prompt;
      return;
    }
    const total = found.results.length;
    if (total) {
      this.status.textContent = format(found.query ? this.labels.results : this.labels.filtered,
        { count: total, query: found.query });
    } else {
      this.status.textContent = format(this.labels.none, { query: found.query });
      if (found.hint) {
        const link = document.createElement("a");
        link.href = `?q=${encodeURIComponent(found.hint)}`;
        link.textContent = format(this.labels.suggest, { query: found.hint });
        link.addEventListener("click", (event) => {
          event.preventDefault();
          this.input.value = found.hint;
          this.search();
        });
        this.status.append(" ", link);
      }
    }
    this.show(false, then);
  }

  /** Show the next batch of results; after "more", move focus to the first new one; `then` once
   *  the first screen of them shows. */
  async show(focus, then = null) {
    const found = this.found;
    const run = this.run;
    this.list.setAttribute("aria-busy", "true");
    this.more.hidden = true; // until this batch is in: one batch at a time
    const batch = found.results.slice(this.shown, this.shown + BATCH);
    // The match is marked in the name or the department when it is there (no more to fetch),
    // else in the report's text.
    const fetchOne = async (r) => {
      const entry = await r.site.entry(r.doc);
      if (!found.folded) return [entry, null];
      const where = locate([["name", [entry[1]]], ["department", [entry[4]]]], found.folded);
      return [entry, where || locate(await r.site.text(r.doc), found.folded)];
    };
    // The first screen's results are fetched first, the rest once they show: on a slow line the
    // first do not share it with twenty files, nor wait for more than one round of connections.
    const pending = batch.slice(0, SCREEN).map(fetchOne);
    // Each result shows as soon as it and those before it are in, not when all twenty are.
    const items = [];
    for (let i = 0; i < batch.length; i++) {
      if (i === pending.length) {
        await painted();
        if (run !== this.run || found !== this.found) return;
        then?.();
        pending.push(...batch.slice(i).map(fetchOne));
      }
      const [entry, where] = await pending[i];
      if (run !== this.run || found !== this.found) return;
      items.push(this.item(batch[i], entry, where));
      this.list.append(items[i]);
      this.shown += 1;
      if (focus && i === 0) items[0].querySelector("a").focus(); // after "more": on the first new one
    }
    this.list.removeAttribute("aria-busy");
    this.more.hidden = this.shown >= found.results.length;
    if (then && batch.length <= SCREEN) painted().then(then);
  }

  /** One result: the name as a link, its facts, and the match marked where it was found. */
  item(result, entry, where) {
    const [url, title, budget, score, department, year, kind, grade] = entry;
    const facts = { title, budget, score, department, year, kind, grade, site: result.site.title };
    // The name and the department are shown anyway: mark the match there; else show a passage.
    const inPlace = { name: "title", department: "department" };
    const at = where && inPlace[where.field] && facts[inPlace[where.field]] === where.segment
      ? inPlace[where.field] : null;
    const put = (element, key) => {
      if (key === at) appendMarked(element, facts[key], where.start, where.end);
      else element.textContent = facts[key];
    };
    const li = document.createElement("li");
    li.className = "result";
    const heading = document.createElement("h2");
    const link = document.createElement("a");
    link.href = url;
    put(link, "title");
    heading.append(link);
    const list = document.createElement("dl");
    list.className = "result-facts";
    for (const key of ["department", "year", "kind", "budget", "score", "grade", "site"]) {
      if (!facts[key] || (key === "site" && !this.multi)) continue;
      const pair = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = this.labels[`fact_${key}`];
      const dd = document.createElement("dd");
      put(dd, key);
      pair.append(dt, dd);
      list.append(pair);
    }
    li.append(heading, list);
    if (where && !at) li.append(this.passage(where));
    return li;
  }

  /** The matching passage of a field other than the name, cut around the match. */
  passage(where) {
    const p = document.createElement("p");
    p.className = "result-passage";
    const label = document.createElement("span");
    label.className = "result-field";
    label.textContent = this.labels[`field_${where.field}`];
    p.append(label);
    const from = Math.max(0, where.start - CONTEXT);
    const to = Math.min(where.segment.length, where.end + 2 * CONTEXT);
    const text = (from > 0 ? "…" : "") + where.segment.slice(from, to) + (to < where.segment.length ? "…" : "");
    const shift = (from > 0 ? 1 : 0) - from;
    appendMarked(p, text, where.start + shift, where.end + shift);
    return p;
  }
}

/** Load the sites' indexes (this site's first, then those it merges), each checked for its format. */
export async function loadSites(bundles) {
  return Promise.all(bundles.map((bundle) => SiteIndex.load(indexBase(bundle))));
}

async function main() {
  const root = document.getElementById("search");
  if (!root) return;
  try {
    const bundles = [root.dataset.bundle, ...JSON.parse(root.dataset.merge)].filter(Boolean);
    const page = new SearchPage(root, await loadSites(bundles));
    await page.start();
  } catch (error) {
    // No index to search: the departments to browse instead, as without JavaScript.
    root.querySelector("form").hidden = true;
    root.querySelector("#search-nojs").hidden = false;
    root.querySelector("#search-status").textContent = JSON.parse(root.dataset.labels).failed;
    throw error;
  }
}

main();
