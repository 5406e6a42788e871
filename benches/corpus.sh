#!/usr/bin/env bash
# Benchmark: a synthetic corpus of 1,000 notes × 10 claims (see gen-corpus.sh).
#
#   benches/corpus.sh [N_NOTES]
#
# Builds the release binary, generates the corpus in a temporary folder,
# then reports (median of 3 runs each):
#   - full build from scratch (cache and site removed before each run)
#   - rebuild after one note changed (cache warm)
#   - rebuild with nothing changed
# and the peak memory (maximum resident set size) over all runs.
# Targets on a 2-core machine: full build < 5 s, one-change rebuild < 0.2 s.
# Not part of `cargo test`. Set NOTECHECK_BIN to use a binary already built,
# KEEP=1 to keep the corpus folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
n=${1:-1000}
runs=3

if [[ ! -x /usr/bin/time ]]; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null) \
    || { echo "corpus.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
fi
if [[ -z ${NOTECHECK_BIN:-} ]]; then
  (cd "$repo" && cargo build --release --quiet)
  NOTECHECK_BIN=$repo/target/release/notecheck
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/notecheck-corpus.XXXXXX")
[[ ${KEEP:-} == 1 ]] || trap 'rm -rf "$work"' EXIT
"$here/gen-corpus.sh" "$work" "$n"
cd "$work"
echo "corpus: $n notes in $work ($(grep -c '' notes/part-00/note-0000.md) lines each), $(nproc) cores"

echo 0 >"$work/peak.txt"
# run LABEL ARGS...: time one `notecheck build`, print ms, track peak RSS in peak.txt.
run() {
  local label=$1 t0 t1 rss status=0
  shift
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$work/time.txt" "$NOTECHECK_BIN" build "$@" >"$work/out.txt" 2>"$work/err.txt" || status=$?
  t1=$(date +%s%N)
  if ((status > 1)); then
    cat "$work/err.txt" >&2
    exit 2
  fi
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%d\n", (u+s)*1000}' "$work/time.txt" >>"$work/cpu-$label.txt"
  if ((rss > $(cat "$work/peak.txt"))); then echo "$rss" >"$work/peak.txt"; fi
  echo $(((t1 - t0) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

full=() one=() none=()
# A build from scratch: the previous cache and site are moved aside, not
# deleted, until the end. (ext4 without a journal, as on these machines,
# skips inodes freed in the last minute or more when it allocates new ones,
# rescanning them for every file created: right after deleting thousands of
# files, creating thousands more costs a second or more of kernel time that
# a fresh checkout never pays. RM_BEFORE=1 deletes them right before each
# run instead, as this script used to. Deletions by anything else in the
# last minutes inflate the figure too: TMPDIR=/dev/shm avoids the effect.)
mkdir -p "$work/aside"
for ((r = 1; r <= runs; r++)); do
  if [[ ${RM_BEFORE:-} == 1 ]]; then
    rm -rf .notecheck-cache site
  else
    for d in .notecheck-cache site; do
      if [[ -e $d ]]; then mv "$d" "$work/aside/$d-$r"; fi
    done
  fi
  full+=("$(run full)")
done
grep -h '^checked' err.txt
edited=notes/part-04/note-0400.md
[[ -f $edited ]] || edited=$(find notes -name '*.md' | sort | head -1)
for ((r = 1; r <= runs; r++)); do
  printf '\nAn edit (%d): the product $\\mathbf A\\mathbf B$ again.\n\n```check\nlet P, Q ∈ R^{n×n}\ntr(P Q) = tr(Q P)\n```\n' "$r" >>"$edited"
  one+=("$(run one)")
done
grep -h '^checked' err.txt
for ((r = 1; r <= runs; r++)); do
  none+=("$(run none)")
done
grep -h '^checked' err.txt
if [[ ${TIMING:-} == 1 ]]; then
  echo "stages of a full build, then of a one-note rebuild:"
  mv .notecheck-cache "$work/aside/.notecheck-cache-timing"
  NOTECHECK_TIMING=1 "$NOTECHECK_BIN" build >/dev/null || true
  echo >>"$edited"
  NOTECHECK_TIMING=1 "$NOTECHECK_BIN" build >/dev/null || true
fi

cpu() { median $(cat "$work/cpu-$1.txt"); }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates wall times)"
echo "full build (no cache):       median $(median "${full[@]}") ms wall, $(cpu full) ms CPU   runs: ${full[*]}"
echo "rebuild, one note changed:   median $(median "${one[@]}") ms wall, $(cpu one) ms CPU   runs: ${one[*]}"
echo "rebuild, nothing changed:    median $(median "${none[@]}") ms wall, $(cpu none) ms CPU   runs: ${none[*]}"
echo "peak memory (max RSS):       $(($(cat "$work/peak.txt") / 1024)) MiB"
