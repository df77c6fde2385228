#!/usr/bin/env python3
"""Generate a deterministic synthetic knowledge base for benchmarks.

Usage: bench/synth.py N OUT_DIR [--seed S] [--theme-from REPO]

Shape (as in the benchmark issue): 60% timeline entries, 15% projects, 15% people,
7% organisations, 3% theme groups; 300-1500 words per page with headings, lists,
tables and 2-6 internal links; every entry references 1-4 people and 1-3
organisations, Zipf-distributed so a few people are referenced by hundreds of
pages; four taxonomies; lists and term pages paginated by 50. It uses the bundled
site's content model and theme, so the benchmark measures the real thing.
"""
import argparse
import os
import random
import re
import shutil

WORDS = (
    "bibliotheek bibliotheken innovatie lezen leesbevordering jeugd onderwijs participatie zelfredzaamheid "
    "ontwikkeling netwerk samenwerking gemeente provincie regio programma project doelgroep resultaat "
    "taalhuis digitale vaardigheden mediawijsheid cultuur ontmoeting debat kennis delen inspiratie proeftuin "
    "parel regiogids themagroep prioriteit agenda route actielijn campagne marketing positionering klant "
    "collectie vrijwilliger medewerker directie bestuur subsidie verdienmodel kosten effect meting"
).split()
PROVINCES = ["Groningen", "Friesland", "Drenthe", "Overijssel", "Flevoland", "Gelderland", "Utrecht",
             "Noord-Holland", "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg"]
KEYWORDS = ["lezen", "taal", "digitaal", "jeugd", "cultuur", "ouderen", "school", "werk", "gezondheid", "klimaat",
            "erfgoed", "democratie", "makerspace", "podcast", "data", "leesclub", "voorlezen", "debat", "expositie", "coaching"]


def zipf_pick(rng, n, s=1.1):
    """Index in [0, n) with Zipf-like weights (cached cumulative table per n)."""
    table = zipf_pick.tables.get(n)
    if table is None:
        weights = [1.0 / ((i + 1) ** s) for i in range(n)]
        total = sum(weights)
        acc, table = 0.0, []
        for w in weights:
            acc += w / total
            table.append(acc)
        zipf_pick.tables[n] = table
    x = rng.random()
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if table[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


zipf_pick.tables = {}


def sentence(rng, lo=6, hi=16):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def body(rng, links, words_target):
    out, words = [], 0
    heading = 0
    link_iter = iter(links)
    while words < words_target:
        kind = rng.random()
        if kind < 0.12:
            heading += 1
            out.append(f"## {sentence(rng, 2, 4)[:-1]} {heading}\n")
        elif kind < 0.22:
            items = [f"- {sentence(rng, 3, 8)}" for _ in range(rng.randint(2, 5))]
            out.append("\n".join(items) + "\n")
            words += 20
        elif kind < 0.27:
            rows = ["| Onderdeel | Waarde | Toelichting |", "|---|---|---|"]
            rows += [f"| {rng.choice(WORDS)} | {rng.randint(1, 100)} | {sentence(rng, 3, 6)} |" for _ in range(rng.randint(2, 5))]
            out.append("\n".join(rows) + "\n")
            words += 30
        else:
            para = [sentence(rng) for _ in range(rng.randint(2, 5))]
            link = next(link_iter, None)
            if link:
                para.insert(1, f"Zie ook [{link[1]}](@/{link[0]}).")
            text = " ".join(para)
            words += len(text.split())
            out.append(text + "\n")
    for link in link_iter:
        out.append(f"Meer: [{link[1]}](@/{link[0]}).\n")
    return "\n".join(out)


def fm_list(xs):
    return "[" + ", ".join(xs) + "]"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2016)
    ap.add_argument("--theme-from", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--no-search", action="store_true", help="turn the search index off in site.yaml")
    ap.add_argument("--site-functions", action="store_true",
                    help="templates that look referenced pages up with get_page and list pages with collection/taxonomy")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = args.n
    out = args.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    repo = os.path.abspath(args.theme_from)
    shutil.copytree(os.path.join(repo, "themes"), os.path.join(out, "themes"))

    config = open(os.path.join(repo, "site.yaml"), encoding="utf-8").read()
    config = re.sub(r"paginate_by: \d+", "paginate_by: 50", config)
    # Every list and term page paginated by 50, and a fourth taxonomy.
    config = config.replace("    sort_by: title\n", "    sort_by: title\n    paginate_by: 50\n")
    config = config.replace("taxonomies:\n", "taxonomies:\n  trefwoorden:\n    title: Trefwoorden\n    paginate_by: 50\n", 1)
    config = config.replace("    sort_by: count\n", "    sort_by: count\n    paginate_by: 50\n")
    config = config.replace("      themagroepen: { type: reference, to: themagroepen, many: true }\n      bronnen: { type: reference, to: bronnen, many: true, required: true }\n",
                            "      themagroepen: { type: reference, to: themagroepen, many: true }\n      trefwoorden: { type: list, items: { type: text }, taxonomy: trefwoorden }\n      bronnen: { type: reference, to: bronnen, many: true, required: true }\n", 1)
    if args.no_search:
        config = config.replace("search:\n", "search:\n  enabled: false\n", 1)
    if args.site_functions:
        # The way Hugo and Zola themes are written: each reference looked up with get_page
        # (the whole page, not the small link the field holds), lists from collection/taxonomy.
        # (Paths from collection and slug rather than `relative_path`, so older binaries build it too.)
        config = config.replace("    page_template: tijdlijn-item.html\n", "    page_template: tijdlijn-sf.html\n", 1)
        config = config.replace("    page_template: persoon.html\n", "    page_template: persoon-sf.html\n", 1)
        os.makedirs(os.path.join(out, "templates"))
        refs = ("{% for r in page.fields.REF | default(value=[]) %}{% set q = get_page(path=r.collection ~ \"/\" ~ r.slug ~ \".md\") %}"
                "<p><a href=\"{{ q.url }}\">{{ q.title }}</a> {{ q.description | default(value='') }} "
                "({{ q.backlink_count }})</p>{% endfor %}")
        with open(os.path.join(out, "templates", "tijdlijn-sf.html"), "w", encoding="utf-8") as f:
            f.write("{% extends \"tijdlijn-item.html\" %}{% block voor_tekst %}<aside class=\"sf\">"
                    + refs.replace("REF", "personen") + refs.replace("REF", "organisaties")
                    + "<ul>{% for x in collection(name=\"tijdlijn\", limit=5) %}<li><a href=\"{{ x.url }}\">{{ x.title }}</a></li>{% endfor %}</ul>"
                    + "{% set t = taxonomy(name=\"trefwoorden\", pages=false) %}<p>{{ t.terms | length }} trefwoorden</p>"
                    + "</aside>{% endblock voor_tekst %}\n")
        with open(os.path.join(out, "templates", "persoon-sf.html"), "w", encoding="utf-8") as f:
            f.write("{% extends \"persoon.html\" %}{% block na_tekst %}<aside class=\"sf\">"
                    + "{% for r in page.fields.rollen | default(value=[]) %}{% if r.organisatie %}"
                    + "{% set q = get_page(path=\"organisaties/\" ~ r.organisatie.slug ~ \".md\") %}<p><a href=\"{{ q.url }}\">{{ q.title }}</a> "
                    + "({{ q.backlink_count }})</p>{% endif %}{% endfor %}"
                    + "<ul>{% for x in collection(name=\"personen\", limit=10) %}<li><a href=\"{{ x.url }}\">{{ x.title }}</a></li>{% endfor %}</ul>"
                    + "</aside>{% endblock na_tekst %}\n")
    with open(os.path.join(out, "site.yaml"), "w", encoding="utf-8") as f:
        f.write(config)

    counts = {"tijdlijn": int(n * 0.60), "projecten": int(n * 0.15), "personen": int(n * 0.15),
              "organisaties": int(n * 0.07), "themagroepen": max(1, int(n * 0.03))}
    c = os.path.join(out, "content")
    for coll in ["tijdlijn", "projecten", "personen", "organisaties", "themagroepen", "bronnen", "prioriteiten", "programmas", "regios", "evenementen"]:
        os.makedirs(os.path.join(c, coll))
        with open(os.path.join(c, coll, "_index.md"), "w", encoding="utf-8") as f:
            f.write(f"---\ntitle: {coll.capitalize()}\n---\nOverzicht.\n")
    with open(os.path.join(c, "_index.md"), "w", encoding="utf-8") as f:
        f.write("---\ntitle: Synthetische kennisbank\n---\nEen gegenereerde kennisbank voor benchmarks.\n")
    with open(os.path.join(c, "zoeken.md"), "w", encoding="utf-8") as f:
        f.write("---\ntitle: Zoeken\ntemplate: zoeken.html\n---\nZoeken.\n")

    def write(coll, slug, fm, text):
        with open(os.path.join(c, coll, slug + ".md"), "w", encoding="utf-8") as f:
            f.write("---\n" + fm + "---\n" + text)

    write("bronnen", "bron", "title: Synthetische bron\nsoort: webpagina\nbestand: synth.txt\n", "Gegenereerd.\n")
    for i in range(1, 6):
        write("prioriteiten", f"prioriteit-{i}", f"title: Prioriteit {i}\nnummer: {i}\nweight: {i}\nherkomst: innovatieagenda\nbronnen: [bron]\n", sentence(rng) + "\n")
    for i in range(1, 4):
        write("programmas", f"programma-{i}", f"title: Programma {i}\nsoort: programma\nweight: {i}\nbronnen: [bron]\n", sentence(rng) + "\n")

    singular = {"tijdlijn": "bericht", "projecten": "project", "personen": "persoon", "organisaties": "organisatie", "themagroepen": "themagroep"}
    slugs = {k: [f"{singular[k]}-{i}" for i in range(v)] for k, v in counts.items()}
    titles = {}
    for coll, names in slugs.items():
        for s in names:
            titles[(coll, s)] = " ".join(w.capitalize() for w in rng.sample(WORDS, 2)) + " " + s.split("-")[-1]
    all_pages = [(coll, s) for coll, names in slugs.items() for s in names]

    def links(k):
        picked = [all_pages[rng.randrange(len(all_pages))] for _ in range(k)]
        return [(f"{coll}/{s}.md", titles[(coll, s)]) for coll, s in picked]

    def words():
        return rng.randint(300, 1500)

    for s in slugs["organisaties"]:
        fm = f"title: \"{titles[('organisaties', s)]}\"\nsoort: bibliotheek\nprovincies: [{rng.choice(PROVINCES)}]\nbronnen: [bron]\n"
        write("organisaties", s, fm, body(rng, links(rng.randint(2, 6)), words()))
    for s in slugs["personen"]:
        org = slugs["organisaties"][zipf_pick(rng, len(slugs["organisaties"]))]
        fm = (f"title: \"{titles[('personen', s)]}\"\nrollen:\n  - rol: medewerker\n    soort: medewerker\n"
              f"    organisatie: {org}\nbronnen: [bron]\n")
        write("personen", s, fm, body(rng, links(rng.randint(2, 6)), words()))
    for i, s in enumerate(slugs["themagroepen"]):
        fm = f"title: \"{titles[('themagroepen', s)]}\"\nweight: {i}\nprioriteiten: [prioriteit-{1 + i % 5}]\nbronnen: [bron]\n"
        write("themagroepen", s, fm, body(rng, links(rng.randint(2, 6)), words()))
    for i, s in enumerate(slugs["projecten"]):
        tg = slugs["themagroepen"][zipf_pick(rng, len(slugs["themagroepen"]))]
        fm = (f"title: \"{titles[('projecten', s)]}\"\nweight: {i}\nnummer: {1 + i % 5}\nprioriteit: prioriteit-{1 + i % 5}\n"
              f"programma: programma-{1 + i % 3}\nsoort: netwerkproject\nprovincies: [{rng.choice(PROVINCES)}]\n"
              f"themagroepen: [{tg}]\ndoelgroep: \"{rng.choice(['Jeugd', 'Volwassenen', 'Ouderen', 'Medewerkers'])}\"\n"
              f"effect_doelgroep: \"{sentence(rng)}\"\ndoel_bibliotheek: \"{sentence(rng)}\"\nresultaat: \"{sentence(rng)}\"\n"
              f"onderwerpen: [\"{sentence(rng, 3, 6)}\", \"{sentence(rng, 3, 6)}\"]\nbronnen: [bron]\n")
        write("projecten", s, fm, body(rng, links(rng.randint(2, 6)), words()))
    people, orgs = slugs["personen"], slugs["organisaties"]
    for s in slugs["tijdlijn"]:
        ps = sorted({people[zipf_pick(rng, len(people))] for _ in range(rng.randint(1, 4))})
        os_ = sorted({orgs[zipf_pick(rng, len(orgs))] for _ in range(rng.randint(1, 3))})
        year = rng.randint(2010, 2024)
        precision = rng.random()
        date = str(year) if precision < 0.1 else (f"{year}-{rng.randint(1, 12):02d}" if precision < 0.5 else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        kws = sorted(set(rng.sample(KEYWORDS, rng.randint(1, 3))))
        fm = (f"title: \"{titles[('tijdlijn', s)]}\"\ndate: \"{date}\"\npersonen: {fm_list(ps)}\norganisaties: {fm_list(os_)}\n"
              f"trefwoorden: {fm_list(kws)}\nbronnen: [bron]\n")
        write("tijdlijn", s, fm, body(rng, links(rng.randint(2, 6)), words()))
    total = sum(counts.values())
    print(f"Generated {total} pages in {out} (seed {args.seed})")


if __name__ == "__main__":
    main()
