//! Matrix operations generic over the scalar [`Num`], written as
//! compositions of scalar operations so that `Dual` entries give exact
//! derivatives. Every operation runs the same scalar operations in the same
//! order for `f64` and for `Dual` (pivots are chosen by value), so the `re`
//! part of a `Dual` result is bit-identical to the `f64` result.
//!
//! Shapes: every value is a `DMatrix<T>`; a column vector is n×1, a scalar
//! is 1×1. Nothing here panics on a shape: mismatches give `Err(message)`
//! (or `None` for [`inverse`], [`solve`] and [`powi_matrix`], whose only
//! failures are "not square" / "singular").

use nalgebra::DMatrix;

use super::limits;
use super::num::Num;

fn shape<T>(a: &DMatrix<T>) -> String {
    format!("{}×{}", a.nrows(), a.ncols())
}

fn is_scalar<T>(a: &DMatrix<T>) -> bool {
    a.nrows() == 1 && a.ncols() == 1
}

/// `n×n` identity.
pub fn identity<T: Num>(n: usize) -> DMatrix<T> {
    DMatrix::from_fn(n, n, |i, j| if i == j { T::one() } else { T::zero() })
}

/// A 1×1 matrix holding `x`.
pub fn scalar<T: Num>(x: T) -> DMatrix<T> {
    DMatrix::from_element(1, 1, x)
}

/// `s · a`, entry by entry.
pub fn scale<T: Num>(a: &DMatrix<T>, s: T) -> DMatrix<T> {
    a.map(|x| s * x)
}

/// `a + b` (same shape).
pub fn add<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    zip(a, b, "+", |x, y| x + y)
}

/// `a - b` (same shape).
pub fn sub<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    zip(a, b, "-", |x, y| x - y)
}

fn zip<T: Num>(
    a: &DMatrix<T>,
    b: &DMatrix<T>,
    op: &str,
    f: impl Fn(T, T) -> T,
) -> crate::eval::ER<DMatrix<T>> {
    if a.shape() != b.shape() {
        return Err(format!("shape mismatch in '{op}': {} and {}", shape(a), shape(b)).into());
    }
    Ok(a.zip_map(b, f))
}

/// Matrix product; a 1×1 factor scales the other factor.
pub fn matmul<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    if is_scalar(a) {
        return Ok(scale(b, a[(0, 0)]));
    }
    if is_scalar(b) {
        return Ok(scale(a, b[(0, 0)]));
    }
    if a.ncols() != b.nrows() {
        return Err(format!(
            "shape mismatch in matrix product: {} times {}",
            shape(a),
            shape(b)
        )
        .into());
    }
    Ok(product(a, b))
}

/// Plain matrix product with a fixed summation order (k = 0, 1, …) for
/// every scalar type. Not nalgebra's `*`: for `f64` that dispatches to a
/// kernel that may use FMA depending on the CPU, which would make values
/// platform-dependent and differ from the `re` part of the `Dual` result.
/// Shapes must agree (checked by the callers).
fn product<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> DMatrix<T> {
    let (n, m, p) = (a.nrows(), a.ncols(), b.ncols());
    let mut c = DMatrix::from_element(n, p, T::zero());
    for j in 0..p {
        // Past the claim's deadline the caller discards the result.
        if limits::expired() {
            break;
        }
        for k in 0..m {
            let bkj = b[(k, j)];
            for i in 0..n {
                let t = a[(i, k)] * bkj;
                c[(i, j)] += t;
            }
        }
    }
    c
}

/// Element-wise product `a ⊙ b` (same shape).
pub fn hadamard<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    zip(a, b, "⊙", |x, y| x * y)
}

/// Element-wise division `a ⊘ b` (same shape).
pub fn hadamard_div<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    zip(a, b, "⊘", |x, y| x / y)
}

/// Kronecker product: block (i, j) is `a[i,j] · b`.
pub fn kron<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> DMatrix<T> {
    let (ar, ac) = a.shape();
    let (br, bc) = b.shape();
    DMatrix::from_fn(ar * br, ac * bc, |r, c| {
        a[(r / br, c / bc)] * b[(r % br, c % bc)]
    })
}

/// Stacks the columns of `a` (or its rows, with `row_major`) into an
/// `rows·cols × 1` column.
pub fn vec<T: Num>(a: &DMatrix<T>, row_major: bool) -> DMatrix<T> {
    let n = a.nrows() * a.ncols();
    if row_major {
        let t = a.transpose();
        DMatrix::from_column_slice(n, 1, t.as_slice())
    } else {
        DMatrix::from_column_slice(n, 1, a.as_slice())
    }
}

/// Inverse of [`vec()`]: an `n·m × 1` (or any shape with `rows·cols`
/// entries) back to `rows × cols` in the same order.
#[cfg(test)]
pub fn unvec<T: Num>(
    v: &DMatrix<T>,
    rows: usize,
    cols: usize,
    row_major: bool,
) -> crate::eval::ER<DMatrix<T>> {
    if v.len() != rows * cols {
        return Err(format!(
            "cannot reshape {} ({} entries) to {rows}×{cols}",
            shape(v),
            v.len()
        )
        .into());
    }
    Ok(if row_major {
        DMatrix::from_row_slice(rows, cols, v.as_slice())
    } else {
        DMatrix::from_column_slice(rows, cols, v.as_slice())
    })
}

/// `f` applied to every entry.
pub fn map<T: Num>(a: &DMatrix<T>, f: impl Fn(T) -> T) -> DMatrix<T> {
    a.map(f)
}

/// Sum of the diagonal of a square matrix.
pub fn trace<T: Num>(a: &DMatrix<T>) -> crate::eval::ER<T> {
    if !a.is_square() {
        return Err(format!("tr of a non-square matrix ({})", shape(a)).into());
    }
    let mut s = T::zero();
    for i in 0..a.nrows() {
        s += a[(i, i)];
    }
    Ok(s)
}

/// `diag`: a column or row vector → the diagonal matrix; a square matrix →
/// the column of its diagonal. A 1×1 is both and stays itself.
pub fn diag<T: Num>(a: &DMatrix<T>) -> crate::eval::ER<DMatrix<T>> {
    let (r, c) = a.shape();
    if r == 1 || c == 1 {
        let n = r * c;
        let v = a.as_slice();
        return Ok(DMatrix::from_fn(n, n, |i, j| {
            if i == j { v[i] } else { T::zero() }
        }));
    }
    if r == c {
        return Ok(DMatrix::from_fn(r, 1, |i, _| a[(i, i)]));
    }
    Err(format!("diag needs a vector or a square matrix, not {}", shape(a)).into())
}

/// Sum of all entries.
pub fn sum_all<T: Num>(a: &DMatrix<T>) -> T {
    let mut s = T::zero();
    for &x in a.iter() {
        s += x;
    }
    s
}

/// Mean of all entries (0 for an empty matrix).
pub fn mean_all<T: Num>(a: &DMatrix<T>) -> T {
    if a.is_empty() {
        return T::zero();
    }
    sum_all(a) / T::from_f64(a.len() as f64)
}

/// 2-norm of a vector / Frobenius norm of a matrix: sqrt of the sum of
/// squares.
pub fn norm<T: Num>(a: &DMatrix<T>) -> T {
    let mut s = T::zero();
    for &x in a.iter() {
        s += x * x;
    }
    s.sqrt()
}

/// Softmax: each row of a matrix normalised; a column vector (n×1) as a
/// whole. The row maximum's value is subtracted first (a constant shift,
/// exact for derivatives too).
pub fn softmax<T: Num>(a: &DMatrix<T>) -> DMatrix<T> {
    if a.ncols() == 1 {
        let row = a.transpose();
        return softmax_rows(&row).transpose();
    }
    softmax_rows(a)
}

fn softmax_rows<T: Num>(a: &DMatrix<T>) -> DMatrix<T> {
    let mut out = a.clone();
    for i in 0..a.nrows() {
        let mut m = f64::NEG_INFINITY;
        for j in 0..a.ncols() {
            m = m.max(a[(i, j)].re());
        }
        if !m.is_finite() {
            m = 0.0;
        }
        let shift = T::from_f64(m);
        let mut total = T::zero();
        for j in 0..a.ncols() {
            let e = (a[(i, j)] - shift).exp();
            out[(i, j)] = e;
            total += e;
        }
        for j in 0..a.ncols() {
            out[(i, j)] /= total;
        }
    }
    out
}

/// LU factorisation with partial pivoting (pivot chosen by the largest
/// |value|), computed on `T`: `P a = L U` with unit-diagonal `L`, both
/// stored in `lu`.
#[derive(Clone, Debug)]
pub struct Lu<T: Num> {
    /// Strictly lower part: L (unit diagonal implied); upper part: U.
    pub lu: DMatrix<T>,
    /// Row `i` of `P a` is row `perm[i]` of `a`.
    pub perm: Vec<usize>,
    /// Sign of the permutation (+1 / -1).
    pub sign: f64,
    /// A pivot is zero or negligible (|u_kk| ≤ 4ε·n·max|a_ij|, i.e. a
    /// condition number beyond ~1e15): [`inverse`] and [`solve`] refuse.
    /// The determinant is still the product of the pivots.
    pub singular: bool,
    /// A pivot is exactly zero (|value| < 1e-300): the elimination stopped
    /// there and the determinant is 0.
    pub zero_pivot: bool,
}

/// Pivots below this, relative to the largest entry of the matrix and its
/// size, count as zero for [`inverse`] and [`solve`].
const SINGULAR_RTOL: f64 = 4.0 * f64::EPSILON;

/// LU of a square matrix (`Err` if not square). NaN entries propagate
/// (they do not count as singular).
pub fn lu<T: Num>(a: &DMatrix<T>) -> crate::eval::ER<Lu<T>> {
    if !a.is_square() {
        return Err(format!("not a square matrix ({})", shape(a)).into());
    }
    let n = a.nrows();
    let mut m = a.clone();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut sign = 1.0;
    let scale = a.iter().fold(0.0f64, |s, x| s.max(x.re().abs()));
    let tol = if scale.is_finite() {
        SINGULAR_RTOL * n as f64 * scale
    } else {
        0.0
    };
    let mut singular = false;
    let mut zero_pivot = false;
    for k in 0..n {
        if limits::expired() {
            break;
        }
        let mut p = k;
        let mut best = m[(k, k)].re().abs();
        for i in k + 1..n {
            let v = m[(i, k)].re().abs();
            if v > best || best.is_nan() {
                best = v;
                p = i;
            }
        }
        if p != k {
            m.swap_rows(p, k);
            perm.swap(p, k);
            sign = -sign;
        }
        if best < 1e-300 {
            singular = true;
            zero_pivot = true;
            break;
        }
        if best <= tol {
            singular = true;
        }
        let pivot = m[(k, k)];
        for i in k + 1..n {
            let f = m[(i, k)] / pivot;
            m[(i, k)] = f;
            for j in k + 1..n {
                let u = m[(k, j)];
                m[(i, j)] -= f * u;
            }
        }
    }
    Ok(Lu {
        lu: m,
        perm,
        sign,
        singular,
        zero_pivot,
    })
}

impl<T: Num> Lu<T> {
    /// Determinant: sign · ∏ u_ii (0 at an exactly zero pivot).
    pub fn det(&self) -> T {
        if self.zero_pivot {
            return T::zero();
        }
        let mut d = T::from_f64(self.sign);
        for i in 0..self.lu.nrows() {
            d *= self.lu[(i, i)];
        }
        d
    }

    /// ln |det| = ∑ ln |u_ii| (−∞ at an exactly zero pivot).
    pub fn logdet(&self) -> T {
        if self.zero_pivot {
            return T::from_f64(f64::NEG_INFINITY);
        }
        let mut s = T::zero();
        for i in 0..self.lu.nrows() {
            s += self.lu[(i, i)].abs().ln();
        }
        s
    }

    /// Solves `a x = b` (`None` when singular or `b` has the wrong rows).
    pub fn solve(&self, b: &DMatrix<T>) -> Option<DMatrix<T>> {
        let n = self.lu.nrows();
        if self.singular || b.nrows() != n {
            return None;
        }
        let k = b.ncols();
        let mut x = DMatrix::from_fn(n, k, |i, j| b[(self.perm[i], j)]);
        for c in 0..k {
            if limits::expired() {
                break;
            }
            // Forward: L y = P b (unit diagonal).
            for i in 0..n {
                let mut s = x[(i, c)];
                for j in 0..i {
                    s -= self.lu[(i, j)] * x[(j, c)];
                }
                x[(i, c)] = s;
            }
            // Backward: U x = y.
            for i in (0..n).rev() {
                let mut s = x[(i, c)];
                for j in i + 1..n {
                    s -= self.lu[(i, j)] * x[(j, c)];
                }
                x[(i, c)] = s / self.lu[(i, i)];
            }
        }
        Some(x)
    }
}

/// Determinant of a square matrix (LU with partial pivoting).
pub fn det<T: Num>(a: &DMatrix<T>) -> crate::eval::ER<T> {
    if !a.is_square() {
        return Err(format!("det of a non-square matrix ({})", shape(a)).into());
    }
    Ok(lu(a)?.det())
}

/// ln |det a|, as ∑ ln |u_ii| (no overflow for large determinants).
pub fn logdet<T: Num>(a: &DMatrix<T>) -> crate::eval::ER<T> {
    if !a.is_square() {
        return Err(format!("logdet of a non-square matrix ({})", shape(a)).into());
    }
    Ok(lu(a)?.logdet())
}

/// Inverse; `None` when `a` is not square or is (numerically) singular.
pub fn inverse<T: Num>(a: &DMatrix<T>) -> Option<DMatrix<T>> {
    let f = lu(a).ok()?;
    f.solve(&identity(a.nrows()))
}

/// Solves `a x = b`; `None` when `a` is not square or singular, or `b`
/// has the wrong number of rows.
pub fn solve<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> Option<DMatrix<T>> {
    lu(a).ok()?.solve(b)
}

/// `a^k` for a square `a`: k ≥ 0 by repeated squaring (`a^0 = I`), k < 0
/// as `(a^{-1})^{|k|}`. `None` when not square, or singular with k < 0.
pub fn powi_matrix<T: Num>(a: &DMatrix<T>, k: i64) -> Option<DMatrix<T>> {
    if !a.is_square() {
        return None;
    }
    let base = if k < 0 { inverse(a)? } else { a.clone() };
    let mut e = k.unsigned_abs();
    let mut result = identity::<T>(a.nrows());
    let mut sq = base;
    let mut first = true;
    while e > 0 {
        if e & 1 == 1 {
            result = if first {
                sq.clone()
            } else {
                product(&result, &sq)
            };
            first = false;
        }
        e >>= 1;
        if e > 0 {
            sq = product(&sq, &sq);
        }
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::num::Dual;

    fn m(r: usize, c: usize, v: &[f64]) -> DMatrix<f64> {
        DMatrix::from_row_slice(r, c, v)
    }

    /// A fixed pseudo-random, well-conditioned-enough matrix (no RNG
    /// dependency in these tests).
    fn pseudo(n: usize, seed: u64) -> DMatrix<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        DMatrix::from_fn(n, n, |i, j| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            2.0 * u - 1.0 + if i == j { 0.5 } else { 0.0 }
        })
    }

    fn close(a: &DMatrix<f64>, b: &DMatrix<f64>, tol: f64) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b.iter())
                .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
    }

    #[test]
    fn kron_hand_example() {
        let a = m(2, 2, &[1.0, 2.0, 3.0, 4.0]);
        let b = m(1, 2, &[0.0, 5.0]);
        let k = kron(&a, &b);
        assert_eq!(k, m(2, 4, &[0.0, 5.0, 0.0, 10.0, 0.0, 15.0, 0.0, 20.0]));
        let c = m(2, 1, &[1.0, -1.0]);
        let k2 = kron(&b, &c);
        assert_eq!(k2, m(2, 2, &[0.0, 5.0, 0.0, -5.0]));
        assert_eq!(kron(&a, &a).shape(), (4, 4));
        assert_eq!(kron(&a, &a)[(3, 2)], 4.0 * 3.0);
    }

    #[test]
    fn vec_both_orders() {
        let a = m(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let col = vec(&a, false);
        assert_eq!(col, m(6, 1, &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
        let row = vec(&a, true);
        assert_eq!(row, m(6, 1, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert_eq!(unvec(&col, 2, 3, false).unwrap(), a);
        assert_eq!(unvec(&row, 2, 3, true).unwrap(), a);
        assert!(unvec(&row, 4, 3, true).is_err());
    }

    #[test]
    fn products_and_shapes() {
        let a = m(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let b = m(3, 1, &[1.0, 0.0, -1.0]);
        assert_eq!(matmul(&a, &b).unwrap(), m(2, 1, &[-2.0, -2.0]));
        assert!(matmul(&b, &a).is_err());
        let s = scalar(2.0);
        assert_eq!(matmul(&s, &a).unwrap(), a.map(|x| 2.0 * x));
        assert_eq!(matmul(&a, &s).unwrap(), a.map(|x| 2.0 * x));
        assert!(hadamard(&a, &b).is_err());
        assert_eq!(hadamard(&a, &a).unwrap(), a.map(|x| x * x));
        assert_eq!(hadamard_div(&a, &a).unwrap(), a.map(|_| 1.0));
        assert!(add(&a, &b).is_err());
        assert_eq!(sub(&a, &a).unwrap(), DMatrix::zeros(2, 3));
        assert!(trace(&a).is_err());
        assert!(det(&a).is_err());
        assert!(logdet(&a).is_err());
        assert!(inverse(&a).is_none());
        assert!(powi_matrix(&a, 2).is_none());
        assert!(diag(&a).is_err());
        // Empty matrices do not panic.
        let e = DMatrix::<f64>::zeros(0, 0);
        assert_eq!(det(&e).unwrap(), 1.0);
        assert_eq!(mean_all(&e), 0.0);
        assert_eq!(softmax(&e).shape(), (0, 0));
        assert_eq!(inverse(&e).unwrap().shape(), (0, 0));
    }

    #[test]
    fn diag_trace_sums_norm() {
        let v = m(3, 1, &[1.0, 2.0, 3.0]);
        let d = diag(&v).unwrap();
        assert_eq!(d, m(3, 3, &[1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0]));
        assert_eq!(diag(&v.transpose()).unwrap(), d);
        assert_eq!(diag(&d).unwrap(), v);
        assert_eq!(trace(&d).unwrap(), 6.0);
        assert_eq!(sum_all(&d), 6.0);
        assert_eq!(mean_all(&d), 6.0 / 9.0);
        assert_eq!(norm(&m(2, 1, &[3.0, 4.0])), 5.0);
        assert_eq!(map(&v, |x| x * 10.0), v.map(|x| x * 10.0));
        assert_eq!(v.transpose().shape(), (1, 3));
    }

    #[test]
    fn det_inv_logdet_match_nalgebra() {
        for n in 1..=7 {
            for seed in 0..5 {
                let a = pseudo(n, seed * 31 + n as u64);
                let d = det(&a).unwrap();
                let dn = a.clone().determinant();
                assert!((d - dn).abs() <= 1e-10 * (1.0 + dn.abs()), "{d} vs {dn}");
                let ld = logdet(&a).unwrap();
                assert!((ld - dn.abs().ln()).abs() <= 1e-10, "{ld}");
                let inv = inverse(&a).unwrap();
                let invn = a.clone().try_inverse().unwrap();
                assert!(close(&inv, &invn, 1e-8));
                assert!(close(&(&a * &inv), &DMatrix::identity(n, n), 1e-10));
                let b = pseudo(n, seed + 1000).columns(0, 1).into_owned();
                let x = solve(&a, &b).unwrap();
                assert!(close(&(&a * &x), &b, 1e-10));
                // Powers.
                assert!(close(
                    &powi_matrix(&a, 0).unwrap(),
                    &DMatrix::identity(n, n),
                    0.0
                ));
                assert!(close(&powi_matrix(&a, 1).unwrap(), &a, 0.0));
                assert!(close(&powi_matrix(&a, 3).unwrap(), &(&a * &a * &a), 1e-12));
                assert!(close(
                    &powi_matrix(&a, 5).unwrap(),
                    &(&a * &a * &a * &a * &a),
                    1e-12
                ));
                assert!(close(&powi_matrix(&a, -2).unwrap(), &(&invn * &invn), 1e-8));
            }
        }
    }

    #[test]
    fn singular_matrices() {
        let s = m(2, 2, &[1.0, 2.0, 2.0, 4.0]);
        assert!(inverse(&s).is_none());
        assert_eq!(det(&s).unwrap(), 0.0);
        assert_eq!(logdet(&s).unwrap(), f64::NEG_INFINITY);
        assert!(powi_matrix(&s, -1).is_none());
        let s3 = m(3, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert!(inverse(&s3).is_none());
        assert!(inverse(&DMatrix::<f64>::zeros(3, 3)).is_none());
        // Nearly singular: det is the product of pivots, inverse refused.
        let d3 = det(&s3).unwrap();
        assert!(d3.abs() < 1e-14);
        // Badly scaled but exactly invertible: det and inverse still fine.
        let b = m(2, 2, &[1e10, 0.0, 0.0, 1.0]);
        assert_eq!(det(&b).unwrap(), 1e10);
        assert_eq!(inverse(&b).unwrap(), m(2, 2, &[1e-10, 0.0, 0.0, 1.0]));
        let b = m(2, 2, &[1e20, 0.0, 0.0, 1.0]);
        assert_eq!(det(&b).unwrap(), 1e20);
        assert!(inverse(&b).is_none());
        // NaN propagates instead of counting as singular.
        let nan = m(2, 2, &[f64::NAN, 1.0, 1.0, 1.0]);
        assert!(det(&nan).unwrap().is_nan());
        assert!(inverse(&nan).unwrap().iter().any(|x| x.is_nan()));
        // Pivoting handles a zero leading entry.
        let p = m(2, 2, &[0.0, 1.0, 1.0, 0.0]);
        assert_eq!(det(&p).unwrap(), -1.0);
        assert_eq!(inverse(&p).unwrap(), p);
    }

    /// Dual matrix `a + t·da` at t = 0.
    fn dual(a: &DMatrix<f64>, da: &DMatrix<f64>) -> DMatrix<Dual> {
        a.zip_map(da, Dual::var)
    }

    #[test]
    fn det_derivative_matches_fd_and_jacobi() {
        for n in 1..=6 {
            let a = pseudo(n, 7 + n as u64);
            let da = pseudo(n, 99 + n as u64);
            let d = det(&dual(&a, &da)).unwrap();
            let h = 1e-6;
            let fd = (det(&(&a + &da * h)).unwrap() - det(&(&a - &da * h)).unwrap()) / (2.0 * h);
            assert!(
                (d.eps - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
                "{} vs {fd}",
                d.eps
            );
            // Jacobi's formula, for the test only.
            let jac = d.re * (a.clone().try_inverse().unwrap() * &da).trace();
            assert!((d.eps - jac).abs() <= 1e-9 * (1.0 + jac.abs()));
            // logdet: d ln|det| = tr(A^{-1} dA).
            let ld = logdet(&dual(&a, &da)).unwrap();
            assert!((ld.eps - jac / d.re).abs() <= 1e-9 * (1.0 + ld.eps.abs()));
            // inverse: d(A^{-1}) = -A^{-1} dA A^{-1}.
            let inv = inverse(&dual(&a, &da)).unwrap();
            let ai = a.clone().try_inverse().unwrap();
            let want = -(&ai * &da * &ai);
            assert!(close(&inv.map(|x| x.eps), &want, 1e-8));
        }
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let a = m(2, 3, &[1.0, 2.0, 3.0, 1000.0, 1000.0, -1000.0]);
        let s = softmax(&a);
        for i in 0..2 {
            let r: f64 = s.row(i).iter().sum();
            assert!((r - 1.0).abs() < 1e-15);
        }
        assert!((s[(1, 0)] - 0.5).abs() < 1e-15);
        let col = m(3, 1, &[0.0, 1.0, 2.0]);
        let sc = softmax(&col);
        assert!((sc.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(sc[(2, 0)] > sc[(1, 0)]);
        assert_eq!(softmax(&scalar(3.0)), scalar(1.0));
        // Derivative against finite differences.
        let x = m(1, 3, &[0.3, -1.2, 0.8]);
        let dx = m(1, 3, &[1.0, 0.5, -2.0]);
        let sd = softmax(&dual(&x, &dx));
        let h = 1e-6;
        let fd = (softmax(&(&x + &dx * h)) - softmax(&(&x - &dx * h))) / (2.0 * h);
        assert!(close(&sd.map(|v| v.eps), &fd, 1e-7));
        let tot: f64 = sd.iter().map(|v| v.eps).sum();
        assert!(tot.abs() < 1e-15);
    }

    #[test]
    fn dual_re_is_bitwise_the_f64_value() {
        for n in [3, 8] {
            let a = pseudo(n, 40 + n as u64);
            let b = pseudo(n, 41 + n as u64);
            let ad = dual(&a, &b);
            let bd = b.map(Dual::constant);
            let p = matmul(&a, &b).unwrap();
            assert_eq!(matmul(&ad, &bd).unwrap().map(|x| x.re), p);
            assert!(close(&p, &(&a * &b), 1e-13));
            assert_eq!(inverse(&ad).unwrap().map(|x| x.re), inverse(&a).unwrap());
            assert_eq!(det(&ad).unwrap().re, det(&a).unwrap());
            assert_eq!(
                powi_matrix(&ad, -3).unwrap().map(|x| x.re),
                powi_matrix(&a, -3).unwrap()
            );
            assert_eq!(softmax(&ad).map(|x| x.re), softmax(&a));
        }
    }

    #[test]
    fn dual_products_and_norm() {
        let a = pseudo(3, 5);
        let da = pseudo(3, 6);
        let ad = dual(&a, &da);
        let p = matmul(&ad, &ad).unwrap();
        let want = &da * &a + &a * &da;
        assert!(close(&p.map(|x| x.eps), &want, 1e-12));
        let nd = norm(&ad);
        let nf = a.norm();
        assert!((nd.re - nf).abs() < 1e-14);
        assert!((nd.eps - a.dot(&da) / nf).abs() < 1e-12);
        let k = kron(&ad, &ad);
        assert_eq!(
            k[(4, 7)].eps,
            da[(1, 2)] * a[(1, 1)] + a[(1, 2)] * da[(1, 1)]
        );
    }
}
