#!/usr/bin/env bash
# Write a synthetic corpus of N notes (default 1000) with 10 claims each into DIR.
# Usage: benches/gen-corpus.sh DIR [N]
# Claims mix: matrix products and transposes, vec/kron, tr, det, inv, shape
# claims, ∂/∂ derivatives, differentials, index sums (Einstein and ∑), and
# should-fail blocks. Every note differs (title, seed, dimension sizes).
set -euo pipefail
dir=${1:?usage: gen-corpus.sh DIR [N]}
n=${2:-1000}
mkdir -p "$dir/notes"
printf 'notes: notes\nout: site\ntitle: Benchmark corpus\ncheck:\n  trials: 3\n  seed: 0\n  dim_range: [2, 5]\n' >"$dir/notecheck.yaml"
for ((i = 0; i < n; i++)); do
  printf -v sub 'part-%02d' $((i / 100))
  printf -v file 'note-%04d.md' "$i"
  [[ -d $dir/notes/$sub ]] || mkdir -p "$dir/notes/$sub"
  k=$((2 + i % 3))
  case $((i % 4)) in
    0) alg='(A B)^T = B^T A^T' ;;
    1) alg='(A B C)^T = C^T B^T A^T' ;;
    2) alg='A (B C) = (A B) C' ;;
    *) alg='(A^T)^T B = A B' ;;
  esac
  case $((i % 3)) in
    0) der='∂(x^T X x)/∂x = (X + X^T) x' ;;
    1) der='∂(tr(X Y))/∂X = Y^T' ;;
    *) der='∂(logdet(X))/∂X = X^{-T}' ;;
  esac
  cat >"$dir/notes/$sub/$file" <<NOTE
---
title: "Corpus note $i"
dims:
  k: $k
check:
  seed: $i
---

# Corpus note $i

Some prose with inline math \$\\mathbf A \\mathbf B\$ and a display:

\$\$
\\operatorname{vec}(\\mathbf A \\mathbf X \\mathbf B) = (\\mathbf B^{T} \\otimes \\mathbf A)\\operatorname{vec}(\\mathbf X)
\$\$

\`\`\`check #algebra
let A ∈ R^{n×k}
let B ∈ R^{k×m}
let C ∈ R^{m×p}
let X, Y ∈ R^{n×n}
let x ∈ R^n
let W ∈ R^{n×m}
let v ∈ R^m
let f = W v
$alg
vec(A B C) = (C^T ⊗ A) vec(B)
tr(X Y) = tr(Y X)
det(X Y) = det(X) det(Y)
(X Y)^{-1} = Y^{-1} X^{-1}
A B ∈ R^{n×m}
\`\`\`

Derivatives, one by a rule and one by a differential:

\`\`\`check #calculus
$der
d(X Y) = dX Y + X dY
\`\`\`

\`\`\`check #index einstein
f_i = W_ij v_j
\`\`\`

A mistake, kept on purpose:

\`\`\`check #mistake should-fail
(X Y)^T = X^T Y^T
\`\`\`
NOTE
done
