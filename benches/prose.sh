#!/usr/bin/env bash
# Benchmark: the cost of checking the prose's own equations (spec section 6).
# Median wall and CPU time of `notecheck build --no-cache` on the included
# notes (notes/) over RUNS runs, release build, three ways side by side:
#   latex: auto   the notes as they are, display equations checked;
#   latex: off    the same notes with `check: latex: off` in notecheck.yaml;
#   blocks only   the notes as they were before their equations carried the
#                 claims (git revision BASE, default fc31569), latex: off.
# Prints the ratios auto/off and auto/blocks-only, and the coverage line.
#
#   benches/prose.sh [RUNS] [BASE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
base=${2:-fc31569}
cd "$repo"
if [[ -z ${NOTECHECK_BIN:-} ]]; then
  cargo build --release --quiet
  NOTECHECK_BIN=$repo/target/release/notecheck
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-prose.XXXXXX")
trap 'rm -rf "$work"' EXIT

setup() { # setup NAME LATEX [REV]
  local dir=$work/$1
  mkdir -p "$dir/notes"
  if [[ -n ${3:-} ]]; then
    git archive "$3" notes | tar -x -C "$dir"
  else
    cp notes/*.md "$dir/notes/"
  fi
  printf 'notes: notes\nout: site\ncheck:\n  latex: %s\n' "$2" >"$dir/notecheck.yaml"
}
setup auto auto
setup off off
setup blocks off "$base"

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run_ms() { # run_ms DIR -> "wall cpu" in ms
  local dir=$1 t0 t1 status=0
  t0=$(date +%s%N)
  if [[ -x /usr/bin/time ]]; then
    (cd "$dir" && /usr/bin/time -f '%U %S' -o time.txt "$NOTECHECK_BIN" build --no-cache >/dev/null 2>&1) || status=$?
  else
    (cd "$dir" && "$NOTECHECK_BIN" build --no-cache >/dev/null 2>&1) || status=$?
  fi
  t1=$(date +%s%N)
  ((status <= 1)) || { echo "prose.sh: notecheck build failed in $dir ($status)" >&2; exit 2; }
  local cpu=0
  [[ -f $dir/time.txt ]] && cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$dir/time.txt")
  echo "$(((t1 - t0) / 1000000)) $cpu"
}
declare -A wall cpu
for name in auto off blocks; do wall[$name]=""; cpu[$name]=""; done
for ((r = 0; r < runs; r++)); do
  for name in auto off blocks; do # interleaved, so load changes hit all three
    read -r w c < <(run_ms "$work/$name")
    wall[$name]+="$w "
    cpu[$name]+="$c "
  done
done
med() { median ${1}; }
echo "included notes: notecheck build --no-cache, median of $runs runs"
for name in auto off blocks; do
  printf '  %-12s %6d ms wall, %6d ms CPU   runs: %s\n' "$name" "$(med "${wall[$name]}")" "$(med "${cpu[$name]}")" "${wall[$name]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "  ratio auto/off:    $(ratio "$(med "${wall[auto]}")" "$(med "${wall[off]}")") wall, $(ratio "$(med "${cpu[auto]}")" "$(med "${cpu[off]}")") CPU"
echo "  ratio auto/blocks: $(ratio "$(med "${wall[auto]}")" "$(med "${wall[blocks]}")") wall, $(ratio "$(med "${cpu[auto]}")" "$(med "${cpu[blocks]}")") CPU"
(cd "$work/auto" && "$NOTECHECK_BIN" check --no-cache 2>/dev/null | grep '^equations:' | sed 's/^/  /') || true
