#!/usr/bin/env bash
# Byte-identity check for speed work: builds the included notes, the seed
# notes and every fixture folder with two binaries (--no-cache, each into an
# empty folder) and compares the sites (`diff -r`) and the terminal output.
#
#   benches/same-output.sh OLD_BIN NEW_BIN
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
old=$(realpath "$1") new=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-same.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/seed"
for n in 01-derivative-layouts 02-vectorization 03-index-notation 05-bias-gradient; do
  cp "$repo/notes/$n.md" "$work/seed/"
done
inputs=("$repo/notes" "$work/seed")
for d in "$repo"/tests/fixtures/*/; do inputs+=("${d%/}"); done
status=0
for i in "${inputs[@]}"; do
  for flags in "" "--safe"; do
    name=$(basename "$i")$flags
    for b in old new; do
      bin=$old; [[ $b == new ]] && bin=$new
      (cd "$work" && "$bin" build "$i" -o "$work/$b-$name" --no-cache $flags >"$work/$b-$name.out" 2>&1; echo "exit $?" >>"$work/$b-$name.out")
      sed -i "s#$work/$b-#OUT-#g" "$work/$b-$name.out"
    done
    if ! diff -r -x .notecheck-site "$work/old-$name" "$work/new-$name" >/dev/null 2>&1 ||
      ! diff "$work/old-$name.out" "$work/new-$name.out" >/dev/null; then
      echo "DIFFERENT: $name"; status=1
      diff -r -x .notecheck-site "$work/old-$name" "$work/new-$name" | head -5
      diff "$work/old-$name.out" "$work/new-$name.out" | head -5
    else
      echo "same: $name ($(find "$work/new-$name" -type f | wc -l) files, $(grep -c . "$work/new-$name.out") output lines)"
    fi
  done
done
exit $status
