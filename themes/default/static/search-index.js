/*
 * search-index.js: what the search pages of the built-in theme (search.js) and of other
 * themes (the Innovatiebieb theme's zoeken.js) share, as an ES module they import from
 * `${base}search-index.js` (the built-in theme's static files are in every site):
 * - `openIndex`: Pagefind's API with the other shards of a split index merged in, so that
 *   it answers as one index would (see docs/search.md, "Shards");
 * - `loadWords` and `correct`: "Did you mean …?" from the index's own words
 *   (`pagefind/words.json`).
 */

// ---- the index: one Pagefind index, or several merged (a large site is split into
// shards, built in parallel; see docs/search.md)

/** A filter Pagefind adds to every page of a shard (`mergeFilter`): the shard's number. */
const SHARD = "_shard";
/** The filter of the record that gives a shard the other shards' words: never a result. */
const VOCABULARY = "_vocabulary";

/**
 * Opens the index: Pagefind's API with the other shards (`shards`, folders under
 * `pagefind/` from facets.json) merged in. Its `search` and `filters` answer as one
 * index of all pages would; the shard filter is left out of every count.
 */
export async function openIndex(base, pagefindModule, shards) {
  const pf = await pagefindModule;
  const sharded = shards.length > 0;
  await pf.options(sharded ? { baseUrl: base, mergeFilter: { [SHARD]: "0" } } : { baseUrl: base });
  pf.init();
  await Promise.all(
    shards.map((dir, i) =>
      pf.mergeIndex(`${base}pagefind/${dir}`, { baseUrl: base, mergeFilter: { [SHARD]: String(i + 1) } }),
    ),
  );
  return new ShardedIndex(pf, base, shards.length + 1);
}

function withoutShard(filters) {
  if (filters) {
    delete filters[SHARD];
    delete filters[VOCABULARY];
  }
  return filters;
}

class ShardedIndex {
  constructor(pf, base, count) {
    this.pf = pf;
    this.base = base;
    this.count = count;
    this.orders = null; // the promise of order.json
    this.tables = new Map(); // sort key -> per shard: position in the shard -> position in all
  }

  async filters() {
    return withoutShard(await this.pf.filters());
  }

  /**
   * Pagefind merges the shards' results by score. That is right for relevance, but a
   * sorted search scores each result by its position in its own shard's order: so
   * sorted searches run once per shard, and `order.json` says where each shard's n-th
   * page stands among all pages. Results without the sort key are left out (as Pagefind
   * does with one index).
   */
  async search(term, options) {
    if (this.count > 1) options = { ...options, filters: { ...options.filters, [VOCABULARY]: { none: ["1"] } } };
    const key = Object.keys(options.sort || {})[0];
    const table = this.count > 1 && key ? await this.table(key) : null;
    if (!table) {
      const r = await this.pf.search(term, options);
      withoutShard(r.filters);
      return r;
    }
    const parts = await Promise.all(
      table.map((_, s) =>
        this.pf.search(term, { ...options, filters: { ...options.filters, [SHARD]: { any: [String(s)] } } }),
      ),
    );
    const ranked = [];
    const filters = {};
    parts.forEach((part, s) => {
      for (const [facet, values] of Object.entries(part.filters || {})) {
        const sum = (filters[facet] = filters[facet] || {});
        for (const [value, n] of Object.entries(values)) sum[value] = (sum[value] || 0) + n;
      }
      // A shard where no page has the key is not sorted by Pagefind at all.
      if (table[s].length === 0) return;
      for (const r of part.results) {
        const at = table[s][Math.abs(r.score)];
        if (at !== undefined) ranked.push([at, r]);
      }
    });
    const desc = options.sort[key] === "desc";
    ranked.sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
    return { results: ranked.map((x) => x[1]), filters: withoutShard(filters) };
  }

  /** For sort `key`: per shard, the position among all pages of its n-th page in order. */
  async table(key) {
    if (this.tables.has(key)) return this.tables.get(key);
    if (!this.orders) {
      this.orders = fetch(`${this.base}pagefind/order.json`)
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
    }
    const orders = await this.orders;
    const digits = orders && orders.sort && orders.sort[key];
    let table = null;
    if (typeof digits === "string" && orders.shards === this.count) {
      table = Array.from({ length: this.count }, () => []);
      for (let i = 0; i < digits.length; i++) {
        const s = parseInt(digits[i], 36);
        if (table[s]) table[s].push(i);
      }
    }
    this.tables.set(key, table);
    return table;
  }
}


/** The index's words (`pagefind/words.json`: [[word, pages], ...], most used first); none if it cannot be read. */
export function loadWords(base) {
  return fetch(`${base}pagefind/words.json`)
    .then((r) => (r.ok ? r.json() : []))
    .catch(() => []);
}

/** `term` with each word that `words` does not know replaced by its closest known word, or null if none is. */
export function correct(term, words) {
  const known = new Set(words.map(([w]) => w));
  let changed = false;
  const parts = term
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => {
      if (known.has(w) || w.length < 3) return w;
      const best = closestWord(w, words);
      if (!best) return w;
      changed = true;
      return best;
    });
  return changed ? parts.join(" ") : null;
}

/**
 * The known word nearest to `word` (at most one edit for short words, two for longer ones;
 * an edit inserts, deletes, changes or swaps letters), the most used on a tie; or null.
 * `words` is [[word, pages], ...], most used first.
 */
function closestWord(word, words) {
  const max = word.length <= 4 ? 1 : 2;
  let best = null;
  let bestDistance = max + 1;
  for (const [candidate] of words) {
    if (Math.abs(candidate.length - word.length) > max) continue;
    const d = editDistance(word, candidate, bestDistance);
    // The list is most used first, so the first of equal distance wins.
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance between a and b, or `limit` once it reaches that. */
function editDistance(a, b, limit) {
  const rows = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= limit) return limit;
  }
  return Math.min(rows[a.length][b.length], limit);
}
