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
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000)
cargo build --release --quiet
BIN="$PWD/target/release/innobieb"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $("$BIN" --version)"
for N in "${SIZES[@]}"; do
  SITE="/dev/shm/innobieb-bench-$N"
  OUT="/dev/shm/innobieb-bench-$N-public"
  SYNTH=()
  [ "${SEARCH:-1}" = 0 ] && SYNTH+=(--no-search)
  [ "${SITE_FUNCTIONS:-0}" = 1 ] && SYNTH+=(--site-functions)
  python3 bench/synth.py "$N" "$SITE" "${SYNTH[@]}" >/dev/null
  echo
  echo "== N=$N ($(du -sh "$SITE/content" | cut -f1) of Markdown)"
  times=()
  rss=0
  for i in $(seq "$RUNS"); do
    rm -rf "$OUT"
    /usr/bin/time -v "$BIN" build -q --root "$SITE" --output "$OUT" 2> /tmp/innobieb-bench-time.txt
    t=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' /tmp/innobieb-bench-time.txt | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' /tmp/innobieb-bench-time.txt)
    times+=("$t")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  files=$(find "$OUT" -type f | wc -l)
  echo "full build:   median ${median} s over $RUNS runs (${times[*]}), peak RSS $((rss / 1024)) MiB, $files files, $(du -sh "$OUT" | cut -f1)"
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
  if [ "${LATENCY:-$([ "$N" = 10000 ] && echo 1 || echo 0)}" = 1 ]; then
    python3 bench/latency.py "$SITE" --binary "$BIN" --runs "${LATENCY_RUNS:-10}" | sed 's/^/serve: /'
  fi
  rm -rf "$OUT"
done
