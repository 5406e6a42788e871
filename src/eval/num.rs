//! Scalars the evaluator is generic over: plain values (`f64`) and
//! forward-mode dual numbers ([`Dual`]) carrying one tangent direction.
//!
//! Every operation of [`Num`] is defined on scalars, so a matrix expression
//! evaluated on `Dual` entries yields its exact directional derivative from
//! the scalar chain rule alone, never from a matrix identity.
//!
//! Conventions at non-smooth points (measure zero for random instances):
//! - `abs'(0) = 0`, `relu'(0) = 0`, `step(0) = 0`, `step' = 0` everywhere
//!   (so `step` is exactly the derivative `relu` uses);
//! - `sqrt` at 0 has an infinite tangent, `ln` of a negative number is NaN;
//! - a `Dual` whose tangent is exactly 0 stays a constant through every
//!   function (tangent 0, never `0 · ∞ = NaN`), so `sqrt(0)` or `ln(0)` of a
//!   constant does not poison the derivative.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use num_traits::{One, Zero};

/// A scalar of the evaluator: `f64` for values, [`Dual`] for derivatives.
///
/// The bounds are what `nalgebra::DMatrix<T>` needs for `a * b`,
/// `transpose`, `map`, `+`, `-` and friends.
pub trait Num:
    nalgebra::Scalar
    + Copy
    + Debug
    + PartialEq
    + Zero
    + One
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + nalgebra::ClosedAddAssign
    + nalgebra::ClosedSubAssign
    + nalgebra::ClosedMulAssign
    + nalgebra::ClosedDivAssign
    + Send
    + Sync
    + 'static
{
    /// A constant (zero tangent).
    fn from_f64(x: f64) -> Self;
    /// The value (real part).
    fn re(&self) -> f64;
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    fn sqrt(self) -> Self;
    fn sin(self) -> Self;
    fn cos(self) -> Self;
    fn tanh(self) -> Self;
    fn abs(self) -> Self;
    /// `1 / (1 + e^{-x})`, computed without overflow.
    fn sigmoid(self) -> Self;
    /// `max(x, 0)`.
    fn relu(self) -> Self;
    /// Heaviside step: 1 for x > 0, else 0; derivative 0.
    fn step(self) -> Self;
    fn powi(self, n: i32) -> Self;
    fn powf(self, p: f64) -> Self;
    /// `self^e` with both base and exponent variable.
    fn pow(self, e: Self) -> Self;
}

/// Numerically stable logistic function.
fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Sign with `sign(0) = 0` (and NaN for NaN).
fn sign0(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

impl Num for f64 {
    #[inline]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline]
    fn re(&self) -> f64 {
        *self
    }
    #[inline]
    fn exp(self) -> Self {
        f64::exp(self)
    }
    #[inline]
    fn ln(self) -> Self {
        f64::ln(self)
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline]
    fn sin(self) -> Self {
        f64::sin(self)
    }
    #[inline]
    fn cos(self) -> Self {
        f64::cos(self)
    }
    #[inline]
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    #[inline]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline]
    fn sigmoid(self) -> Self {
        sigmoid_f64(self)
    }
    #[inline]
    fn relu(self) -> Self {
        if self > 0.0 {
            self
        } else if self.is_nan() {
            f64::NAN
        } else {
            0.0
        }
    }
    #[inline]
    fn step(self) -> Self {
        if self > 0.0 {
            1.0
        } else if self.is_nan() {
            f64::NAN
        } else {
            0.0
        }
    }
    #[inline]
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    #[inline]
    fn powf(self, p: f64) -> Self {
        f64::powf(self, p)
    }
    #[inline]
    fn pow(self, e: Self) -> Self {
        f64::powf(self, e)
    }
}

/// A dual number `re + eps·ε` with `ε² = 0`: a value and its derivative
/// along one tangent direction. Generic over its scalar, so that
/// `Dual<Dual<f64>>` carries second derivatives (nested forward mode:
/// Hessians, derivatives of derivatives); `Dual` alone is `Dual<f64>`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dual<S = f64> {
    pub re: S,
    pub eps: S,
}

impl<S: Num> Dual<S> {
    /// A variable with value `re` moving with speed `eps`.
    #[inline]
    pub fn var(re: S, eps: S) -> Dual<S> {
        Dual { re, eps }
    }
    /// A constant: tangent 0.
    #[inline]
    pub fn constant(re: S) -> Dual<S> {
        Dual { re, eps: S::zero() }
    }
    /// Chain rule: value `f`, local derivative `df`. A zero tangent stays
    /// exactly zero (never `0 · ∞`).
    #[inline]
    fn chain(self, f: S, df: impl FnOnce() -> S) -> Dual<S> {
        Dual {
            re: f,
            eps: if self.eps == S::zero() {
                S::zero()
            } else {
                self.eps * df()
            },
        }
    }
}

impl From<f64> for Dual {
    fn from(x: f64) -> Dual {
        Dual::constant(x)
    }
}

impl<S: Num> Add for Dual<S> {
    type Output = Dual<S>;
    #[inline]
    fn add(self, o: Dual<S>) -> Dual<S> {
        Dual {
            re: self.re + o.re,
            eps: self.eps + o.eps,
        }
    }
}

impl<S: Num> Sub for Dual<S> {
    type Output = Dual<S>;
    #[inline]
    fn sub(self, o: Dual<S>) -> Dual<S> {
        Dual {
            re: self.re - o.re,
            eps: self.eps - o.eps,
        }
    }
}

impl<S: Num> Mul for Dual<S> {
    type Output = Dual<S>;
    #[inline]
    fn mul(self, o: Dual<S>) -> Dual<S> {
        // Skip zero tangents so that `0 · ∞` never appears.
        let zero = S::zero();
        let mut eps = zero;
        if self.eps != zero {
            eps += self.eps * o.re;
        }
        if o.eps != zero {
            eps += self.re * o.eps;
        }
        Dual {
            re: self.re * o.re,
            eps,
        }
    }
}

impl<S: Num> Div for Dual<S> {
    type Output = Dual<S>;
    #[inline]
    fn div(self, o: Dual<S>) -> Dual<S> {
        let q = self.re / o.re;
        // (a/b)' = (a' - q b') / b
        let zero = S::zero();
        let mut num = zero;
        if self.eps != zero {
            num += self.eps;
        }
        if o.eps != zero {
            num -= q * o.eps;
        }
        Dual {
            re: q,
            eps: if self.eps == zero && o.eps == zero {
                zero
            } else {
                num / o.re
            },
        }
    }
}

impl<S: Num> Neg for Dual<S> {
    type Output = Dual<S>;
    #[inline]
    fn neg(self) -> Dual<S> {
        Dual {
            re: -self.re,
            eps: -self.eps,
        }
    }
}

impl<S: Num> AddAssign for Dual<S> {
    #[inline]
    fn add_assign(&mut self, o: Dual<S>) {
        *self = *self + o;
    }
}

impl<S: Num> SubAssign for Dual<S> {
    #[inline]
    fn sub_assign(&mut self, o: Dual<S>) {
        *self = *self - o;
    }
}

impl<S: Num> MulAssign for Dual<S> {
    #[inline]
    fn mul_assign(&mut self, o: Dual<S>) {
        *self = *self * o;
    }
}

impl<S: Num> DivAssign for Dual<S> {
    #[inline]
    fn div_assign(&mut self, o: Dual<S>) {
        *self = *self / o;
    }
}

impl<S: Num> Zero for Dual<S> {
    #[inline]
    fn zero() -> Dual<S> {
        Dual::constant(S::zero())
    }
    #[inline]
    fn is_zero(&self) -> bool {
        self.re == S::zero() && self.eps == S::zero()
    }
}

impl<S: Num> One for Dual<S> {
    #[inline]
    fn one() -> Dual<S> {
        Dual::constant(S::one())
    }
}

impl<S: Num> Num for Dual<S> {
    #[inline]
    fn from_f64(x: f64) -> Self {
        Dual::constant(S::from_f64(x))
    }
    #[inline]
    fn re(&self) -> f64 {
        self.re.re()
    }
    fn exp(self) -> Self {
        let e = self.re.exp();
        self.chain(e, || e)
    }
    fn ln(self) -> Self {
        let r = self.re;
        self.chain(r.ln(), || S::one() / r)
    }
    fn sqrt(self) -> Self {
        let s = self.re.sqrt();
        self.chain(s, || S::from_f64(0.5) / s)
    }
    fn sin(self) -> Self {
        let r = self.re;
        self.chain(r.sin(), || r.cos())
    }
    fn cos(self) -> Self {
        let r = self.re;
        self.chain(r.cos(), || -r.sin())
    }
    fn tanh(self) -> Self {
        let t = self.re.tanh();
        self.chain(t, || S::one() - t * t)
    }
    fn abs(self) -> Self {
        let r = self.re;
        self.chain(r.abs(), || S::from_f64(sign0(r.re())))
    }
    fn sigmoid(self) -> Self {
        let s = self.re.sigmoid();
        self.chain(s, || s * (S::one() - s))
    }
    fn relu(self) -> Self {
        let r = self.re;
        self.chain(r.relu(), || r.step())
    }
    fn step(self) -> Self {
        Dual::constant(self.re.step())
    }
    fn powi(self, n: i32) -> Self {
        let r = self.re;
        self.chain(r.powi(n), || {
            if n == 0 {
                S::zero()
            } else {
                S::from_f64(n as f64) * r.powi(n - 1)
            }
        })
    }
    fn powf(self, p: f64) -> Self {
        let r = self.re;
        self.chain(r.powf(p), || {
            if p == 0.0 {
                S::zero()
            } else {
                S::from_f64(p) * r.powf(p - 1.0)
            }
        })
    }
    fn pow(self, e: Self) -> Self {
        // d(x^y) = y x^{y-1} dx + x^y ln(x) dy; each term only when its
        // tangent is non-zero (ln of a negative base is NaN, as it should be
        // only when the exponent actually moves).
        let zero = S::zero();
        let v = self.re.pow(e.re);
        let mut eps = zero;
        if self.eps != zero && e.re != zero {
            eps += self.eps * e.re * self.re.pow(e.re - S::one());
        }
        if e.eps != zero {
            eps += e.eps * v * self.re.ln();
        }
        Dual { re: v, eps }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Derivative of `f` at `x` via `Dual` against a central difference.
    fn check(name: &str, f: impl Fn(Dual) -> Dual, g: impl Fn(f64) -> f64, x: f64) {
        let d = f(Dual::var(x, 1.0));
        let h = 1e-6 * x.abs().max(1.0);
        let fd = (g(x + h) - g(x - h)) / (2.0 * h);
        assert!(
            (d.re - g(x)).abs() <= 1e-14 * g(x).abs().max(1.0),
            "{name}: value {} vs {}",
            d.re,
            g(x)
        );
        assert!(
            (d.eps - fd).abs() <= 1e-6 * fd.abs().max(1.0),
            "{name} at {x}: dual {} vs fd {}",
            d.eps,
            fd
        );
        // A constant stays a constant.
        assert_eq!(f(Dual::constant(x)).eps, 0.0, "{name}: constant");
    }

    #[test]
    fn derivatives_match_central_differences() {
        for &x in &[-2.3, -0.7, 0.4, 1.3, 3.1] {
            check("exp", |d| d.exp(), f64::exp, x);
            check("sin", |d| d.sin(), f64::sin, x);
            check("cos", |d| d.cos(), f64::cos, x);
            check("tanh", |d| d.tanh(), f64::tanh, x);
            check("abs", |d| d.abs(), f64::abs, x);
            check("sigmoid", |d| d.sigmoid(), |v| v.sigmoid(), x);
            check("relu", |d| d.relu(), Num::relu, x);
            check("step", |d| d.step(), Num::step, x);
            check("powi3", |d| d.powi(3), |v| v.powi(3), x);
            check("powi-2", |d| d.powi(-2), |v| v.powi(-2), x);
            check("square", |d| d * d, |v| v * v, x);
            check("recip", |d| Dual::one() / d, |v| 1.0 / v, x);
            check(
                "poly",
                |d| (d - Dual::constant(0.5)) * d / (d * d + Dual::one()),
                |v| (v - 0.5) * v / (v * v + 1.0),
                x,
            );
            check("neg", |d| -d, |v| -v, x);
            check("2^x", |d| Dual::constant(2.0).pow(d), |v| 2.0f64.powf(v), x);
        }
        for &x in &[0.3, 1.0, 2.7, 10.0] {
            check("ln", |d| d.ln(), f64::ln, x);
            check("sqrt", |d| d.sqrt(), f64::sqrt, x);
            check("powf", |d| d.powf(1.7), |v| v.powf(1.7), x);
            check("powf-neg", |d| d.powf(-0.5), |v| v.powf(-0.5), x);
            check("x^x", |d| d.pow(d), |v| v.powf(v), x);
            check("x^c", |d| d.pow(Dual::constant(2.5)), |v| v.powf(2.5), x);
        }
    }

    #[test]
    fn non_smooth_points() {
        let z = Dual::var(0.0, 1.0);
        assert_eq!(z.abs(), Dual::var(0.0, 0.0));
        assert_eq!(z.relu(), Dual::var(0.0, 0.0));
        assert_eq!(z.step(), Dual::constant(0.0));
        assert_eq!(Dual::var(-1.0, 1.0).relu(), Dual::var(0.0, 0.0));
        assert_eq!(Dual::var(2.0, 3.0).relu(), Dual::var(2.0, 3.0));
        assert_eq!(Dual::var(-2.0, 3.0).abs(), Dual::var(2.0, -3.0));
        assert!(z.sqrt().eps.is_infinite());
        assert_eq!(Dual::constant(0.0).sqrt(), Dual::constant(0.0));
        assert!(Dual::var(-1.0, 1.0).ln().re.is_nan());
        // Constant base that is negative, integer exponent: fine.
        let p = Dual::var(-2.0, 1.0).pow(Dual::constant(3.0));
        assert_eq!(p.re, -8.0);
        assert_eq!(p.eps, 12.0);
        // Sigmoid does not overflow.
        assert_eq!(Dual::var(-800.0, 1.0).sigmoid().re, 0.0);
        assert_eq!(Dual::var(800.0, 1.0).sigmoid().re, 1.0);
        assert_eq!(Dual::var(800.0, 1.0).sigmoid().eps, 0.0);
    }

    #[test]
    fn f64_impl_is_plain_math() {
        assert_eq!(<f64 as Num>::from_f64(2.5), 2.5);
        assert_eq!(Num::re(&-1.5f64), -1.5);
        assert_eq!(Num::ln(1.0f64), 0.0);
        assert_eq!(Num::relu(-3.0f64), 0.0);
        assert_eq!(Num::step(0.0f64), 0.0);
        assert_eq!(Num::step(1e-300f64), 1.0);
        assert_eq!(Num::pow(2.0f64, 10.0), 1024.0);
        assert!((Num::sigmoid(0.0f64) - 0.5).abs() < 1e-16);
    }

    #[test]
    fn arithmetic_rules() {
        let a = Dual::var(3.0, 1.0);
        let b = Dual::var(2.0, -4.0);
        assert_eq!(a + b, Dual::var(5.0, -3.0));
        assert_eq!(a - b, Dual::var(1.0, 5.0));
        assert_eq!(a * b, Dual::var(6.0, 2.0 - 12.0));
        let q = a / b;
        assert_eq!(q.re, 1.5);
        assert!((q.eps - (1.0 * 2.0 - 3.0 * -4.0) / 4.0).abs() < 1e-15);
        let mut c = a;
        c += b;
        c -= b;
        c *= b;
        c /= b;
        assert!((c.re - a.re).abs() < 1e-15 && (c.eps - a.eps).abs() < 1e-15);
        assert!(Dual::<f64>::zero().is_zero());
        assert_eq!(Dual::<f64>::one(), Dual::from(1.0));
    }
}
