#!/usr/bin/env bash
# Benchmark: median wall time of `notecheck build` on the seed notes (notes/)
# over ten runs, release build. Prints the cached figure (the everyday
# rebuild: nothing changed since the last build) and the --no-cache figures
# (everything checked and rendered; into the last run's site folder, and
# into an empty one), with CPU time (user + system) when /usr/bin/time is
# installed. The site goes to a temporary folder.
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
cpu=() # CPU milliseconds (user + system) of the last batch, when /usr/bin/time exists
# time_ms ARGS...: wall time of one build in milliseconds (exit 1 = failing claims is fine).
time_ms() {
  local t0 t1 status=0
  t0=$(date +%s%N)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%U %S' -o "$out/time.txt" "$NOTECHECK_BIN" build notes -o "$out/site" "$@" >/dev/null 2>&1 || status=$?
  else
    "$NOTECHECK_BIN" build notes -o "$out/site" "$@" >/dev/null 2>&1 || status=$?
  fi
  t1=$(date +%s%N)
  ((status <= 1)) || { echo "seed.sh: notecheck build failed ($status)" >&2; exit 2; }
  echo $(((t1 - t0) / 1000000))
}
cpu_ms() { [[ -f $out/time.txt ]] && awk '{printf "%d\n", ($1 + $2) * 1000}' "$out/time.txt"; }
# batch NAME ARGS...: RUNS builds; wall times in $NAME, CPU times in ${NAME}_cpu.
batch() {
  local name=$1 w c
  shift
  local -n walls=$name cpus=${name}_cpu
  walls=() cpus=()
  for ((r = 0; r < runs; r++)); do
    [[ ${FRESH:-} == 1 ]] && rm -rf "$out/site"
    w=$(time_ms "$@")
    walls+=("$w")
    c=$(cpu_ms) && cpus+=("$c")
  done
}
line() {
  local -n walls=$2 cpus=${2}_cpu
  local c=""
  ((${#cpus[@]})) && c=", $(median "${cpus[@]}") ms CPU"
  echo "  $1 $(median "${walls[@]}") ms wall$c   runs: ${walls[*]}"
}

# --no-cache into the site folder of the previous run (files whose text is
# unchanged are compared, not written), then into an empty folder each time.
batch cold --no-cache
FRESH=1 batch fresh --no-cache
time_ms >/dev/null # fill the cache
batch warm
echo "seed notes: notecheck build, median of $runs runs"
line "cached (nothing changed):     " warm
line "--no-cache:                   " cold
line "--no-cache, empty site folder:" fresh
