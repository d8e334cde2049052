/* disclose: the search page. Exact search of Chinese text over the site's Pagefind index.
 *
 * The index (generator/search.py) holds every searchable text folded (NFKC, lower case, no
 * white space) as opaque tokens, one per UTF-16 unit paired with the unit after it. A query is
 * folded the same way: one unit searches the tokens that start with it, two or more search the
 * phrase of their bigrams, which Pagefind matches at consecutive positions. Every result's
 * original text comes back as metadata, where the match is found again and marked with <mark>
 * elements; nothing from the index is ever parsed as HTML.
 *
 * Progressive enhancement: without this script the page shows a notice and the department
 * lists. The interface words come from the data-labels attribute, which the template fills
 * from the message catalogue, so the script itself holds no language.
 */

// Must agree with generator/search.py.
const ALPHABET = "bcdfghjklmnpqrst";
const MARK = "z";
const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/gu;

const FACETS = ["site", "department", "year", "kind", "grade"];
const BATCH = 20;
const MAX_UNITS = 64;
const CONTEXT = 30;

/** Fold text as the index does; `from`/`to` give each folded unit's span in the original. */
export function fold(text) {
  let out = "";
  const from = [];
  const to = [];
  let pos = 0;
  for (const ch of text) {
    const folded = ch.normalize("NFKC").toLowerCase().replace(SPACE, "");
    for (let i = 0; i < folded.length; i++) {
      from.push(pos);
      to.push(pos + ch.length);
    }
    out += folded;
    pos += ch.length;
  }
  return { text: out, from, to };
}

function code(unit) {
  return ALPHABET[(unit >> 12) & 15] + ALPHABET[(unit >> 8) & 15] + ALPHABET[(unit >> 4) & 15] + ALPHABET[unit & 15];
}

/** The Pagefind queries for a folded query: `match` finds the exact set, `rank` orders it. */
export function queries(folded) {
  if (folded.length === 1) {
    const prefix = MARK + code(folded.charCodeAt(0));
    return { match: prefix, rank: null };
  }
  const bigrams = [];
  for (let i = 0; i + 1 < folded.length; i++) {
    bigrams.push(MARK + code(folded.charCodeAt(i)) + code(folded.charCodeAt(i + 1)));
  }
  return { match: `"${bigrams.join(" ")}"`, rank: bigrams.join(" ") };
}

/** Where the folded query occurs in a record's fields: the first field and segment that hold it. */
export function locate(fields, folded) {
  for (const [field, segments] of Object.entries(fields)) {
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

/** Results of several Pagefind lists, merged lazily in one order (a site's own order when one). */
class Stream {
  constructor(lists, key, descending) {
    this.lists = lists.map((results) => ({ results, next: 0, head: null }));
    this.key = key;
    this.descending = descending;
  }

  async head(list) {
    if (list.head === null && list.next < list.results.length) {
      const result = list.results[list.next];
      list.head = { result, data: await result.data() };
    }
    return list.head;
  }

  /** The next result with its data, or null when all are taken. */
  async take() {
    let best = null;
    for (const list of this.lists) {
      const head = await this.head(list);
      if (head === null) continue;
      if (best === null || (this.key && this.better(head, best.head))) best = { list, head };
    }
    if (best === null) return null;
    best.list.head = null;
    best.list.next += 1;
    return best.head;
  }

  better(a, b) {
    const x = Number(a.data.meta[this.key]);
    const y = Number(b.data.meta[this.key]);
    return this.descending ? x > y : x < y;
  }
}

class SearchPage {
  constructor(root, pagefind) {
    this.root = root;
    this.pagefind = pagefind;
    this.labels = JSON.parse(root.dataset.labels);
    this.form = root.querySelector("form");
    this.input = root.querySelector("#search-q");
    this.sort = root.querySelector("#search-sort");
    this.selects = Object.fromEntries(FACETS.map((f) => [f, root.querySelector(`#search-${f}`)]));
    this.status = root.querySelector("#search-status");
    this.list = root.querySelector("#search-results");
    this.more = root.querySelector("#search-more");
    this.collator = new Intl.Collator(document.documentElement.lang || "zh-CN", { numeric: true });
    this.run = 0;
    this.timer = null;
  }

  async start() {
    this.all = await this.pagefind.filters(); // loads every filter chunk, so searches count them all
    const params = new URLSearchParams(location.search);
    this.input.value = params.get("q") || "";
    this.sort.value = params.get("sort") || "";
    for (const facet of FACETS) {
      this.fill(facet, this.all[facet] || {}, params.get(facet) || "");
    }
    this.selects.site.closest(".search-facet").hidden = Object.keys(this.all.site || {}).length < 2;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.search(), 250);
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
    const values = Object.keys({ ...this.all[facet] }).sort((a, b) =>
      facet === "year" ? Number(b) - Number(a) : this.collator.compare(a, b));
    const options = [new Option(this.labels[`all_${facet}`], "")];
    for (const value of values) {
      const count = counts[value] || 0;
      if (count > 0 || value === chosen) {
        options.push(new Option(format(this.labels.option, { value, count }), value));
      }
    }
    select.replaceChildren(...options);
    select.value = values.includes(chosen) ? chosen : "";
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
    history.replaceState(null, "", search ? `?${search}` : location.pathname);
  }

  async search() {
    const run = ++this.run;
    const query = this.input.value.trim();
    const folded = fold(query).text.slice(0, MAX_UNITS);
    const filters = this.chosen();
    this.remember(query, filters);
    if (!folded && !Object.keys(filters).length) {
      this.render(null, this.all, 0);
      return;
    }
    const q = folded ? queries(folded) : { match: null, rank: null };
    const [key, direction] = this.sort.value ? this.sort.value.split(":") : [null, null];
    const sort = key ? { [key]: direction } : {};
    const main = await this.pagefind.search(q.match, { filters, sort });
    const counts = { ...main.filters };
    for (const facet of Object.keys(filters)) {
      const others = { ...filters };
      delete others[facet];
      counts[facet] = (await this.pagefind.search(q.match, { filters: others })).filters[facet] || {};
    }
    let lists = [main.results];
    if (key && (this.all.site && Object.keys(this.all.site).length > 1) && !filters.site) {
      // Merged indexes sort each site on its own; sort the sites' lists together by the key.
      lists = await Promise.all(Object.keys(this.all.site).map(async (site) =>
        (await this.pagefind.search(q.match, { filters: { ...filters, site }, sort })).results));
    } else if (!key && q.rank) {
      // A phrase search does not rank; order its results as a plain search of the bigrams does.
      const found = new Set(main.results.map((r) => r.id));
      lists = [(await this.pagefind.search(q.rank, { filters })).results.filter((r) => found.has(r.id))];
    }
    if (run !== this.run) return;
    this.render({ folded, query, stream: new Stream(lists, key && `${key}_key`, direction === "desc") },
      counts, main.results.length);
  }

  /** Show a new search: its counts in the filters, then its first results. */
  render(found, counts, total) {
    for (const facet of FACETS) this.fill(facet, counts[facet] || {}, this.selects[facet].value);
    this.found = found;
    this.total = total;
    this.shown = 0;
    this.list.replaceChildren();
    this.more.hidden = true;
    if (found === null) {
      this.status.textContent = this.labels.prompt;
      return;
    }
    this.show(false);
  }

  /** Show the next batch of results; after "more", move focus to the first new one. */
  async show(focus) {
    const found = this.found;
    const run = this.run;
    const items = [];
    while (items.length < BATCH) {
      const next = await found.stream.take();
      if (next === null) break;
      const where = found.folded ? locate(JSON.parse(next.data.meta.fields), found.folded) : null;
      if (found.folded && where === null) {
        // Never show a result without its match. This happens only when a one-unit query occurs
        // nowhere in an index and Pagefind falls back to a shorter word of some metadata.
        this.total -= 1;
        continue;
      }
      items.push(this.item(next.data.meta, where));
    }
    if (run !== this.run || found !== this.found) return;
    this.list.append(...items);
    this.shown += items.length;
    this.status.textContent = this.total
      ? format(found.query ? this.labels.results : this.labels.filtered, { count: this.total, query: found.query })
      : format(this.labels.none, { query: found.query });
    this.more.hidden = this.shown >= this.total;
    if (focus && items.length) items[0].querySelector("a").focus();
  }

  /** One result: the name as a link, its facts, and the match marked where it was found. */
  item(meta, where) {
    // The name and the department are shown anyway: mark the match there; else show a passage.
    const inPlace = { name: "title", department: "department" };
    const at = where && inPlace[where.field] && meta[inPlace[where.field]] === where.segment
      ? inPlace[where.field] : null;
    const put = (element, key) => {
      if (key === at) appendMarked(element, meta[key], where.start, where.end);
      else element.textContent = meta[key];
    };
    const li = document.createElement("li");
    li.className = "result";
    const heading = document.createElement("h2");
    const link = document.createElement("a");
    link.href = meta.url;
    put(link, "title");
    heading.append(link);
    const facts = document.createElement("dl");
    facts.className = "result-facts";
    for (const key of ["department", "year", "kind", "budget", "score", "grade", "site"]) {
      if (!meta[key] || (key === "site" && this.selects.site.closest(".search-facet").hidden)) continue;
      const pair = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = this.labels[`fact_${key}`];
      const dd = document.createElement("dd");
      put(dd, key);
      pair.append(dt, dd);
      facts.append(pair);
    }
    li.append(heading, facts);
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

async function main() {
  const root = document.getElementById("search");
  if (!root) return;
  const notice = root.querySelector("#search-nojs");
  const form = root.querySelector("form");
  try {
    const bundle = root.dataset.bundle;
    const pagefind = await import(`${bundle}pagefind.js`);
    for (const other of JSON.parse(root.dataset.merge)) {
      await pagefind.mergeIndex(other);
    }
    await pagefind.init();
    const page = new SearchPage(root, pagefind);
    form.hidden = false;
    notice.hidden = true;
    await page.start();
  } catch (error) {
    form.hidden = true;
    notice.hidden = false;
    root.querySelector("#search-status").textContent = JSON.parse(root.dataset.labels).failed;
    throw error;
  }
}

main();
