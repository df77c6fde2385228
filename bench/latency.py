#!/usr/bin/env python3
"""Edit-to-served latency of `innobieb serve` (median and maximum over repeated edits).

Usage: bench/latency.py SITE_DIR [--binary PATH] [--runs N]
       bench/latency.py HUGO_DIR --hugo [--binary PATH_TO_HUGO] [--runs N] [--hugo-arg=--disableFastRender]

Starts the server on a free port, then repeatedly (a) edits a leaf page (a timeline
entry) and polls over HTTP until the new text is served, the same once more saved the way
vim does (a probe file `4913` made and removed, the page moved to `bericht-7.md~`, written
anew, the backup removed), and (b) renames a hub
(the most referenced person, and the least referenced person with more than 600
references) and polls until the new title is served on the person's page and on a page
that references them. Prints median and maximum per kind. innobieb's serve publishes a
rebuild that changes many pages before they are all rendered (a requested page is rendered
first); for the hubs it also prints how long until the last page was rendered ("Rendered N
more pages" in serve's output), and waits for that before the next edit.

With --hugo the same edits are made to a site written by bench/hugo.py while `hugo server`
(by default: pages rendered to memory, fast render mode, live reload) serves it.
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:
        return ""


def wait_for(urls, needle, timeout=60.0):
    start = time.perf_counter()
    pending = list(urls)
    while pending:
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timeout waiting for {needle!r} on {pending}")
        pending = [u for u in pending if needle not in get(u)]
        if pending:
            time.sleep(0.002)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("site")
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "innobieb"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--hugo", action="store_true", help="SITE_DIR is a Hugo site (bench/hugo.py); run `hugo server`")
    ap.add_argument("--hugo-arg", action="append", default=[], help="an extra argument for hugo server")
    args = ap.parse_args()
    site = os.path.abspath(args.site)
    port = free_port()
    if args.hugo:
        binary = args.binary if args.binary != ap.get_default("binary") else "hugo"
        cmd = [binary, "server", "--port", str(port), "--bind", "127.0.0.1",
               "--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false", *args.hugo_arg]
        ready = "Web Server is available"
    else:
        cmd = [os.path.abspath(args.binary), "serve", "--port", str(port)]
        ready = "Serving"
    proc = subprocess.Popen(cmd, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        for line in proc.stdout:
            if ready in line:
                break
        else:
            raise SystemExit(f"the server stopped before it was ready: {' '.join(cmd)}")
        # Keep reading the server's output so that it never blocks on a full pipe; note when
        # serve says it rendered the pages it left for later.
        printed = []  # (when, line)

        def read_output():
            for line in proc.stdout:
                printed.append((time.perf_counter(), line))

        threading.Thread(target=read_output, daemon=True).start()
        print(f"initial build + start: {time.perf_counter() - t0:.2f} s")

        leaf = os.path.join(site, "content", "tijdlijn", "bericht-7.md")
        entries = []
        for name in sorted(os.listdir(os.path.join(site, "content", "tijdlijn"))):
            entries.append((name[:-3], open(os.path.join(site, "content", "tijdlijn", name), encoding="utf-8").read()))

        def refs_of(slug):
            return sum(1 for _, text in entries if re.search(rf"\b{slug}\b", text))

        # Two hubs: the most referenced person, and the least referenced one above 600
        # references (the target is for a page referenced by more than 600 pages).
        people = sorted(n[:-3] for n in os.listdir(os.path.join(site, "content", "personen")) if n != "_index.md")
        counts = {}
        for slug in sorted(people, key=lambda s: int(s.rsplit("-", 1)[1]) if s.rsplit("-", 1)[1].isdigit() else 10**9)[:12]:
            counts[slug] = refs_of(slug)
        hubs = [max(counts, key=counts.get)]
        above = [s for s in counts if 600 < counts[s] < counts[hubs[0]]]
        if above:
            hubs.append(min(above, key=counts.get))
        leaf_text = open(leaf, encoding="utf-8").read()
        hub_texts = {h: open(os.path.join(site, "content", "personen", f"{h}.md"), encoding="utf-8").read() for h in hubs}
        leaf_times, vim_times, hub_times, all_times = [], [], {h: [] for h in hubs}, {h: [] for h in hubs}
        for i in range(args.runs):
            token = f"Meetpunt{i}x{int(time.time() * 1000) % 100000}"
            with open(leaf, "w", encoding="utf-8") as f:
                f.write(leaf_text + f"\n{token}\n")
            leaf_times.append(wait_for([f"{base}/tijdlijn/bericht-7/"], token))
            time.sleep(0.1)
            token = f"Vimpunt{i}x{int(time.time() * 1000) % 100000}"
            start = time.perf_counter()
            probe = os.path.join(os.path.dirname(leaf), "4913")
            open(probe, "w").close()
            os.remove(probe)
            os.rename(leaf, leaf + "~")
            with open(leaf, "w", encoding="utf-8") as f:
                f.write(leaf_text + f"\n{token}\n")
            os.remove(leaf + "~")
            wait_for([f"{base}/tijdlijn/bericht-7/"], token)
            vim_times.append(time.perf_counter() - start)  # from the first file operation
            time.sleep(0.1)
            for hub_slug in hubs:
                hub = os.path.join(site, "content", "personen", f"{hub_slug}.md")
                hub_text = hub_texts[hub_slug]
                # A page that references the hub.
                referrer = next(n for n, text in entries if re.search(rf"personen: \[[^\]]*\b{hub_slug}\b", text))
                title = f"Hubnaam {hub_slug} {token}"
                with open(hub, "w", encoding="utf-8") as f:
                    f.write(re.sub(r'^title: .*$', f'title: "{title}"', hub_text, count=1, flags=re.M))
                start = time.perf_counter()
                seen = len(printed)
                hub_times[hub_slug].append(
                    wait_for([f"{base}/personen/{hub_slug}/", f"{base}/tijdlijn/{referrer}/"], title))
                if not args.hugo:
                    # Until every page is rendered: serve says "N pages still rendering" when it
                    # published first, and "Rendered N more pages" when they are done.
                    deadline = time.perf_counter() + 30
                    while time.perf_counter() < deadline:
                        lines = [l for _, l in printed[seen:]]
                        if any(l.startswith("Built ") and "still rendering" not in l for l in lines):
                            break
                        done = [t for t, l in printed[seen:] if l.startswith("Rendered ")]
                        if done:
                            all_times[hub_slug].append(done[0] - start)
                            break
                        time.sleep(0.005)
                time.sleep(0.1)
        with open(leaf, "w", encoding="utf-8") as f:
            f.write(leaf_text)
        for hub_slug, text in hub_texts.items():
            with open(os.path.join(site, "content", "personen", f"{hub_slug}.md"), "w", encoding="utf-8") as f:
                f.write(text)
        ms = lambda xs: f"median {statistics.median(xs) * 1000:.0f} ms, max {max(xs) * 1000:.0f} ms"
        print(f"leaf edit  ({args.runs} runs): {ms(leaf_times)}")
        print(f"leaf edit saved as vim does ({args.runs} runs): {ms(vim_times)}")
        for hub_slug, times in hub_times.items():
            print(f"hub title  ({args.runs} runs, {hub_slug}, referenced by {counts[hub_slug]} pages): {ms(times)}")
            if all_times[hub_slug]:
                n = len(all_times[hub_slug])
                print(f"  every page rendered ({n} of {args.runs} runs): {ms(all_times[hub_slug])}")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
