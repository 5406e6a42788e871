//! Unit tests of the interpreter.

use super::*;
use crate::config::CheckSettings;
use crate::lang::compile::{CompiledKind, CompiledNote, compile};
use crate::lang::ir::ClaimRhs;
use crate::note::parse_note;

fn compiled(body: &str) -> CompiledNote {
    let src = format!("```check\n{body}\n```\n");
    let note = parse_note("t.md".into(), "t.md".into(), src);
    compile(&note, &CheckSettings::default(), &BTreeMap::new())
}

/// Both sides of every claim, evaluated in trial 1.
fn sides(c: &CompiledNote) -> Vec<(DMatrix<f64>, DMatrix<f64>)> {
    let trial = Trial::new(&c.program, 7, 1, &BTreeMap::new(), (2, 5));
    let mut out = Vec::new();
    for s in &c.blocks[0].stmts {
        if let CompiledKind::Claims(cs) = &s.kind {
            for claim in cs {
                let claim = claim.result.as_ref().expect("resolves");
                let ClaimRhs::Expr(rhs) = &claim.rhs else {
                    continue;
                };
                let mut ev = Evaluator::plain(&trial);
                ev.idx = claim.free.keys().map(|k| (k.clone(), 1)).collect();
                out.push((ev.eval(&claim.lhs).unwrap(), ev.eval(rhs).unwrap()));
            }
        }
    }
    out
}

fn assert_close(a: &DMatrix<f64>, b: &DMatrix<f64>) {
    assert_eq!(a.shape(), b.shape());
    assert!((a - b).norm() <= 1e-9 * (1.0 + a.norm()), "{a} vs {b}");
}

#[test]
fn gradient_of_a_quadratic_form_is_exact() {
    let c = compiled("let A ∈ R^{n×n}\nlet x ∈ R^n\n∂(x^T A x)/∂x = (A + A^T) x");
    for (l, r) in sides(&c) {
        assert_close(&l, &r);
    }
}

#[test]
fn jacobian_layouts_follow_the_value_table() {
    // Column-major: ∂(W x)/∂vec(W) = xᵀ ⊗ I; row-major: I ⊗ xᵀ.
    let c = compiled("let W ∈ R^{n×m}\nlet x ∈ R^m\n∂(W x)/∂vec(W) = x^T ⊗ I");
    for (l, r) in sides(&c) {
        assert_close(&l, &r);
    }
    let src =
        "```check flatten=row-major\nlet W ∈ R^{n×m}\nlet x ∈ R^m\n∂(W x)/∂vec(W) = I ⊗ x^T\n```\n";
    let note = parse_note("t.md".into(), "t.md".into(), src.into());
    let c = compile(&note, &CheckSettings::default(), &BTreeMap::new());
    for (l, r) in sides(&c) {
        assert_close(&l, &r);
    }
}

#[test]
fn derivative_with_respect_to_an_intermediate_and_a_slice() {
    let c = compiled(
        "let X ∈ R^{N×D}\nlet W ∈ R^{D×C}\nlet Z = X W\nlet φ : R^{1×C} → R\nlet L_i = φ(Z_i)\nlet L = ∑_i L_i\n∂L/∂W = X^T ∂L/∂Z\n∂L_i/∂W = X_i^T ∂L_i/∂Z_i",
    );
    let s = sides(&c);
    assert!(!s.is_empty());
    for (l, r) in s {
        assert_close(&l, &r);
    }
}

#[test]
fn values_shared_between_seeded_passes_change_nothing() {
    // A derivative taken once in a fresh trial and again after the
    // trial's seeded passes kept what does not depend on their seed
    // (here the hidden layer z, and W2 z when differentiating by b).
    let c = compiled(
        "let W1 ∈ R^{h×m}\nlet W2 ∈ R^{k×h}\nlet x ∈ R^m\nlet b ∈ R^k\nlet z = tanh(W1 x)\nlet L = sum(exp(W2 z + b))\n∂L/∂W2 = exp(W2 z + b) z^T\n∂L/∂b = exp(W2 z + b)",
    );
    let claims: Vec<_> = c.blocks[0]
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            CompiledKind::Claims(cs) => Some(cs),
            _ => None,
        })
        .flatten()
        .map(|c| c.result.as_ref().expect("resolves"))
        .collect();
    assert_eq!(claims.len(), 2);
    let fresh = |k: usize| {
        let trial = Trial::new(&c.program, 3, 1, &BTreeMap::new(), (2, 5));
        let d = deriv_parts(&claims[k].lhs).unwrap();
        let value = Evaluator::plain(&trial).eval(&claims[k].lhs).unwrap();
        (value, fd_curve(&trial, &BTreeMap::new(), &d).unwrap())
    };
    let trial = Trial::new(&c.program, 3, 1, &BTreeMap::new(), (2, 5));
    for _ in 0..2 {
        for (k, claim) in claims.iter().enumerate() {
            let d = deriv_parts(&claim.lhs).unwrap();
            let value = Evaluator::plain(&trial).eval(&claim.lhs).unwrap();
            let curve = fd_curve(&trial, &BTreeMap::new(), &d).unwrap();
            let (v0, c0) = fresh(k);
            let bits = |m: &DMatrix<f64>| m.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&value), bits(&v0));
            let cbits = |c: &(Vec<(f64, f64)>, f64)| {
                c.0.iter()
                    .map(|(h, e)| (h.to_bits(), e.to_bits()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(cbits(&curve), cbits(&c0));
        }
    }
    assert!(!trial.shared_f64.borrow().is_empty());
    assert!(!trial.shared_dual.borrow().is_empty());
}

#[test]
fn a_wrong_gradient_differs() {
    let c = compiled("let A ∈ R^{n×n}\nlet x ∈ R^n\n∂(x^T A x)/∂x = 2 A x");
    let (l, r) = &sides(&c)[0];
    assert!((l - r).norm() > 1e-3);
}

#[test]
fn differentials_follow_the_directions() {
    let c = compiled("let X ∈ R^{n×n}\nd(X^{-1}) = -X^{-1} dX X^{-1}\nd(tr(X)) = tr(dX)");
    for (l, r) in sides(&c) {
        assert_close(&l, &r);
    }
}

#[test]
fn evaluation_errors_are_values_not_panics() {
    let c = compiled("let A = [1 2; 2 4]\ninv(A) = A");
    let trial = Trial::new(&c.program, 0, 1, &BTreeMap::new(), (2, 5));
    let CompiledKind::Claims(cs) = &c.blocks[0].stmts[1].kind else {
        panic!("a claim")
    };
    let claim = cs[0].result.as_ref().unwrap();
    let err = Evaluator::plain(&trial).eval(&claim.lhs).unwrap_err();
    assert!(
        matches!(err, crate::eval::EvalError::Undefined(_)),
        "{err:?}"
    );
    assert!(err.message().contains("singular"), "{err}");
}
