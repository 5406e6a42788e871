#!/usr/bin/env bash
# Benchmark: median wall time of `notecheck build` on the seed notes (notes/)
# over ten runs, release build. Prints the cached figure (the everyday
# rebuild: nothing changed since the last build) and the --no-cache figure
# (everything checked and rendered). The site goes to a temporary folder.
#
#   benches/seed.sh [RUNS]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
cd "$repo"
if [[ -z ${NOTECHECK_BIN:-} ]]; then
  cargo build --release --quiet
  NOTECHECK_BIN=$repo/target/release/notecheck
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-seed.XXXXXX")
trap 'rm -rf "$out"' EXIT

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_ms ARGS...: wall time of one build in milliseconds (exit 1 = failing claims is fine).
time_ms() {
  local t0 t1 status=0
  t0=$(date +%s%N)
  "$NOTECHECK_BIN" build notes -o "$out/site" "$@" >/dev/null 2>&1 || status=$?
  t1=$(date +%s%N)
  ((status <= 1)) || { echo "seed.sh: notecheck build failed ($status)" >&2; exit 2; }
  echo $(((t1 - t0) / 1000000))
}

cold=() warm=()
for ((r = 0; r < runs; r++)); do cold+=("$(time_ms --no-cache)"); done
time_ms >/dev/null # fill the cache
for ((r = 0; r < runs; r++)); do warm+=("$(time_ms)"); done
echo "seed notes: notecheck build, median of $runs runs"
echo "  cached (nothing changed): $(median "${warm[@]}") ms   runs: ${warm[*]}"
echo "  --no-cache:               $(median "${cold[@]}") ms   runs: ${cold[*]}"
