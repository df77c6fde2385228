#!/usr/bin/env python3
"""Convert a site made by bench/synth.py into a Hugo site with equivalent templates.

Usage: bench/hugo.py SITE_DIR HUGO_DIR [--search]

The Hugo site has the same content (the same Markdown text and front matter) and templates
that do the work innobieb's bundled theme does on such a page, written the way a Hugo theme
is written:

- every record page shows its fields in the collection's declared order; each referenced
  page (person, organisation, theme group, priority, programme, source) is looked up with
  `site.GetPage` and linked with its title; taxonomy values link to their term pages;
- backlinks: for every reference field there is a Hugo taxonomy holding a copy of the
  reference list (`bl_personen: [persoon-3, persoon-7]`, `bl_rollen_organisatie`,
  `bl_bronnen`, ...), so "pages that reference this page" is one lookup in
  `.Site.Taxonomies` (Hugo's own reverse index, built once per build) instead of a `where`
  over all pages per page. Links in the text are recorded the same way (`bl_tekst`, the
  term is "collection-slug"): Hugo has no index of the links in a page's text, so the
  converter copies them into front matter. These taxonomies are not rendered
  (`build: {render: never}` in their `_index.md`; with `list: never` Hugo leaves them out of `.Site.Taxonomies` too); the field lists a page
  shows stay under their own names (`personen: [...]`). Backlinks are grouped by field and
  collection, with the text links from pages that already reference the page through a
  field left out, as innobieb's theme does;
- related pages: Hugo's `.Site.RegularPages.Related` over the references and terms (5, with
  keys used by more than 1% of pages skipped, as innobieb skips features of > 50 pages);
- body links `[t](@/personen/persoon-3.md)` become `[t](/personen/persoon-3.md)`, resolved
  and checked by a link render hook with `site.GetPage` (a broken link fails the build, as
  in innobieb);
- lists and term pages paginated by 50 (grouped by year, letter, kind or priority like the
  theme), taxonomy pages with counts, a feed of the 20 newest timeline entries, the open
  data of each collection as JSON (fields with references as URLs, and referenced_by),
  JSON-LD for people, organisations and projects, sitemap.xml, robots.txt and 404.html.

With --search the record pages carry Pagefind's attributes (body, title meta, the same
filters and sort keys as innobieb's index) for `pagefind --site public`; without it none.
The --site-functions variant of synth.py maps to the same templates: Hugo templates always
look references up with GetPage.
"""
import argparse
import json
import os
import re
import shutil

import yaml

COLLECTIONS = ["tijdlijn", "personen", "regios", "organisaties", "themagroepen", "prioriteiten",
               "projecten", "programmas", "evenementen", "bronnen"]
TITLES = {"tijdlijn": "Tijdlijn", "personen": "Personen", "regios": "Regio's", "organisaties": "Organisaties",
          "themagroepen": "Themagroepen", "prioriteiten": "Prioriteiten", "projecten": "Projecten",
          "programmas": "Programma's", "evenementen": "Evenementen", "bronnen": "Bronnen"}
SINGULAR = {"tijdlijn": "Tijdlijnbericht", "personen": "Persoon", "regios": "Regio", "organisaties": "Organisatie",
            "themagroepen": "Themagroep", "prioriteiten": "Prioriteit", "projecten": "Project",
            "programmas": "Programma", "evenementen": "Evenement", "bronnen": "Bron"}
PLURAL_LOWER = {"tijdlijn": "tijdlijnberichten"}
SCHEMA = {"personen": "Person", "organisaties": "Organization", "projecten": "Project"}
TAXONOMIES = [("trefwoorden", "Trefwoorden", "Trefwoord"), ("provincies", "Provincies", "Provincie"),
              ("jaren", "Jaren", "Jaar"), ("doelgroepen", "Doelgroepen", "Doelgroep")]

# Declared fields per collection, in site.yaml order (those the synthetic site fills in), as the
# theme shows them in "Gegevens": kind ref (to a collection), tax (links to a term), enum, text.
FIELDS = {
    "tijdlijn": [("personen", "Genoemde personen", "ref", "personen"), ("organisaties", "Genoemde organisaties", "ref", "organisaties"),
                 ("trefwoorden", "Trefwoorden", "tax", "trefwoorden")],
    "personen": [],
    "organisaties": [("soort", "Soort", "enum", ""), ("provincies", "Provincies", "tax", "provincies")],
    "themagroepen": [("prioriteiten", "Prioriteiten (redactionele koppeling)", "ref", "prioriteiten")],
    "prioriteiten": [("nummer", "Nummer", "text", ""), ("herkomst", "Herkomst", "enum", "")],
    "projecten": [("nummer", "Nummer binnen de prioriteit", "text", ""), ("prioriteit", "Prioriteit", "ref", "prioriteiten"),
                  ("programma", "Programma", "ref", "programmas"), ("soort", "Soort", "enum", ""),
                  ("provincies", "Provincies", "tax", "provincies"),
                  ("themagroepen", "Themagroepen (redactionele koppeling)", "ref", "themagroepen")],
    "programmas": [("soort", "Soort", "enum", "")],
    "bronnen": [("soort", "Soort", "enum", ""), ("bestand", "Bronbestand", "text", "")],
    "regios": [], "evenementen": [],
}
# Reverse-reference taxonomies: (taxonomy, source collection, field, target collection, heading).
BACKREFS = [
    ("bl_personen", "tijdlijn", "personen", "personen", "Genoemd in de tijdlijn"),
    ("bl_organisaties", "tijdlijn", "organisaties", "organisaties", "Genoemd in de tijdlijn"),
    ("bl_rollen_organisatie", "personen", "rollen.organisatie", "organisaties", "Personen met een rol bij deze organisatie"),
    ("bl_themagroepen", "projecten", "themagroepen", "themagroepen", "Projecten (redactionele koppeling)"),
    ("bl_prioriteit", "projecten", "prioriteit", "prioriteiten", "Projecten binnen deze prioriteit"),
    ("bl_prioriteiten", "themagroepen", "prioriteiten", "prioriteiten", "Themagroepen (redactionele koppeling)"),
    ("bl_programma", "projecten", "programma", "programmas", "Projecten binnen dit programma"),
    ("bl_bronnen", "*", "bronnen", "bronnen", "op basis van deze bron"),
]
MENU = ["tijdlijn", "personen", "regios", "organisaties", "themagroepen", "prioriteiten", "projecten", "programmas", "evenementen"]
LINK = re.compile(r"\]\(@/([^)#]+?)\.md(#[^)]*)?\)")


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def convert_page(coll, fm, text):
    """Front matter and text of one page for Hugo."""
    out = dict(fm)
    if "date" in fm:
        d = str(fm["date"])
        parts = d.split("-")
        out["datum"] = d
        out["date"] = "-".join(parts + ["01"] * (3 - len(parts)))
        out["jaren"] = [parts[0]]
    if coll == "projecten" and fm.get("doelgroep"):
        out["doelgroepen"] = [fm["doelgroep"]]
    for tax, src, field, _to, _kop in BACKREFS:
        if src not in ("*", coll):
            continue
        if field == "rollen.organisatie":
            vals = [r["organisatie"] for r in fm.get("rollen", []) if r.get("organisatie")]
        else:
            vals = as_list(fm.get(field))
        if vals:
            out[tax] = sorted(set(str(v) for v in vals))
    targets = sorted({m.group(1).replace("/", "-") for m in LINK.finditer(text)})
    if targets:
        out["bl_tekst"] = targets
    return out, LINK.sub(lambda m: f"](/{m.group(1)}.md{m.group(2) or ''})", text)


def read(path):
    raw = open(path, encoding="utf-8").read()
    _, fm, text = raw.split("---\n", 2)
    return yaml.safe_load(fm) or {}, text


def write(path, fm, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # JSON is valid YAML; one key a line keeps the files readable and close to the source's size.
    with open(path, "w", encoding="utf-8") as f:
        f.write("---\n")
        for k, v in fm.items():
            f.write(f"{k}: {json.dumps(v, ensure_ascii=False)}\n")
        f.write("---\n" + text)


def config(search):
    menus = [{"name": TITLES[c], "pageRef": f"/{c}", "weight": i} for i, c in enumerate(MENU)]
    footer = [{"name": "Bronnen", "pageRef": "/bronnen", "weight": 1},
              {"name": "Provincies", "url": "/provincies/", "weight": 2},
              {"name": "Zoeken", "url": "/zoeken/", "weight": 3}]
    taxonomies = {t: t for t, _, _ in TAXONOMIES}
    taxonomies.update({b[0]: b[0] for b in BACKREFS})
    taxonomies["bl_tekst"] = "bl_tekst"
    related = [{"name": n, "weight": 100, "cardinalityThreshold": 1}
               for n in ["bl_personen", "bl_organisaties", "bl_themagroepen", "bl_prioriteit", "bl_programma",
                         "bl_prioriteiten", "bl_rollen_organisatie", "bl_tekst", "trefwoorden", "provincies", "jaren", "doelgroepen"]]
    return {
        "baseURL": "https://kennisbank.innobieb.nl/",
        "locale": "nl",
        "defaultContentLanguage": "nl",
        "title": "Innovatiebieb Kennisbank",
        "enableRobotsTXT": True,
        "disableKinds": [],
        "pagination": {"pagerSize": 50},
        "services": {"rss": {"limit": 20}},
        "taxonomies": taxonomies,
        "outputs": {"home": ["html"], "section": ["html", "json"], "taxonomy": ["html"], "term": ["html"], "page": ["html"]},
        "related": {"includeNewer": True, "threshold": 1, "toLower": False, "indices": related},
        "markup": {"tableOfContents": {"startLevel": 2, "endLevel": 2}},
        "menus": {"main": menus, "footer": footer},
        "params": {
            "description": "Kennisbank over innovatie in Nederlandse openbare bibliotheken: Route 2020, de Innovatieagenda, "
                           "regiogidsen, themagroepen en de innovatieve projecten van ProBiblio.",
            "tagline": "Innovatie in de openbare bibliotheek, van Route 2020 tot de Innovatieagenda",
            "search": search,
            "collections": [{"name": c, "title": TITLES[c], "singular": SINGULAR[c],
                             "plural": PLURAL_LOWER.get(c, TITLES[c].lower()), "feed": c in ("tijdlijn", "evenementen")}
                            for c in COLLECTIONS],
            "coll": {c: {"name": c, "title": TITLES[c], "singular": SINGULAR[c], "plural": PLURAL_LOWER.get(c, TITLES[c].lower()),
                         "feed": c in ("tijdlijn", "evenementen")} for c in COLLECTIONS},
            "taxlist": [{"name": t, "title": ti, "singular": s} for t, ti, s in TAXONOMIES],
            "velden": {c: [{"name": n, "label": l, "kind": k, "to": to} for n, l, k, to in fs] for c, fs in FIELDS.items()},
            "backrefs": [{"tax": t, "src": s, "field": f, "to": to, "kop": k} for t, s, f, to, k in BACKREFS],
            "schema": SCHEMA,
        },
    }


# --- templates -------------------------------------------------------------------------------

T = {}
T["baseof.html"] = r"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} | {{ site.Title }}{{ end }}{{ end }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ site.Params.description }}{{ end }}">
<link rel="canonical" href="{{ .Permalink }}">
<meta property="og:title" content="{{ .Title }}">
<meta property="og:site_name" content="{{ site.Title }}">
<meta property="og:url" content="{{ .Permalink }}">
<meta property="og:type" content="{{ if .IsPage }}article{{ else }}website{{ end }}">
<meta property="og:locale" content="nl">
{{- if .IsPage }}{{ with index site.Params.schema .Section }}
<script type="application/ld+json">{{ dict "@context" "https://schema.org" "@type" . "name" $.Title "url" $.Permalink | jsonify | safeJS }}</script>
{{- end }}{{ end }}
<link rel="stylesheet" href="/css/style.css">
<link rel="icon" href="/img/logo.svg" type="image/svg+xml">
{{- range site.Params.collections }}{{ if .feed }}
<link rel="alternate" type="application/rss+xml" title="{{ .title }} | {{ site.Title }}" href="/{{ .name }}/index.xml">
{{- end }}{{ end }}
{{ block "head" . }}{{ end }}
</head>
<body class="soort-{{ .Kind }}{{ with .Section }} collectie-{{ . }}{{ end }}">
<a class="skiplink" href="#inhoud">Naar de inhoud</a>
<header class="site-kop">
  <div class="wrap site-kop-rij">
    <a class="merk" href="/"{{ if .IsHome }} aria-current="page"{{ end }}>
      <svg class="merk-logo" viewBox="0 0 48 48" width="44" height="44" aria-hidden="true" focusable="false">
        <rect width="48" height="48" rx="10" fill="#0f4c5c"/>
        <path d="M9 15.5c5-2 10-2 15 1.2v19c-5-3.2-10-3.2-15-1.2z" fill="#fff"/>
        <path d="M39 15.5c-5-2-10-2-15 1.2v19c5-3.2 10-3.2 15-1.2z" fill="#d8ebee"/>
        <path d="M34.5 5.5l1.5 3.6 3.6 1.5-3.6 1.5-1.5 3.6-1.5-3.6-3.6-1.5 3.6-1.5z" fill="#f2b134"/>
      </svg>
      <span class="merk-tekst"><span class="merk-naam">Innovatiebieb</span> <span class="merk-sub">Kennisbank</span></span>
    </a>
    <form class="zoekform zoekform--kop" role="search" action="/zoeken/" method="get" aria-label="Snel zoeken">
      <label for="zoek-kop" class="visueel-verborgen">Zoeken</label>
      <input type="search" id="zoek-kop" name="q" placeholder="Zoek in de kennisbank" autocomplete="off">
      <button type="submit">Zoek</button>
    </form>
  </div>
  <nav class="hoofdmenu" aria-label="Hoofdmenu">
    <div class="wrap">
    <ul>
    {{- $cur := . }}
    {{- range site.Menus.main }}
      {{- if $cur.IsMenuCurrent "main" . }}
      <li><a href="{{ .URL }}" aria-current="page">{{ .Name }}</a></li>
      {{- else if $cur.HasMenuCurrent "main" . }}
      <li><a href="{{ .URL }}" aria-current="true">{{ .Name }}</a></li>
      {{- else }}
      <li><a href="{{ .URL }}">{{ .Name }}</a></li>
      {{- end }}
    {{- end }}
    </ul>
    </div>
  </nav>
</header>
<main id="inhoud" tabindex="-1">
<div class="wrap">
{{ block "main" . }}{{ end }}
</div>
</main>
<footer class="site-voet">
  <div class="wrap site-voet-raster">
    <div>
      <p class="voet-titel">{{ site.Title }}</p>
      <p>{{ site.Params.tagline }}</p>
      <p class="voet-klein">Persoonlijke contactgegevens uit de bronnen worden niet gepubliceerd. Koppelingen met het label ‘redactionele koppeling’ zijn door de redactie gelegd.</p>
    </div>
    <nav aria-label="Voettekst">
      <p class="voet-titel" id="voet-menu-kop">Over de kennisbank</p>
      <ul>
      {{- range site.Menus.footer }}
        <li><a href="{{ .URL }}"{{ if $cur.IsMenuCurrent "footer" . }} aria-current="page"{{ end }}>{{ .Name }}</a></li>
      {{- end }}
      </ul>
    </nav>
    <nav aria-label="Onderdelen">
      <p class="voet-titel">Onderdelen</p>
      <ul class="voet-kolommen">
      {{- range site.Params.collections }}
        <li><a href="/{{ .name }}/">{{ .title }}</a></li>
      {{- end }}
      {{- range site.Params.taxlist }}
        <li><a href="/{{ .name }}/">{{ .title }}</a></li>
      {{- end }}
      </ul>
      <p class="voet-klein">Volg via RSS:
      {{- range site.Params.collections }}{{ if .feed }} <a href="/{{ .name }}/index.xml">{{ .title }}<span class="visueel-verborgen"> (feed)</span></a>{{ end }}{{ end }}</p>
    </nav>
  </div>
</footer>
</body>
</html>
"""

T["_partials/datum.html"] = r"""{{- $m := dict "01" "januari" "02" "februari" "03" "maart" "04" "april" "05" "mei" "06" "juni" "07" "juli" "08" "augustus" "09" "september" "10" "oktober" "11" "november" "12" "december" -}}
{{- $p := split . "-" -}}
<time datetime="{{ . }}">{{ if eq (len $p) 3 }}{{ strings.TrimPrefix "0" (index $p 2) }} {{ index $m (index $p 1) }} {{ index $p 0 }}{{ else if eq (len $p) 2 }}{{ index $m (index $p 1) }} {{ index $p 0 }}{{ else }}{{ . }}{{ end }}</time>
{{- /**/ -}}"""

T["_partials/waardelabel.html"] = r"""{{- $namen := dict "poi" "POI (provinciale ondersteuningsinstelling)" "probiblio" "ProBiblio" "soob-bozh-project" "SOOB/BOZH-project" "netwerkproject" "Netwerkproject" "netwerkprojecten" "Netwerkprojecten" "innovatieagenda" "Innovatieagenda" -}}
{{- with index $namen . }}{{ . }}{{ else }}{{ replace . "-" " " | strings.FirstUpper }}{{ end -}}"""

T["_partials/collectie.html"] = r"""{{- return index site.Params.coll . -}}"""

T["_partials/item.html"] = r"""{{- $p := .p -}}
<li class="item">
<a class="item-titel" href="{{ $p.RelPermalink }}">{{ $p.Title }}</a>
{{- if .soort }} <span class="item-soort">{{ (partial "collectie.html" $p.Section).singular }}</span>{{ end -}}
{{- with $p.Params.datum }} <span class="item-datum">{{ partialCached "datum.html" . . }}</span>{{ end -}}
{{- if .beschrijving }}{{ with $p.Description }}<p class="item-tekst">{{ . }}</p>{{ end }}{{ end -}}
</li>"""

T["_partials/paginering.html"] = r"""{{- $pg := . -}}
{{- if gt $pg.TotalPages 1 -}}
<nav class="paginering" aria-label="Paginering">
<ul>
{{- with $pg.Prev }}<li><a href="{{ .URL }}" rel="prev">Vorige<span class="visueel-verborgen"> pagina</span></a></li>{{ end -}}
{{- range $pg.Pagers -}}
<li><a href="{{ .URL }}"{{ if eq .PageNumber $pg.PageNumber }} aria-current="page"{{ end }}><span class="visueel-verborgen">Pagina </span>{{ .PageNumber }}</a></li>
{{- end -}}
{{- with $pg.Next }}<li><a href="{{ .URL }}" rel="next">Volgende<span class="visueel-verborgen"> pagina</span></a></li>{{ end -}}
</ul>
</nav>
{{- end -}}"""

T["_partials/rol.html"] = r"""{{- $r := .r -}}
<span class="rol-soort">{{ partial "waardelabel.html" $r.soort }}</span>
<span class="rol-tekst">{{ $r.rol }}</span>
{{- if and .organisatie $r.organisatie }}{{ with site.GetPage (printf "/organisaties/%s" $r.organisatie) }}
<span class="rol-context"><span>Organisatie: <a href="{{ .RelPermalink }}">{{ .Title }}</a></span></span>{{ end }}{{ end -}}"""

# The fields of a record, in declared order ("Gegevens").
T["_partials/feiten.html"] = r"""{{- $page := . -}}
{{- $velden := index site.Params.velden $page.Section -}}
{{- $out := "" -}}
{{- range $velden -}}
{{- $v := index $page.Params .name -}}
{{- if $v -}}
{{- $f := . -}}
{{- $vals := $v -}}{{- if not (reflect.IsSlice $v) }}{{ $vals = slice $v }}{{ end -}}
{{- $html := slice -}}
{{- range $vals -}}
  {{- if eq $f.kind "ref" -}}
    {{- with site.GetPage (printf "/%s/%s" $f.to .) }}{{ $html = $html | append (printf "<a href=\"%s\">%s</a>" .RelPermalink .Title) }}{{ else }}{{ errorf "%s: %s %q not found" $page.File.Path $f.name . }}{{ end -}}
  {{- else if eq $f.kind "tax" -}}
    {{- $t := site.GetPage (printf "/%s/%s" $f.to (urlize .)) -}}
    {{- $html = $html | append (printf "<a href=\"%s\">%s</a>" $t.RelPermalink .) -}}
  {{- else if eq $f.kind "enum" -}}
    {{- $html = $html | append (partial "waardelabel.html" .) -}}
  {{- else -}}
    {{- $html = $html | append (string .) -}}
  {{- end -}}
{{- end -}}
{{- $dd := "" -}}
{{- if eq (len $html) 1 }}{{ $dd = index $html 0 }}{{ else }}{{ $dd = printf "<ul class=\"waarden\"><li>%s</li></ul>" (delimit $html "</li><li>") }}{{ end -}}
{{- $label := replace $f.label " (redactionele koppeling)" "" -}}
{{- $red := "" }}{{ if in $f.label "redactionele koppeling" }}{{ $red = " <span class=\"label-redactioneel\" title=\"Deze koppeling is door de redactie gelegd en staat niet in de bron.\">redactionele koppeling</span>" }}{{ end -}}
{{- $out = printf "%s<div class=\"feit feit--%s\">\n<dt>%s%s</dt>\n<dd>%s</dd>\n</div>" $out $f.name $label $red $dd -}}
{{- end -}}
{{- end -}}
{{- with $out }}
<aside class="record-zij" aria-labelledby="gegevens-kop">
  <h2 id="gegevens-kop">Gegevens</h2>
  <dl class="feiten">{{ . | safeHTML }}</dl>
</aside>
{{- end -}}"""

# Backlinks grouped by field and collection; text links from pages that already reference this
# page through a field are left out. Related pages and sources follow.
T["_partials/verwijzingen.html"] = r"""{{- $page := . -}}
{{- $slug := $page.File.ContentBaseName -}}
{{- $seen := slice -}}
{{- $groups := slice -}}
{{- range site.Params.backrefs -}}
  {{- if eq .to $page.Section -}}
    {{- $b := . -}}
    {{- with index site.Taxonomies .tax $slug -}}
      {{- range .Pages.GroupBy "Section" -}}
        {{- $c := partial "collectie.html" .Key -}}
        {{- $kop := $b.kop -}}
        {{- if eq $b.tax "bl_bronnen" }}{{ $kop = printf "%s %s" (strings.FirstUpper $c.plural) $b.kop }}{{ end -}}
        {{- $groups = $groups | append (dict "kop" $kop "pages" .Pages "rol" (eq $b.tax "bl_rollen_organisatie")) -}}
        {{- $seen = $seen | append .Pages -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- with index site.Taxonomies.bl_tekst (printf "%s-%s" $page.Section $slug) -}}
  {{- range .Pages.GroupBy "Section" -}}
    {{- $rest := complement $seen .Pages -}}
    {{- if $rest -}}
      {{- $c := partial "collectie.html" .Key -}}
      {{- $groups = $groups | append (dict "kop" (printf "Genoemd in de tekst van %s" $c.plural) "pages" $rest "tekst" true) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- if $groups }}
<section class="verwijzingen" aria-labelledby="verwijzingen-kop">
<h2 id="verwijzingen-kop">Verwijzingen naar deze pagina</h2>
<div class="verwijzingen-raster">
{{- range $groups -}}
<section class="verwijzingsgroep">
<h3>{{ .kop }} <span class="aantal">({{ len .pages }})</span></h3>
<ul class="lijst lijst--compact">
{{- $g := . -}}
{{- range .pages -}}
<li class="item">
<a class="item-titel" href="{{ .RelPermalink }}">{{ .Title }}</a>
{{- with .Params.datum }} <span class="item-datum">{{ partialCached "datum.html" . . }}</span>{{ end -}}
{{- if $g.rol }}{{ range .Params.rollen }}{{ if eq .organisatie $slug }}
<div class="item-rol">{{ partial "rol.html" (dict "r" . "organisatie" false) }}</div>{{ end }}{{ end }}{{ end -}}
</li>
{{- end -}}
</ul>
</section>
{{- end -}}
</div>
</section>
{{- end }}
{{- $rel := first 5 (site.RegularPages.Related $page) -}}
{{- if $rel }}
<section class="gerelateerd" aria-labelledby="gerelateerd-kop">
<h2 id="gerelateerd-kop">Gerelateerd</h2>
<ul class="lijst lijst--compact">{{ range $rel }}{{ partial "item.html" (dict "p" . "soort" true) }}{{ end }}</ul>
</section>
{{- end }}
{{- with $page.Params.bronnen }}
<section class="bronnen" aria-labelledby="bronnen-kop">
<h2 id="bronnen-kop">Bronnen</h2>
<ul class="lijst lijst--compact">
{{- range . }}{{ with site.GetPage (printf "/bronnen/%s" .) }}
<li class="item">
<a class="item-titel" href="{{ .RelPermalink }}">{{ .Title }}</a>
<span class="item-meta">{{ with .Params.soort }}{{ partial "waardelabel.html" . }}{{ end }}</span></li>
{{- end }}{{ end }}
</ul>
</section>
{{- end }}"""

T["_partials/kruimelpad.html"] = r"""<nav class="kruimelpad" aria-label="Kruimelpad">
<ol>
{{- range .Ancestors.Reverse }}<li><a href="{{ .RelPermalink }}">{{ if .IsHome }}Home{{ else }}{{ .Title }}{{ end }}</a></li>{{ end -}}
<li><a href="{{ .RelPermalink }}" aria-current="page">{{ .Title }}</a></li>
</ol>
</nav>"""

T["_partials/zoekfilters.html"] = r"""{{- /* The same filters and sort keys as innobieb's index: collectie, themagroepen, prioriteit, provincies, programma, jaar. */ -}}
{{- $p := . -}}
<div hidden>
<span data-pagefind-filter="collectie">{{ (partial "collectie.html" $p.Section).title }}</span>
{{- range $p.Params.themagroepen }}{{ with site.GetPage (printf "/themagroepen/%s" .) }}<span data-pagefind-filter="themagroepen">{{ .Title }}</span>{{ end }}{{ end }}
{{- with $p.Params.prioriteit }}{{ with site.GetPage (printf "/prioriteiten/%s" .) }}<span data-pagefind-filter="prioriteit">{{ .Title }}</span>{{ end }}{{ end }}
{{- range $p.Params.provincies }}<span data-pagefind-filter="provincies">{{ . }}</span>{{ end }}
{{- with $p.Params.programma }}{{ with site.GetPage (printf "/programmas/%s" .) }}<span data-pagefind-filter="programma">{{ .Title }}</span>{{ end }}{{ end }}
{{- with $p.Params.jaren }}<span data-pagefind-filter="jaar">{{ index . 0 }}</span>{{ end }}
<span data-pagefind-meta="collectie">{{ (partial "collectie.html" $p.Section).title }}</span>
{{- with $p.Params.datum }}<span data-pagefind-meta="date">{{ partialCached "datum.html" . . }}</span><span data-pagefind-sort="date">{{ . }}</span>{{ end }}
<span data-pagefind-sort="title">{{ lower $p.Title }}</span>
</div>"""

T["page.html"] = r"""{{ define "main" }}
{{ partial "kruimelpad.html" . }}
{{- $s := site.Params.search }}
<article class="record record--{{ .Section }}"{{ if $s }} data-pagefind-body{{ end }}>
  <header class="record-kop">
    {{- $c := partial "collectie.html" .Section }}
    {{- if eq .Section "tijdlijn" }}
<p class="bovenregel"><a href="/tijdlijn/">Tijdlijn</a>{{ with .Params.jaren }} · {{ index . 0 }}{{ end }}</p>
    {{- else if eq .Section "personen" }}
<p class="bovenregel">Persoon{{ with .Params.rollen }} · {{ range $i, $r := uniq (apply . "index" "." "soort") }}{{ if $i }}, {{ end }}{{ partial "waardelabel.html" $r }}{{ end }}{{ end }}</p>
    {{- else if eq .Section "projecten" }}
      {{- $pr := site.GetPage (printf "/prioriteiten/%s" .Params.prioriteit) }}
<p class="bovenregel">Project{{ with $pr }} {{ .Params.nummer }}.{{ $.Params.nummer }} · prioriteit <a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</p>
    {{- else if eq .Section "organisaties" }}
<p class="bovenregel">Organisatie{{ with .Params.soort }} · {{ partial "waardelabel.html" . }}{{ end }}</p>
    {{- else }}
<p class="bovenregel">{{ $c.singular }}</p>
    {{- end }}
    <h1{{ if $s }} data-pagefind-meta="title"{{ end }}>{{ .Title }}</h1>
    {{- with .Params.datum }}
    <p class="datumregel">
      {{ partialCached "datum.html" . . }}{{ range $.GetTerms "jaren" }} <a class="datumregel-link" href="{{ .RelPermalink }}">Alles uit {{ .Title }}</a>{{ end }}
    </p>
    {{- end }}
    {{- with .Description }}<p class="inleiding">{{ . }}</p>{{ end }}
  </header>
  {{- if $s }}{{ partial "zoekfilters.html" . }}{{ end }}
  <div class="record-raster">
    <div class="record-hoofd">
      {{- if eq .Section "projecten" }}
      <section class="werkboek" aria-labelledby="werkboek-kop">
        <h2 id="werkboek-kop" class="visueel-verborgen">Het project volgens het werkboek</h2>
        <div class="werkboek-raster">
        {{- range slice (slice "doelgroep" "Doelgroep") (slice "effect_doelgroep" "Effect voor de doelgroep") (slice "doel_bibliotheek" "Doel van de bibliotheek") (slice "resultaat" "Resultaat") }}
          {{- $n := index . 0 }}{{ $label := index . 1 }}
          {{- with index $.Params $n }}
          <section class="werkboek-blok werkboek-blok--{{ $n }}">
            <h3>{{ $label }}</h3>
            {{- if eq $n "doelgroep" }}
            <p>{{ range $.GetTerms "doelgroepen" }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</p>
            {{- else }}
            <p>{{ . }}</p>
            {{- end }}
          </section>
          {{- end }}
        {{- end }}
        </div>
        {{- with .Params.onderwerpen }}
        <section class="werkboek-lijst werkboek-lijst--onderwerpen">
          <h3>Mogelijke onderwerpen <span class="aantal">({{ len . }})</span></h3>
          <ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul>
        </section>
        {{- end }}
      </section>
      <h2 class="tekst-kop">Toelichting</h2>
      {{- end }}
      {{- if .Content }}
      {{- if ge (len .Fragments.Identifiers) 3 }}
      <nav class="inhoudsopgave" aria-label="Op deze pagina">
<p class="inhoudsopgave-kop">Op deze pagina</p>
{{ .TableOfContents }}
</nav>
      {{- end }}
      <div class="tekst">
      {{ .Content }}
      </div>
      {{- end }}
      {{- if eq .Section "personen" }}{{ with .Params.rollen }}
<section class="rollen" aria-labelledby="rollen-kop">
  <h2 id="rollen-kop">Rollen <span class="aantal">({{ len . }})</span></h2>
  <p class="noot">Zoals de bronnen ze noemen. Rollen met een einddatum zijn gemarkeerd als ‘afgerond’.</p>
  <ul class="rollenlijst">
  {{- range . }}
    <li class="rol">{{ partial "rol.html" (dict "r" . "organisatie" true) }}</li>
  {{- end }}
  </ul>
</section>
      {{- end }}{{ end }}
    </div>
    {{ partial "feiten.html" . }}
  </div>
  <div class="record-voet"{{ if $s }} data-pagefind-ignore{{ end }}>
    {{ partial "verwijzingen.html" . }}
    <p class="bestandsnaam" hidden>Bestand voor de redactie: <code>content/{{ .File.Path }}</code></p>
  </div>
</article>
{{ end }}"""

T["section.html"] = r"""{{ define "main" }}
{{ partial "kruimelpad.html" . }}
{{- $c := partial "collectie.html" .Section }}
{{- $pages := .Pages }}
{{- if in (slice "personen" "organisaties") .Section }}{{ $pages = .Pages.ByTitle }}{{ end }}
{{- $pg := .Paginate $pages }}
<div class="lijstpagina lijstpagina--{{ .Section }}">
  <header class="pagina-kop">
    <p class="bovenregel">{{ len .Pages }} {{ if eq (len .Pages) 1 }}{{ lower $c.singular }}{{ else }}{{ $c.plural }}{{ end }}</p>
    <h1>{{ .Title }}</h1>
    {{- with .Content }}<div class="tekst inleiding-tekst">{{ . }}</div>{{ end }}
    {{- if $c.feed }}<p class="feedlink"><a href="/{{ .Section }}/index.xml">Volg {{ lower $c.title }} via een feed</a></p>{{ end }}
  </header>
  {{- if eq .Section "tijdlijn" }}
    {{- if eq $pg.PageNumber 1 }}{{ partial "grafiek.html" . }}{{ end }}
<nav class="jaarindex" aria-label="Tijdlijn per jaar">
  <p class="jaarindex-kop">Ga naar jaar:</p>
  <ul>{{ range $pg.Pages.GroupByDate "2006" }}<li><a href="#jaar-{{ .Key }}">{{ .Key }}</a></li>{{ end }}</ul>
</nav>
<div class="tijdlijn">
    {{- range $pg.Pages.GroupByDate "2006" }}
  <section class="tijdlijn-jaar" aria-labelledby="jaar-{{ .Key }}">
    <h2 id="jaar-{{ .Key }}" class="tijdlijn-jaartal">{{ .Key }} <span class="aantal">({{ len .Pages }} {{ if eq (len .Pages) 1 }}bericht{{ else }}berichten{{ end }})</span></h2>
    <ol class="tijdlijn-lijst">
    {{- range .Pages }}
      <li class="tijdlijn-item">
        <p class="tijdlijn-datum">{{ partialCached "datum.html" .Params.datum .Params.datum }}</p>
        <div class="tijdlijn-inhoud">
          <h3 class="tijdlijn-titel"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
          {{- with .Description }}<p>{{ . }}</p>{{ end }}
        </div>
      </li>
    {{- end }}
    </ol>
  </section>
    {{- end }}
</div>
  {{- else if eq .Section "personen" }}
<nav class="letterindex" aria-label="Personen per beginletter"><ul>
    {{- $letters := slice }}{{ range $pg.Pages }}{{ $letters = $letters | append (upper (substr .Title 0 1)) }}{{ end }}{{ $letters = uniq $letters }}
    {{- range $letters }}<li><a href="#letter-{{ lower . }}"><span class="visueel-verborgen">Achternamen met de letter </span>{{ . }}</a></li>{{ end }}
</ul></nav>
    {{- range $l := $letters }}
<section class="lettergroep" aria-labelledby="letter-{{ lower $l }}">
  <h2 id="letter-{{ lower $l }}" class="letter">{{ $l }}</h2>
  <ul class="lijst personenlijst">
      {{- range $pg.Pages }}{{ if eq (upper (substr .Title 0 1)) $l }}
    <li class="item persoon-item">
      <a class="item-titel" href="{{ .RelPermalink }}">{{ .Title }}</a>
      <ul class="rollen-kort">{{ range .Params.rollen }}<li><span class="rol-soort">{{ partial "waardelabel.html" .soort }}</span> {{ .rol }}</li>{{ end }}</ul>
    </li>
      {{- end }}{{ end }}
  </ul>
</section>
    {{- end }}
  {{- else if eq .Section "organisaties" }}
    {{- range $pg.Pages.GroupByParam "soort" }}
<section aria-labelledby="soort-{{ .Key }}">
  <h2 id="soort-{{ .Key }}">{{ partial "waardelabel.html" .Key }} <span class="aantal">({{ len .Pages }})</span></h2>
  <ul class="lijst lijst--kolommen">{{ range .Pages }}{{ partial "item.html" (dict "p" . "beschrijving" true) }}{{ end }}</ul>
</section>
    {{- end }}
  {{- else if eq .Section "projecten" }}
    {{- range $pg.Pages.GroupByParam "prioriteit" }}
      {{- $pr := site.GetPage (printf "/prioriteiten/%s" .Key) }}
<section class="prioriteitgroep" aria-labelledby="prioriteit-{{ .Key }}">
  <h2 id="prioriteit-{{ .Key }}">{{ $pr.Title }} <span class="aantal">({{ len .Pages }} projecten)</span></h2>
  <p class="groep-link"><a href="{{ $pr.RelPermalink }}">Over de prioriteit {{ $pr.Title }}</a></p>
  <ol class="kaarten projectkaarten">
      {{- range .Pages }}
    <li class="kaart project-kaart" value="{{ .Params.nummer }}">
      <h3 class="kaart-titel"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
      <dl class="kaart-feiten">
        {{- with .Params.doelgroep }}<div><dt>Doelgroep</dt><dd>{{ . }}</dd></div>{{ end }}
        {{- with .Params.soort }}<div><dt>Soort</dt><dd>{{ partial "waardelabel.html" . }}</dd></div>{{ end }}
        {{- with .Params.programma }}{{ with site.GetPage (printf "/programmas/%s" .) }}<div><dt>Programma</dt><dd>{{ .Title }}</dd></div>{{ end }}{{ end }}
      </dl>
    </li>
      {{- end }}
  </ol>
</section>
    {{- end }}
  {{- else if eq .Section "themagroepen" }}
<ul class="kaarten themakaarten">
    {{- range $pg.Pages }}
  <li class="kaart thema-kaart">
    <h2 class="kaart-titel"><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
    {{- with .Params.prioriteiten }}
    <p class="item-meta">Prioriteit: {{ range $i, $x := . }}{{ if $i }}, {{ end }}{{ with site.GetPage (printf "/prioriteiten/%s" $x) }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ end }} <span class="label-redactioneel">redactionele koppeling</span></p>
    {{- end }}
  </li>
    {{- end }}
</ul>
  {{- else }}
<ul class="lijst lijst--kaarten">{{ range $pg.Pages }}{{ partial "item.html" (dict "p" . "beschrijving" true) }}{{ end }}</ul>
  {{- end }}
  {{ partial "paginering.html" $pg }}
</div>
{{ end }}"""

T["_partials/grafiek.html"] = r"""{{- $jaren := slice }}{{ range .Pages.GroupByDate "2006" "asc" }}{{ $jaren = $jaren | append (dict "j" .Key "n" (len .Pages)) }}{{ end -}}
{{- $max := 1 }}{{ range $jaren }}{{ if gt .n $max }}{{ $max = .n }}{{ end }}{{ end -}}
<figure class="chart"><svg role="img" aria-labelledby="chart-tijdlijn-title" width="{{ add 8 (mul 36 (len $jaren)) }}" height="160" viewBox="0 0 {{ add 8 (mul 36 (len $jaren)) }} 160"><title id="chart-tijdlijn-title">Tijdlijn per jaar: {{ range $i, $x := $jaren }}{{ if $i }}, {{ end }}{{ .j }}: {{ .n }}{{ end }}</title>
{{- range $i, $x := $jaren }}{{ $h := div (mul .n 110) $max }}<rect class="chart-bar" x="{{ add 8 (mul 36 $i) }}" y="{{ sub 138 $h }}" width="28" height="{{ $h }}"></rect><text class="chart-count" x="{{ add 22 (mul 36 $i) }}" y="{{ sub 134 $h }}" text-anchor="middle">{{ .n }}</text><text class="chart-year" x="{{ add 22 (mul 36 $i) }}" y="154" text-anchor="middle">'{{ substr .j 2 }}</text>{{ end -}}
</svg></figure>"""

T["taxonomy.html"] = r"""{{ define "title" }}{{ .Title }} | {{ site.Title }}{{ end }}
{{ define "main" }}
<nav class="kruimelpad" aria-label="Kruimelpad"><ol><li><a href="/">Home</a></li><li><a href="{{ .RelPermalink }}" aria-current="page">{{ .Title }}</a></li></ol></nav>
<div class="lijstpagina taxonomiepagina">
  <header class="pagina-kop">
    <p class="bovenregel">{{ len .Data.Terms }} {{ lower .Title }}</p>
    <h1>{{ .Title }}</h1>
    <p class="inleiding">Kies een term om alle pagina's te zien die erbij horen.</p>
  </header>
  <ul class="termen">
  {{- range .Data.Terms.Alphabetical }}
    <li><a href="{{ .Page.RelPermalink }}"><span class="term-naam">{{ .Page.Title }}</span> <span class="term-aantal">{{ .Count }}<span class="visueel-verborgen"> {{ if eq .Count 1 }}pagina{{ else }}pagina's{{ end }}</span></span></a></li>
  {{- end }}
  </ul>
</div>
{{ end }}"""

T["term.html"] = r"""{{ define "title" }}{{ .Parent.Title }}: {{ .Title }} | {{ site.Title }}{{ end }}
{{ define "main" }}
<nav class="kruimelpad" aria-label="Kruimelpad"><ol><li><a href="/">Home</a></li><li><a href="{{ .Parent.RelPermalink }}">{{ .Parent.Title }}</a></li><li><a href="{{ .RelPermalink }}" aria-current="page">{{ .Title }}</a></li></ol></nav>
{{- $pg := .Paginate .Pages }}
<div class="lijstpagina termpagina">
  <header class="pagina-kop">
    <p class="bovenregel"><a href="{{ .Parent.RelPermalink }}">{{ .Parent.Title }}</a></p>
    <h1>{{ .Title }}</h1>
    <p class="inleiding">{{ len .Pages }} {{ if eq (len .Pages) 1 }}pagina{{ else }}pagina's{{ end }} bij ‘{{ .Title }}’.</p>
  </header>
  {{- range site.Params.collections }}
    {{- $n := .name }}
    {{- $items := where $pg.Pages "Section" $n }}
    {{- if $items }}
  <section aria-labelledby="groep-{{ $n }}">
    <h2 id="groep-{{ $n }}">{{ .title }} <span class="aantal">({{ len $items }})</span></h2>
    <ul class="lijst">{{ range $items }}{{ partial "item.html" (dict "p" . "beschrijving" true) }}{{ end }}</ul>
  </section>
    {{- end }}
  {{- end }}
  {{ partial "paginering.html" $pg }}
  <p class="terug"><a href="{{ .Parent.RelPermalink }}">Alle {{ lower .Parent.Title }}</a></p>
</div>
{{ end }}"""

T["home.html"] = r"""{{ define "main" }}
<section class="held" aria-labelledby="held-kop">
  <div class="held-tekst">
    <h1 id="held-kop">{{ .Title }}</h1>
    <p class="held-lead">{{ site.Params.tagline }}</p>
    <form class="zoekform zoekform--groot" role="search" action="/zoeken/" method="get" aria-label="Zoeken in de kennisbank">
      <label for="zoek-home">Zoek op naam, organisatie, project of onderwerp</label>
      <div class="zoekform-rij"><input type="search" id="zoek-home" name="q" autocomplete="off"><button type="submit">Zoek</button></div>
    </form>
  </div>
</section>
<div class="home-raster">
  <section class="home-intro" aria-labelledby="intro-kop"><h2 id="intro-kop">Wat staat er in de kennisbank?</h2><div class="tekst">{{ .Content }}</div></section>
  <section class="home-tellers" aria-labelledby="tellers-kop">
    <h2 id="tellers-kop">In cijfers</h2>
    <ul class="tellers">
    {{- range site.Params.collections }}{{ with site.GetPage (printf "/%s" .name) }}
      <li><a href="{{ .RelPermalink }}"><span class="teller-getal">{{ len .Pages }}</span> <span class="teller-naam">{{ .Title }}</span></a></li>
    {{- end }}{{ end }}
    </ul>
  </section>
</div>
<section class="bladeren" aria-labelledby="bladeren-kop">
  <h2 id="bladeren-kop">Bladeren</h2>
  <ul class="bladerlijst">
  {{- range site.Params.taxlist }}
    <li><a href="/{{ .name }}/">Per {{ lower .singular }}</a> <span class="aantal">({{ len (index site.Taxonomies .name) }})</span></li>
  {{- end }}
  </ul>
</section>
<div class="home-raster home-raster--gelijk">
  <section class="home-laatste" aria-labelledby="laatste-kop">
    <h2 id="laatste-kop">Laatste berichten op de tijdlijn</h2>
    <ol class="lijst lijst--tijd">{{ range first 5 (site.GetPage "/tijdlijn").Pages }}{{ partial "item.html" (dict "p" . "beschrijving" true) }}{{ end }}</ol>
  </section>
  <section class="home-themas" aria-labelledby="themas-kop">
    {{- $t := (site.GetPage "/themagroepen").Pages }}
    <h2 id="themas-kop">De {{ len $t }} themagroepen</h2>
    <ul class="themalabels">{{ range $t }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
  </section>
</div>
{{ end }}"""

T["404.html"] = r"""{{ define "main" }}<h1>Pagina niet gevonden</h1><p><a href="/">Naar de homepage</a></p>{{ end }}"""

T["zoeken.html"] = r"""{{ define "head" }}{{ if site.Params.search }}<link href="/pagefind/pagefind-ui.css" rel="stylesheet"><script src="/pagefind/pagefind-ui.js"></script>{{ end }}{{ end }}
{{ define "main" }}
{{ partial "kruimelpad.html" . }}
<div class="zoekpagina"><header class="pagina-kop"><h1>{{ .Title }}</h1></header>
<div id="zoeken"></div>
{{ if site.Params.search }}<script>window.addEventListener('DOMContentLoaded', () => new PagefindUI({ element: "#zoeken" }));</script>{{ end }}
</div>
{{ end }}"""

# A feed of the newest entries of a collection: title, link and date, as innobieb's Atom feed.
T["section.rss.xml"] = r"""{{- printf "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ .Title }} | {{ site.Title }}</title>
    <link>{{ .Permalink }}</link>
    <description>{{ .Title }}</description>
    <language>nl</language>
    <atom:link href="{{ .Permalink }}index.xml" rel="self" type="application/rss+xml" />
    {{- range first 20 .Pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ .Permalink }}</guid>
    </item>
    {{- end }}
  </channel>
</rss>
"""

# The open data of a collection: every record with its fields (references as URLs) and the
# pages that refer to it.
T["section.json.json"] = r"""{{- $coll := .Section -}}
{{- $velden := index site.Params.velden $coll -}}
{"collection": {{ $coll | jsonify }}, "records": [
{{- range $i, $p := .Pages -}}
{{- if $i }},{{ end }}
{{- $f := dict -}}
{{- range $velden -}}
  {{- $v := index $p.Params .name -}}
  {{- if $v -}}
    {{- if eq .kind "ref" -}}
      {{- $to := .to }}{{ $urls := slice }}{{ $vals := $v }}{{ if not (reflect.IsSlice $v) }}{{ $vals = slice $v }}{{ end -}}
      {{- range $vals }}{{ with site.GetPage (printf "/%s/%s" $to .) }}{{ $urls = $urls | append .Permalink }}{{ end }}{{ end -}}
      {{- $f = merge $f (dict .name $urls) -}}
    {{- else -}}
      {{- $f = merge $f (dict .name $v) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- with $p.Params.rollen -}}
  {{- $rollen := slice }}{{ range . }}{{ $r := dict "rol" .rol "soort" .soort }}{{ with .organisatie }}{{ with site.GetPage (printf "/organisaties/%s" .) }}{{ $r = merge $r (dict "organisatie" .Permalink) }}{{ end }}{{ end }}{{ $rollen = $rollen | append $r }}{{ end -}}
  {{- $f = merge $f (dict "rollen" $rollen) -}}
{{- end -}}
{{- with $p.Params.bronnen }}{{ $b := slice }}{{ range . }}{{ with site.GetPage (printf "/bronnen/%s" .) }}{{ $b = $b | append .Permalink }}{{ end }}{{ end }}{{ $f = merge $f (dict "bronnen" $b) }}{{ end -}}
{{- $by := slice -}}
{{- $slug := $p.File.ContentBaseName -}}
{{- range site.Params.backrefs }}{{ if eq .to $coll }}{{ with index site.Taxonomies .tax $slug }}{{ range .Pages }}{{ $by = $by | append .Permalink }}{{ end }}{{ end }}{{ end }}{{ end -}}
{{- with index site.Taxonomies.bl_tekst (printf "%s-%s" $coll $slug) }}{{ range .Pages }}{{ $by = $by | append .Permalink }}{{ end }}{{ end -}}

{{ dict "url" $p.Permalink "title" $p.Title "date" $p.Params.datum "description" $p.Description "fields" $f "referenced_by" (uniq $by) | jsonify }}
{{- end }}
]}"""

T["_markup/render-link.html"] = r"""{{- $u := urls.Parse .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
{{- with site.GetPage (strings.TrimSuffix ".md" $u.Path) -}}
<a href="{{ .RelPermalink }}{{ with $u.Fragment }}#{{ . }}{{ end }}">{{ $.Text }}</a>
{{- else -}}
{{- errorf "%s: link to a missing page %q" $.Page.File.Path $.Destination -}}
{{- end -}}
{{- else -}}
<a href="{{ .Destination | safeURL }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text }}</a>
{{- end -}}"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("out")
    ap.add_argument("--search", action="store_true", help="Pagefind attributes on record pages (for pagefind --site public)")
    ap.add_argument("--no-related", action="store_true",
                    help="leave out the related pages (.Site.RegularPages.Related), to see what they cost")
    args = ap.parse_args()
    site, out = os.path.abspath(args.site), os.path.abspath(args.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    with open(os.path.join(out, "hugo.json"), "w", encoding="utf-8") as f:
        json.dump(config(args.search), f, ensure_ascii=False, indent=1)
    for name, text in T.items():
        if args.no_related:
            text = text.replace("{{- $rel := first 5 (site.RegularPages.Related $page) -}}", "{{- $rel := slice -}}")
        path = os.path.join(out, "layouts", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    shutil.copytree(os.path.join(site, "themes", "innovatiebieb", "static"), os.path.join(out, "static"))

    src, dst = os.path.join(site, "content"), os.path.join(out, "content")
    pages = 0
    for root, _dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        coll = "" if rel == "." else rel.split(os.sep)[0]
        for name in files:
            if not name.endswith(".md"):
                continue
            fm, text = read(os.path.join(root, name))
            if name == "_index.md":
                fm["title"] = TITLES.get(coll, fm.get("title"))
                if coll in ("tijdlijn", "evenementen"):
                    fm["outputs"] = ["html", "rss", "json"]
            elif name == "zoeken.md":
                fm.pop("template", None)
                fm["layout"] = "zoeken"
            else:
                fm, text = convert_page(coll, fm, text)
                pages += 1
            write(os.path.join(dst, rel, name), fm, text)
    # The reverse-reference taxonomies are indexes, not pages.
    never = {"render": "never"}
    for tax in [b[0] for b in BACKREFS] + ["bl_tekst"]:
        write(os.path.join(dst, tax, "_index.md"), {"title": tax, "build": never, "cascade": [{"build": never}]}, "")
    for t, title, _ in TAXONOMIES:
        write(os.path.join(dst, t, "_index.md"), {"title": title}, "")
    print(f"Converted {pages} pages into {out}")


if __name__ == "__main__":
    main()
