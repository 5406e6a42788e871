//! Diagnosis of a failing equality: which usual mistake explains it.
//!
//! Works on the two values of the worst trial only, so it needs nothing
//! from earlier stages: a transposed side (or the other layout), a
//! constant factor (named), a missing symmetrisation, the same entries in
//! another order (the other flatten order, or swapped Kronecker factors).

use std::collections::BTreeMap;

use nalgebra::DMatrix;

fn close(a: &DMatrix<f64>, b: &DMatrix<f64>, rtol: f64) -> bool {
    a.shape() == b.shape() && (a - b).norm() <= 1e-10 + rtol * a.norm().max(b.norm())
}

/// When the shapes differ.
pub fn shapes(l: &DMatrix<f64>, r: &DMatrix<f64>) -> Option<String> {
    if l.shape() == (r.ncols(), r.nrows()) {
        if close(l, &r.transpose(), 1e-8) {
            return Some("it holds after transposing one side: a transposed result, or the other layout (numerator vs denominator)".into());
        }
        return Some(
            "the shapes are each other's transpose: a transposed side, or the other layout?".into(),
        );
    }
    if l.len() == r.len() && same_entries(l, r) {
        return Some("the same entries arranged in another shape: a missing or extra vec(), or the other flatten order".into());
    }
    None
}

fn same_entries(l: &DMatrix<f64>, r: &DMatrix<f64>) -> bool {
    let mut a: Vec<f64> = l.iter().copied().collect();
    let mut b: Vec<f64> = r.iter().copied().collect();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let scale = a.iter().chain(&b).fold(1e-300f64, |m, x| m.max(x.abs()));
    a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-8 * scale)
}

/// Name a constant factor c such that left = c · right.
fn name_factor(c: f64, dims: &BTreeMap<String, u64>) -> Option<String> {
    let near = |x: f64| (c - x).abs() <= 1e-6 * x.abs().max(1.0);
    for (v, name) in [
        (2.0, "2"),
        (0.5, "1/2"),
        (-1.0, "-1"),
        (-2.0, "-2"),
        (-0.5, "-1/2"),
        (4.0, "4"),
        (0.25, "1/4"),
    ] {
        if near(v) {
            return Some(name.to_string());
        }
    }
    for (k, v) in dims {
        let v = *v as f64;
        if v > 1.0 {
            for (x, name) in [
                (v, k.clone()),
                (1.0 / v, format!("1/{k}")),
                (-v, format!("-{k}")),
                (-1.0 / v, format!("-1/{k}")),
            ] {
                if near(x) {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// When the shapes agree but the values do not.
pub fn values(
    l: &DMatrix<f64>,
    r: &DMatrix<f64>,
    dims: &BTreeMap<String, u64>,
    rtol: f64,
) -> Option<String> {
    let rtol = rtol.max(1e-8) * 10.0;
    let square = l.nrows() == l.ncols();
    if square && l.nrows() > 1 && close(l, &r.transpose(), rtol) {
        return Some("it holds after transposing one side: a transposed result, or the other layout (numerator vs denominator)".into());
    }
    if square && l.nrows() > 1 {
        let sym = r + r.transpose();
        if close(l, &sym, rtol) {
            return Some(
                "a missing symmetrisation: the left side is B + Bᵀ where the right side has B"
                    .into(),
            );
        }
        if close(l, &(&sym * 0.5), rtol) {
            return Some(
                "a missing symmetrisation: the left side is (B + Bᵀ)/2 where the right side has B"
                    .into(),
            );
        }
        let lsym = l + l.transpose();
        if close(r, &lsym, rtol) {
            return Some(
                "a missing symmetrisation: the right side is B + Bᵀ where the left side has B"
                    .into(),
            );
        }
        if close(r, &(&lsym * 0.5), rtol) {
            return Some(
                "a missing symmetrisation: the right side is (B + Bᵀ)/2 where the left side has B"
                    .into(),
            );
        }
    }
    let rr = r.dot(r);
    if rr > 0.0 {
        let c = l.dot(r) / rr;
        if close(l, &(r * c), rtol) && (c - 1.0).abs() > 1e-6 {
            return Some(match name_factor(c, dims) {
                Some(n) => {
                    format!("the left side is {n} times the right side: a constant factor {n}")
                }
                None => format!("the left side is {c:.6} times the right side: a constant factor"),
            });
        }
    }
    if l.len() > 1 && same_entries(l, r) {
        return Some("the same entries in a different order: the other flatten order (row- vs column-major), or swapped Kronecker factors".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_transpose_factor_and_symmetrisation() {
        let b = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 5.0]);
        let none = BTreeMap::new();
        assert!(
            values(&b.transpose(), &b, &none, 1e-8)
                .unwrap()
                .contains("transposing")
        );
        assert!(
            values(&(&b * 2.0), &b, &none, 1e-8)
                .unwrap()
                .contains("factor 2")
        );
        let n: BTreeMap<String, u64> = [("N".to_string(), 4)].into();
        assert!(values(&(&b / 4.0), &b, &n, 1e-8).unwrap().contains("1/N"));
        assert!(
            values(&(&b + b.transpose()), &b, &none, 1e-8)
                .unwrap()
                .contains("symmetrisation")
        );
    }
}
