#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, deterministic up to rayon's
# scheduling) of `notecheck build --no-cache` on the four seed notes and on
# notes/, each into an empty folder, and the top inclusive costs of the
# seed build. CPU time on a shared machine varies by ±20 %; instruction
# counts by well under 1 %, so decide with these and report both.
#
#   benches/callgrind.sh [BIN] [TOP]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
bin=${1:-}
top=${2:-25}
if [[ -z $bin ]]; then
  (cd "$repo" && cargo build --release --quiet)
  bin=$repo/target/release/notecheck
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-callgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seed"
for n in 01-derivative-layouts 02-vectorization 03-index-notation 05-bias-gradient; do
  cp "$repo/notes/$n.md" "$work/seed/"
done
for set in seed notes; do
  src=$work/seed
  [[ $set == notes ]] && src=$repo/notes
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$set" "$bin" build "$src" -o "$work/out-$set" --no-cache 2>"$work/vg.$set" >/dev/null || true
  echo "$set: $(grep -o 'Collected : [0-9]*' "$work/vg.$set" | grep -o '[0-9]*') instructions"
done
echo "top inclusive costs of the seed build (notecheck functions):"
callgrind_annotate --inclusive=yes "$work/cg.seed" 2>/dev/null |
  grep -E 'notecheck::|Tera::add_raw' | grep -vE "'2|\{\{closure\}\}" | head -n "$top"
