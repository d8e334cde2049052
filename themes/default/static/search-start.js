/* disclose: the search page's first requests, and the rules of a query.
 *
 * This small module is fetched beside search.js and runs as soon as it is in. When the page
 * names its index's version and numbers of shards, it asks at once for the index's head (anew:
 * it says which index the site holds now) and, by that version, for what the address's search
 * needs first: the shards of the query's pieces; the filters (columns.bin) when the address
 * holds a filter or no query; the sort keys when it sorts by them. All this while search.js is
 * still on its way (on a slow line, one round trip less before the first results; should the
 * head name another version, the page is older than its index and search.js asks again).
 * search.js imports this module, so it takes these requests over, and the rules a query follows
 * (folding, pieces, shards) are written once, here. They must agree with
 * generator/search/records.py and generator/search/index.py.
 */

const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/gu;
export const LONGEST = 4; // the longest piece, in code points
const MAX_UNITS = 64; // the longest query, in UTF-16 units (the query box's maxlength)
export const FACETS = ["site", "department", "year", "kind", "grade"]; // the filters, as the address names them

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

/** A query as it is searched: folded, and as code points. */
export function searched(query) {
  const text = fold(query.trim()).text.slice(0, MAX_UNITS);
  return { text, codes: Array.from(text, (c) => c.codePointAt(0)) };
}

/** Where the four-code-point pieces covering a longer query of `length` stand: 0, 4, 8, … and the last. */
export function offsets(length) {
  const found = [];
  for (let o = 0; o + LONGEST < length; o += LONGEST) found.push(o);
  found.push(length - LONGEST);
  return found;
}

/** The shard (of `count`, a power of two) of a piece given as code points: FNV-1a. */
export function shardOf(codes, count) {
  let h = 2166136261;
  for (const c of codes) h = Math.imul(h ^ c, 16777619) >>> 0;
  return h & (count - 1);
}

/** The address of a shard of `kind` (g: the reports of each piece; p: the places of each four-piece). */
export function shardFile(base, kind, number, version) {
  return `${base}${kind}/${number.toString(16).padStart(3, "0")}.bin?v=${version}`;
}

/** The index folder of a site from the address the page names: its search/index/ (the page
 *  names the folder itself, or, as pages of before, the site's pagefind/ beside it). */
export function indexBase(bundle) {
  return new URL(bundle.replace(/pagefind\/$/, "search/index/"), location.href).pathname;
}

const early = new Map(); // address -> the response asked for before search.js ran (null if it failed)

/** The response to a request sent early for `url`, once (null when none was sent, or it failed). */
export async function taken(url) {
  const response = early.get(url);
  early.delete(url);
  return (await response) || null;
}

function ask(url, init = {}) {
  if (!early.has(url)) early.set(url, fetch(url, init).catch(() => null));
}

function start() {
  const root = document.getElementById("search");
  if (!root || !root.dataset.version || !root.dataset.shards) return;
  const base = indexBase(root.dataset.bundle);
  const version = root.dataset.version;
  ask(`${base}head.json`, { cache: "reload" });
  const params = new URLSearchParams(location.search);
  const { codes } = searched(params.get("q") || "");
  if (!codes.length || FACETS.some((f) => params.get(f))) ask(`${base}columns.bin?v=${version}`);
  if (/^(budget|score):/.test(params.get("sort") || "")) ask(`${base}sort.bin?v=${version}`);
  const [grams, places] = root.dataset.shards.split(" ").map(Number);
  const wanted = [];
  if (codes.length && codes.length <= LONGEST) wanted.push(["g", codes, grams]);
  for (const o of codes.length > LONGEST ? offsets(codes.length) : []) {
    const piece = codes.slice(o, o + LONGEST);
    wanted.push(["g", piece, grams], ["p", piece, places]);
  }
  for (const [kind, piece, count] of wanted) ask(shardFile(base, kind, shardOf(piece, count), version));
}

start();
