//! Index notation in prose equations: a repeated index with no `\sum`.
//!
//! `X_{ij} A_{ji} = A_{ij} X_{ji}` holds as index notation is read in the
//! prose (Einstein's convention: a repeated index is summed, here
//! `tr(XA) = tr(AX)`), but not entry by entry, as the claim language reads
//! it without `einstein`. A statement with such an index is unchecked in
//! the prose unless the equation is marked `% check einstein`. Only an
//! index that subscripts a matrix entry (`A_{ij}`) or a `δ` counts:
//! `a_i(1 - a_i)` is a vector's entries multiplied, as the prose means it.

use std::collections::BTreeMap;

use super::ast::{Expr, ExprKind, Rhs, Stmt, StmtKind, Sub};

/// The first index written twice in one product term, bound by no sum.
pub fn repeated_index(s: &Stmt) -> Option<String> {
    let sides: Vec<&Expr> = match &s.kind {
        StmtKind::Claim { head, links } => std::iter::once(head)
            .chain(links.iter().filter_map(|l| match &l.rhs {
                Rhs::Expr(e) => Some(e),
                Rhs::Space(_) => None,
            }))
            .collect(),
        StmtKind::Define { expr, .. } => vec![expr],
        _ => return None,
    };
    sides.into_iter().find_map(|e| {
        counts(e)
            .into_iter()
            .find(|(_, (n, entry))| *n >= 2 && *entry)
            .map(|(name, _)| name)
    })
}

/// How often each index occurs in `e`, sums' own indices taken out; a sum
/// of terms counts each index as often as its most frequent term does.
fn counts(e: &Expr) -> BTreeMap<String, (usize, bool)> {
    let mut out = BTreeMap::new();
    let add = |out: &mut BTreeMap<String, (usize, bool)>, m: BTreeMap<String, (usize, bool)>| {
        for (k, (n, entry)) in m {
            let v = out.entry(k).or_insert((0, false));
            *v = (v.0 + n, v.1 || entry);
        }
    };
    match &e.kind {
        ExprKind::Num(_) | ExprKind::Name(_) | ExprKind::Matrix(_) => {}
        ExprKind::Neg(x)
        | ExprKind::Transpose(x)
        | ExprKind::Inverse(x)
        | ExprKind::InverseTranspose(x)
        | ExprKind::Differential(x) => return counts(x),
        ExprKind::Pow(b, _) => return counts(b),
        ExprKind::Binary { op, lhs, rhs, .. } => {
            let (l, r) = (counts(lhs), counts(rhs));
            if matches!(op, super::ast::BinOp::Add | super::ast::BinOp::Sub) {
                out = l;
                for (k, (n, entry)) in r {
                    let v = out.entry(k).or_insert((0, false));
                    *v = (v.0.max(n), v.1 || entry);
                }
            } else {
                add(&mut out, l);
                add(&mut out, r);
            }
        }
        ExprKind::Call { args, .. } => {
            for a in args {
                add(&mut out, counts(a));
            }
        }
        ExprKind::Subscript { base, subs } => {
            out = counts(base);
            letters(&mut out, subs.iter(), subs.len() >= 2);
        }
        ExprKind::Delta(a, b) => letters(&mut out, [a, b].into_iter(), true),
        ExprKind::Deriv { y, x } => {
            add(&mut out, counts(y));
            add(&mut out, counts(x));
        }
        ExprKind::Sum { index, body } | ExprKind::BoundedSum { index, body, .. } => {
            out = counts(body);
            out.remove(&index.name);
        }
        ExprKind::At { expr, .. } => return counts(expr),
    }
    out
}

fn letters<'a>(
    out: &mut BTreeMap<String, (usize, bool)>,
    subs: impl Iterator<Item = &'a Sub>,
    entry: bool,
) {
    for s in subs {
        if let Sub::Letter(i) = s {
            let v = out.entry(i.name.clone()).or_insert((0, false));
            *v = (v.0 + 1, v.1 || entry);
        }
    }
}
