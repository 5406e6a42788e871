//! The scalar types the interpreter runs on, from plain values up to three
//! levels of nested dual numbers, and how each lifts to the next.

use std::cell::RefCell;

use super::{Shared, Trial};
use crate::eval::num::{Dual, Num};

/// Scalars the interpreter can build from a value and a tangent.
pub trait Lift: Num {
    fn lift(re: f64, eps: f64) -> Self;
    fn tangent(&self) -> f64;
    /// The trial's [`Shared`] values of this scalar type, if it keeps any.
    fn shared<'a>(trial: &'a Trial) -> Option<&'a RefCell<Shared<Self>>>;
    /// One more level of dual numbers, for a derivative evaluated inside a
    /// derivative (nested forward mode). The deepest level has none.
    type Up: Lift;
    /// `re + eps·ε` one level up; `None` at the deepest level.
    fn up(re: Self, eps: Self) -> Option<Self::Up>;
    /// The tangent of a value one level up.
    fn up_eps(u: &Self::Up) -> Self;
    /// Plain values (`f64`) are level 0.
    const LEVEL: usize;
}

/// Second and third levels of nested dual numbers.
type Dual2 = Dual<Dual>;
type Dual3 = Dual<Dual2>;

impl Lift for f64 {
    fn lift(re: f64, _eps: f64) -> f64 {
        re
    }
    fn tangent(&self) -> f64 {
        0.0
    }
    fn shared<'a>(trial: &'a Trial) -> Option<&'a RefCell<Shared<f64>>> {
        Some(&trial.shared_f64)
    }
    type Up = Dual;
    fn up(re: f64, eps: f64) -> Option<Dual> {
        Some(Dual::var(re, eps))
    }
    fn up_eps(u: &Dual) -> f64 {
        u.eps
    }
    const LEVEL: usize = 0;
}

impl Lift for Dual {
    fn lift(re: f64, eps: f64) -> Dual {
        Dual::var(re, eps)
    }
    fn tangent(&self) -> f64 {
        self.eps
    }
    fn shared<'a>(trial: &'a Trial) -> Option<&'a RefCell<Shared<Dual>>> {
        Some(&trial.shared_dual)
    }
    type Up = Dual2;
    fn up(re: Dual, eps: Dual) -> Option<Dual2> {
        Some(Dual::var(re, eps))
    }
    fn up_eps(u: &Dual2) -> Dual {
        u.eps
    }
    const LEVEL: usize = 1;
}

impl Lift for Dual2 {
    fn lift(re: f64, eps: f64) -> Dual2 {
        Dual::var(Dual::constant(re), Dual::constant(eps))
    }
    fn tangent(&self) -> f64 {
        self.eps.re
    }
    fn shared<'a>(_trial: &'a Trial) -> Option<&'a RefCell<Shared<Dual2>>> {
        None
    }
    type Up = Dual3;
    fn up(re: Dual2, eps: Dual2) -> Option<Dual3> {
        Some(Dual::var(re, eps))
    }
    fn up_eps(u: &Dual3) -> Dual2 {
        u.eps
    }
    const LEVEL: usize = 2;
}

impl Lift for Dual3 {
    fn lift(re: f64, eps: f64) -> Dual3 {
        Dual::var(Dual2::lift(re, 0.0), Dual2::lift(eps, 0.0))
    }
    fn tangent(&self) -> f64 {
        self.eps.re.re
    }
    fn shared<'a>(_trial: &'a Trial) -> Option<&'a RefCell<Shared<Dual3>>> {
        None
    }
    type Up = Dual3;
    fn up(_re: Dual3, _eps: Dual3) -> Option<Dual3> {
        None
    }
    fn up_eps(u: &Dual3) -> Dual3 {
        *u
    }
    const LEVEL: usize = 3;
}
