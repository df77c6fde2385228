/*
 * zoeken.js: the search page of the knowledge base (innobieb + Pagefind).
 * No dependencies, no network other than the site itself.
 *
 * Mounts into <div id="zoeken" data-base="/">, where data-base is the site's base path.
 * Loads `${base}search-index.js` (what the search pages share: merging the shards of a split
 * index, "Did you mean …?"; an ES module of the built-in theme), `${base}pagefind/pagefind.js`
 * (Pagefind's search API, an ES module) and
 * `${base}pagefind/facets.json` (the facets of site.yaml, with their titles and order, and
 * the folders of the other shards when the index is split: they are merged in).
 *
 * - A labelled search field, prefilled from ?q=, with results as you type (debounced).
 * - Each result: title (a link), collection, date and an excerpt with the matches marked.
 * - The number of results is announced in a polite live region ("12 resultaten").
 * - Facets: a fieldset per facet with a checkbox per value and its count. Values of one
 *   facet are combined with OR, facets with AND. Counts follow the query and the other
 *   facets' choices; values that would give nothing are hidden, long facets folded.
 *   Choosing values without a query browses by facet. On narrow screens the filters
 *   fold away (a <details>).
 * - Sorting: relevance (alphabetical without a query), newest first, oldest first.
 *   Pages without a date come last when sorting by date.
 * - State lives in the URL (?q=...&sort=nieuwste&provincie=Utrecht&provincie=...), so a
 *   search can be linked, and Back and Forward work.
 */
(function () {
  "use strict";

  const PAGE_SIZE = 20;
  const FACET_VISIBLE = 8; // a facet with more values shows these first...
  const FACET_SLACK = 3; // ...unless only a few more would be hidden
  const DEBOUNCE_MS = 200;
  const SORTS = [
    ["", "Relevantie"],
    ["nieuwste", "Nieuwste eerst"],
    ["oudste", "Oudste eerst"],
  ];
  const RESERVED = new Set(["q", "sort"]);
  const narrow = window.matchMedia("(max-width: 48rem)");

  function start() {
    const mount = document.getElementById("zoeken");
    if (!mount || mount.dataset.zoekenActief) return;
    mount.dataset.zoekenActief = "ja";
    let base = mount.dataset.base || "/";
    if (!base.endsWith("/")) base += "/";
    addStylesheet(`${base}css/zoeken.css`);
    new SearchPage(mount, base).init();
  }

  /** Links the page's stylesheet unless the template already does. */
  function addStylesheet(href) {
    const links = [...document.querySelectorAll('link[rel="stylesheet"]')];
    if (links.some((l) => l.getAttribute("href") === href || l.href.endsWith("/css/zoeken.css"))) return;
    document.head.append(el("link", { rel: "stylesheet", href }));
  }

  /** Creates an element: el("a", { href: "/x", class: "y" }, "text", child). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c);
    }
    return node;
  }

  function resultCount(n) {
    if (n === 0) return "Geen resultaten";
    return n === 1 ? "1 resultaat" : `${n} resultaten`;
  }

  const collator = new Intl.Collator("nl", { numeric: true, sensitivity: "base" });

  /** Years (and other numbers) newest first, everything else alphabetically. */
  function orderValues(values) {
    const numeric = values.every((v) => /^\d+$/.test(v));
    return values.slice().sort(numeric ? (a, b) => Number(b) - Number(a) : collator.compare);
  }

  class SearchPage {
    constructor(mount, base) {
      this.mount = mount;
      this.base = base;
      this.pf = null;
      this.facets = []; // [{name, title}] in site.yaml order, only those with values
      this.totals = {}; // facet -> value -> count over the whole site
      this.controls = new Map(); // facet -> {values: Map(value -> {li, input, count}), ...}
      this.state = { q: "", sort: "", selected: new Map() }; // facet -> Set of values
      this.seq = 0; // the latest search; older ones drop their results
      this.results = [];
      this.shown = 0;
      this.timer = null;
    }

    async init() {
      this.render();
      this.readUrl();
      this.syncControls();
      try {
        const pagefind = import(`${this.base}pagefind/pagefind.js`);
        // What both themes' search pages share (the built-in theme's static/search-index.js).
        this.index = import(`${this.base}search-index.js`);
        const config = await this.loadFacetConfig();
        this.pf = await (await this.index).openIndex(this.base, pagefind, config.shards);
        this.totals = (await this.pf.filters()) || {};
        this.buildFacets(config.facets);
      } catch (err) {
        console.error("zoeken:", err);
        this.setStatus("Zoeken is nu niet beschikbaar: de zoekindex kon niet worden geladen.");
        this.mount.classList.add("zoeken-fout");
        return;
      }
      // Values in the URL that the index does not know are dropped.
      for (const [facet, values] of this.state.selected) {
        for (const v of values) {
          if (!this.controls.get(facet)?.values.has(v)) values.delete(v);
        }
      }
      this.syncControls();
      this.writeUrl(false);
      window.addEventListener("popstate", () => {
        this.readUrl();
        this.syncControls();
        this.update();
      });
      this.mount.classList.add("zoeken-klaar");
      await this.update();
    }

    async loadFacetConfig() {
      try {
        const r = await fetch(`${this.base}pagefind/facets.json`);
        if (r.ok) {
          const json = await r.json();
          return { facets: json.facets || [], shards: json.shards || [] };
        }
      } catch (_) {
        /* fall back to Pagefind's filter names, and one index */
      }
      return { facets: [], shards: [] };
    }

    // ---- the page skeleton

    render() {
      this.input = el("input", {
        id: "zoeken-q",
        type: "search",
        name: "q",
        autocomplete: "off",
        spellcheck: "false",
        "aria-describedby": "zoeken-hulp",
        oninput: () => {
          this.state.q = this.input.value;
          clearTimeout(this.timer);
          this.timer = setTimeout(() => {
            this.writeUrl(false);
            this.update();
          }, DEBOUNCE_MS);
        },
      });
      const form = el(
        "form",
        {
          // zoekform, zoekform--groot and zoekform-rij: the theme's own search form look.
          class: "zoeken-form zoekform zoekform--groot",
          role: "search",
          action: "",
          onsubmit: (e) => {
            e.preventDefault();
            clearTimeout(this.timer);
            this.state.q = this.input.value;
            this.writeUrl(true);
            this.update();
          },
        },
        el("label", { for: "zoeken-q", class: "zoeken-label", text: "Zoek in de kennisbank" }),
        el("div", { class: "zoeken-invoer zoekform-rij" }, this.input, el("button", { type: "submit", text: "Zoeken" })),
        el("p", {
          id: "zoeken-hulp",
          class: "zoeken-hulp",
          text: "De resultaten verschijnen terwijl u typt. Verfijn ze met de filters.",
        }),
      );

      this.sortSelect = el(
        "select",
        {
          id: "zoeken-sort",
          onchange: () => {
            this.state.sort = this.sortSelect.value;
            this.writeUrl(true);
            this.update();
          },
        },
        ...SORTS.map(([value, label]) => el("option", { value, text: label })),
      );

      this.facetBox = el("div", { class: "zoeken-facetten" });
      this.clearButton = el("button", {
        type: "button",
        class: "zoeken-wis",
        hidden: true,
        text: "Alle filters wissen",
        onclick: () => {
          this.state.selected.clear();
          this.syncControls();
          this.writeUrl(true);
          this.update();
          this.input.focus();
        },
      });
      this.status = el("p", {
        class: "zoeken-status",
        role: "status",
        "aria-live": "polite",
        "aria-atomic": "true",
      });
      // Help when nothing is found: a spelling from the index's own words, tips, browsing.
      this.help = el("div", { class: "zoeken-leeg", hidden: true });
      this.list = el("ol", { class: "zoeken-lijst", "aria-labelledby": "zoeken-resultaten-kop" });
      this.moreButton = el("button", {
        type: "button",
        class: "zoeken-meer",
        hidden: true,
        onclick: () => this.showMore(true),
      });

      // The filters fold away on narrow screens, where they would push the results down.
      this.filterSummary = el("span", { class: "zoeken-gekozen" });
      this.filterDetails = el(
        "details",
        { class: "zoeken-filters-uitklap", open: !narrow.matches },
        el(
          "summary",
          {},
          el("h2", { id: "zoeken-filters-kop", class: "zoeken-filters-kop" }, "Filters", this.filterSummary),
        ),
        this.facetBox,
        this.clearButton,
      );
      narrow.addEventListener("change", () => {
        this.filterDetails.open = !narrow.matches;
      });
      this.filterSection = el(
        "section",
        { class: "zoeken-filters", "aria-labelledby": "zoeken-filters-kop" },
        this.filterDetails,
      );
      const results = el(
        "section",
        { class: "zoeken-resultaten", "aria-labelledby": "zoeken-resultaten-kop" },
        el(
          "div",
          { class: "zoeken-kop" },
          el("h2", { id: "zoeken-resultaten-kop", text: "Resultaten" }),
          el(
            "div",
            { class: "zoeken-sorteer" },
            el("label", { for: "zoeken-sort", text: "Sorteren op" }),
            this.sortSelect,
          ),
        ),
        this.status,
        this.help,
        this.list,
        this.moreButton,
      );
      this.layout = el("div", { class: "zoeken-layout" }, this.filterSection, results);
      this.mount.replaceChildren(form, this.layout);
      this.setStatus("Typ een zoekterm of kies een filter.");
    }

    buildFacets(config) {
      const names = Object.keys(this.totals);
      const ordered = config.length
        ? config.filter((f) => names.includes(f.name))
        : names.sort(collator.compare).map((n) => ({ name: n, title: n }));
      this.facets = ordered.filter((f) => Object.keys(this.totals[f.name] || {}).length > 0);
      this.facetBox.replaceChildren();
      this.facets.forEach((facet, fi) => {
        const values = orderValues(Object.keys(this.totals[facet.name]));
        const listId = `zoeken-facet-${fi}`;
        const list = el("ul", { id: listId, class: "zoeken-waarden" });
        const controls = { values: new Map(), list, fieldset: null, toggle: null, expanded: false };
        values.forEach((value, vi) => {
          const id = `zoeken-f${fi}-${vi}`;
          const input = el("input", {
            type: "checkbox",
            id,
            value,
            "data-facet": facet.name,
            onchange: () => {
              const set = this.state.selected.get(facet.name) || new Set();
              if (input.checked) set.add(value);
              else set.delete(value);
              if (set.size) this.state.selected.set(facet.name, set);
              else this.state.selected.delete(facet.name);
              this.showChosen();
              this.writeUrl(true);
              this.update();
            },
          });
          const count = el("span", { class: "zoeken-aantal" });
          const li = el("li", {}, input, el("label", { for: id }, el("span", { text: value }), " ", count));
          controls.values.set(value, { li, input, count, n: 0 });
          list.append(li);
        });
        controls.toggle = el("button", {
          type: "button",
          class: "zoeken-toon",
          hidden: true,
          "aria-expanded": "false",
          "aria-controls": listId,
          onclick: () => {
            controls.expanded = !controls.expanded;
            this.layoutFacet(facet.name);
          },
        });
        controls.fieldset = el(
          "fieldset",
          { class: "zoeken-facet", "data-facet": facet.name },
          el("legend", { text: facet.title }),
          list,
          controls.toggle,
        );
        this.controls.set(facet.name, controls);
        this.facetBox.append(controls.fieldset);
      });
      // A site without facets gets the results alone.
      this.filterSection.hidden = this.facets.length === 0;
      this.layout.classList.toggle("zoeken-zonder-filters", this.facets.length === 0);
      this.updateCounts(this.totals);
    }

    /**
     * Shows the values that can still be chosen (count above zero, or checked): the first
     * ones of a long facet, or all. A facet with none left is hidden.
     */
    layoutFacet(name) {
      const c = this.controls.get(name);
      if (!c) return;
      const open = [...c.values.values()].filter((v) => v.n > 0 || v.input.checked);
      const long = open.length > FACET_VISIBLE + FACET_SLACK;
      let i = 0;
      for (const v of c.values.values()) {
        const available = v.n > 0 || v.input.checked;
        v.li.hidden = !available || (long && !c.expanded && i >= FACET_VISIBLE && !v.input.checked);
        if (available) i++;
      }
      c.fieldset.hidden = open.length === 0;
      c.toggle.hidden = !long;
      c.toggle.setAttribute("aria-expanded", String(long && c.expanded));
      c.toggle.textContent = c.expanded ? "Toon minder" : `Toon alle ${open.length}`;
    }

    updateCounts(counts) {
      for (const [name, c] of this.controls) {
        const facetCounts = counts[name] || {};
        for (const [value, v] of c.values) {
          v.n = facetCounts[value] || 0;
          v.count.textContent = `(${v.n})`;
          v.count.dataset.count = String(v.n);
        }
        this.layoutFacet(name);
      }
    }

    // ---- state and URL

    readUrl() {
      const params = new URLSearchParams(location.search);
      this.state.q = params.get("q") || "";
      const sort = params.get("sort") || "";
      this.state.sort = SORTS.some(([v]) => v === sort) ? sort : "";
      this.state.selected = new Map();
      for (const [k, v] of params) {
        if (RESERVED.has(k) || !v) continue;
        if (!this.state.selected.has(k)) this.state.selected.set(k, new Set());
        this.state.selected.get(k).add(v);
      }
    }

    writeUrl(push) {
      const params = new URLSearchParams();
      if (this.state.q.trim()) params.set("q", this.state.q.trim());
      if (this.state.sort) params.set("sort", this.state.sort);
      for (const facet of this.facetOrder()) {
        for (const v of this.state.selected.get(facet) || []) params.append(facet, v);
      }
      const query = params.toString();
      const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
      if (url === `${location.pathname}${location.search}${location.hash}`) return;
      if (push) history.pushState(null, "", url);
      else history.replaceState(null, "", url);
    }

    facetOrder() {
      const known = this.facets.map((f) => f.name);
      return known.concat([...this.state.selected.keys()].filter((k) => !known.includes(k)));
    }

    syncControls() {
      if (this.input.value !== this.state.q) this.input.value = this.state.q;
      this.sortSelect.value = this.state.sort;
      for (const [name, c] of this.controls) {
        const chosen = this.state.selected.get(name);
        for (const [value, { input }] of c.values) input.checked = !!chosen && chosen.has(value);
        this.layoutFacet(name);
      }
      this.showChosen();
    }

    /** The number of chosen values, next to the Filters heading (also when folded). */
    showChosen() {
      let n = 0;
      for (const values of this.state.selected.values()) n += values.size;
      this.clearButton.hidden = n === 0;
      this.filterSummary.textContent = n ? ` (${n} gekozen)` : "";
    }

    /** Pagefind filters for the chosen values: OR within a facet, AND across facets. */
    filtersFor(except) {
      const filters = {};
      for (const [facet, values] of this.state.selected) {
        if (facet !== except && values.size) filters[facet] = { any: [...values] };
      }
      return filters;
    }

    sortFor(term) {
      if (this.state.sort === "nieuwste") return { date: "desc" };
      if (this.state.sort === "oudste") return { date: "asc" };
      return term ? {} : { title: "asc" };
    }

    // ---- searching

    async update() {
      if (!this.pf) return;
      const seq = ++this.seq;
      const term = this.state.q.trim();
      const filters = this.filtersFor(null);
      const filtering = Object.keys(filters).length > 0;
      this.showChosen();
      if (!term && !filtering) {
        this.results = [];
        this.shown = 0;
        this.list.replaceChildren();
        this.moreButton.hidden = true;
        this.updateCounts(this.totals);
        this.setStatus("Typ een zoekterm of kies een filter.");
        return;
      }
      this.list.setAttribute("aria-busy", "true");
      try {
        const query = term || null;
        const sort = this.sortFor(term);
        const main = await this.pf.search(query, { filters, sort });
        if (seq !== this.seq) return;
        let results = main.results;
        if (sort.date) {
          // Pagefind leaves pages without the sort key out; add them at the end.
          const all = await this.pf.search(query, { filters });
          if (seq !== this.seq) return;
          const seen = new Set(results.map((r) => r.id));
          results = results.concat(all.results.filter((r) => !seen.has(r.id)));
        }
        // A facet's own choices do not narrow its counts (OR within a facet).
        const counts = Object.assign({}, main.filters);
        for (const [facet, values] of this.state.selected) {
          if (!values.size) continue;
          const others = this.filtersFor(facet);
          if (!term && Object.keys(others).length === 0) {
            counts[facet] = this.totals[facet] || {};
            continue;
          }
          const r = await this.pf.search(query, { filters: others });
          if (seq !== this.seq) return;
          counts[facet] = (r.filters || {})[facet] || {};
        }
        this.results = results;
        this.shown = 0;
        this.list.replaceChildren();
        await this.showMore(false, seq);
        if (seq !== this.seq) return;
        this.updateCounts(counts);
        this.setStatus(resultCount(results.length));
        await this.showEmptyHelp(results.length === 0 ? term : "", seq);
      } catch (err) {
        console.error("zoeken:", err);
        if (seq === this.seq) this.setStatus("Er ging iets mis bij het zoeken. Probeer het opnieuw.");
      } finally {
        if (seq === this.seq) this.list.removeAttribute("aria-busy");
      }
    }

    /** Adds the next page of results; with `focus`, moves focus to the first new one. */
    async showMore(focus, seq = this.seq) {
      const slice = this.results.slice(this.shown, this.shown + PAGE_SIZE);
      const data = await Promise.all(slice.map((r) => r.data()));
      if (seq !== this.seq) return;
      const items = data.map((d) => this.resultItem(d));
      this.list.append(...items);
      this.shown += items.length;
      const left = this.results.length - this.shown;
      this.moreButton.hidden = left <= 0;
      this.moreButton.textContent = `Meer resultaten (${this.shown} van ${this.results.length} getoond)`;
      if (focus && items.length) items[0].querySelector("a").focus();
    }

    resultItem(d) {
      const meta = d.meta || {};
      const title = meta.title || d.url;
      const details = el("p", { class: "zoeken-details" });
      if (meta.collection) details.append(el("span", { class: "zoeken-soort", text: meta.collection }));
      if (meta.date) details.append(el("span", { class: "zoeken-datum", text: meta.date }));
      const excerpt = el("p", { class: "zoeken-uittreksel" });
      // Pagefind escapes < and > in the text and adds only <mark> elements.
      excerpt.innerHTML = withoutLeadingTitle(d.excerpt || "", title);
      return el(
        "li",
        { class: "zoeken-resultaat", "data-url": d.url },
        el("h3", {}, el("a", { href: d.url, text: title })),
        details.childElementCount ? details : null,
        excerpt,
      );
    }

    /**
     * When a search finds nothing: "Bedoelde u …?" with the closest words of the index
     * (pagefind/words.json, loaded the first time it is needed), spelling tips and a way to
     * browse. Hidden again as soon as something is found.
     */
    async showEmptyHelp(term, seq) {
      this.help.replaceChildren();
      this.help.hidden = !term;
      if (!term) return;
      const better = await this.suggest(term);
      if (seq !== this.seq) return;
      if (better) {
        const link = el("a", {
          href: `?q=${encodeURIComponent(better)}`,
          text: better,
          onclick: (e) => {
            e.preventDefault();
            this.state.q = better;
            this.syncControls();
            this.writeUrl(true);
            this.update();
          },
        });
        this.help.append(el("p", { class: "zoeken-suggestie" }, "Bedoelde u ", link, "?"));
      }
      this.help.append(
        el("p", { text: "Controleer de spelling, probeer minder of andere woorden, of zet filters uit." }),
        el("p", {}, "U kunt ook ", el("a", { href: "#bladeren-kop", text: "bladeren door de kennisbank" }), "."),
      );
    }

    /** The query with each word the index does not know replaced by its closest known word, or null. */
    async suggest(term) {
      if (!this.words) this.words = this.index.then((index) => index.loadWords(this.base));
      const [index, words] = await Promise.all([this.index, this.words]);
      return index.correct(term, words);
    }

    setStatus(text) {
      if (this.status.textContent !== text) this.status.textContent = text;
    }
  }

  /** The indexed text starts with the title, which the result already shows. */
  function withoutLeadingTitle(excerpt, title) {
    const escaped = title.replace(/</g, "&lt;").replace(/>/g, "&gt;");
    for (const sep of [". ", " "]) {
      if (excerpt.startsWith(escaped + sep)) return excerpt.slice(escaped.length + sep.length);
    }
    return excerpt;
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
