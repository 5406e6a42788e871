#!/usr/bin/env bash
# Side by side: `notecheck build --no-cache` (check every claim and render
# the site) against `mdbook build` (render the same Markdown as a book, with
# its search index) on the same notes, each into an empty folder, median of
# RUNS runs, wall and CPU (user + system) time.
#
#   benches/mdbook.sh [RUNS] [NOTE.md ...]
#
# Default notes: the four seed notes (the ones numbered as in the seed:
# 01, 02, 03, 05). Needs `mdbook` on PATH (`cargo install mdbook`); CPU
# figures come from `perf stat` (task-clock) when it runs, else from
# /usr/bin/time (10 ms steps). Prints the ratios notecheck / mdBook.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
shift || true
cd "$repo"
notes=("$@")
if ((${#notes[@]} == 0)); then
  notes=(notes/01-derivative-layouts.md notes/02-vectorization.md notes/03-index-notation.md notes/05-bias-gradient.md)
fi
command -v mdbook >/dev/null || { echo "mdbook.sh: mdbook not found (cargo install mdbook)" >&2; exit 2; }
if [[ -z ${NOTECHECK_BIN:-} ]]; then
  cargo build --release --quiet
  NOTECHECK_BIN=$repo/target/release/notecheck
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-vs-mdbook.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The same text for both: a notes folder for notecheck, a book for mdBook.
mkdir -p "$work/notes" "$work/book/src"
{
  echo "# Summary"
  echo
  for n in "${notes[@]}"; do
    cp "$n" "$work/notes/"
    cp "$n" "$work/book/src/"
    base=$(basename "$n")
    echo "- [${base%.md}](./$base)"
  done
} >"$work/book/src/SUMMARY.md"
cat >"$work/book/book.toml" <<'EOF'
[book]
title = "Seed notes"
[output.html]
mathjax-support = true
EOF

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# one OUT CMD...: wall ms of one run (exit 1, failing claims, is fine); CPU ms in $work/cpu.
one() {
  local t0 t1 status=0
  rm -rf "$1"
  shift
  t0=$(date +%s%N)
  if command -v perf >/dev/null && perf stat -x, -e task-clock true >/dev/null 2>&1; then
    # perf counts CPU time to the microsecond (time(1) to 10 ms).
    perf stat -x, -e task-clock -o "$work/perf.txt" "$@" >/dev/null 2>&1 || status=$?
    awk -F, '/task-clock/ {printf "%.1f\n", $1}' "$work/perf.txt" >"$work/cpu"
  elif [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%U %S' -o "$work/time.txt" "$@" >/dev/null 2>&1 || status=$?
    awk '{printf "%d\n", ($1 + $2) * 1000}' "$work/time.txt" >"$work/cpu"
  else
    "$@" >/dev/null 2>&1 || status=$?
  fi
  t1=$(date +%s%N)
  ((status <= 1)) || { echo "mdbook.sh: $* failed ($status)" >&2; exit 2; }
  echo $(((t1 - t0) / 1000000))
}
declare -a nw nc mw mc
for ((r = 0; r < runs; r++)); do
  # Alternate, so that neither always runs on a warmer machine.
  nw+=("$(one "$work/site" "$NOTECHECK_BIN" build "$work/notes" -o "$work/site" --no-cache)")
  [[ -f $work/cpu ]] && nc+=("$(cat "$work/cpu")")
  mw+=("$(one "$work/book/book" mdbook build "$work/book")")
  [[ -f $work/cpu ]] && mc+=("$(cat "$work/cpu")")
done
n=$(median "${nw[@]}")
m=$(median "${mw[@]}")
echo "${#notes[@]} notes, median of $runs runs, each into an empty folder"
echo "  notecheck build --no-cache: $n ms wall$( ((${#nc[@]})) && echo ", $(median "${nc[@]}") ms CPU")   runs: ${nw[*]}"
echo "  mdbook build:               $m ms wall$( ((${#mc[@]})) && echo ", $(median "${mc[@]}") ms CPU")   runs: ${mw[*]}"
awk -v n="$n" -v m="$m" 'BEGIN { if (m > 0) printf "  ratio notecheck / mdBook: %.2f (wall)\n", n / m }'
if ((${#nc[@]})) && ((${#mc[@]})); then
  awk -v n="$(median "${nc[@]}")" -v m="$(median "${mc[@]}")" 'BEGIN { if (m > 0) printf "  ratio notecheck / mdBook: %.2f (CPU)\n", n / m }'
fi
