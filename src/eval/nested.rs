//! Derivatives inside derivatives, and evaluation at a point.
//!
//! A derivative met while the evaluator already runs on seeded values (the
//! forward passes of an outer derivative, its finite differences, or
//! `E |_{X = V}`) is computed one level of dual numbers up: each entry of
//! its target gets the tangent 1 on `Dual<T>` values whose real parts are
//! the current (possibly dual) values, and the tangents are read back as
//! `T`. So `∂(∂f/∂x)/∂x` is forward over forward, exact to rounding; the
//! outer derivative's cross-check runs central differences on the exact
//! inner derivative. A derivative at the outermost level under `|_{X=V}`
//! is cross-checked here against central differences along a random
//! direction.

use std::collections::BTreeMap;
use std::rc::Rc;

use nalgebra::DMatrix;

use super::{ER, Evaluator, Lift, Mode, PROBE, flat, target_entries};
use crate::config::{Flatten, Layout};
use crate::eval::num::Num;
use crate::eval::random::Rng;
use crate::lang::ir::{AffineTerm, Base, Expr, IndexRef, Target};

impl<T: Lift> Evaluator<'_, '_, T> {
    /// The value a `Seeds` mode gives `base`, if any.
    pub(super) fn seeds_value(&mut self, base: Base) -> Option<DMatrix<T>> {
        if let Mode::Seeds(seeds) = &self.mode
            && let Some((_, m)) = seeds.iter().rev().find(|(b, _)| *b == base)
        {
            let m = (**m).clone();
            self.seed_reads += 1;
            return Some(m);
        }
        None
    }

    /// The bindings the current mode replaces.
    fn current_seeds(&self) -> Vec<(Base, Rc<DMatrix<T>>)> {
        match &self.mode {
            Mode::Seed(b, m) => vec![(*b, m.clone())],
            Mode::Seeds(s) => s.clone(),
            _ => Vec::new(),
        }
    }

    fn base_now(&mut self, base: Base) -> ER<DMatrix<T>> {
        match base {
            Base::Var(v) => self.var(v),
            Base::Def(d) => self.def(d, BTreeMap::new()),
        }
    }

    /// `E |_{X = V, …}`: each V evaluated here, then E with X taking it.
    pub(super) fn at_point(&mut self, inner: &Expr, binds: &[(Base, Expr)]) -> ER<DMatrix<T>> {
        if matches!(self.mode, Mode::Directions | Mode::Displaced(_)) {
            return Err("E |_{X = V} cannot be used inside a differential d(…)".into());
        }
        let mut seeds = self.current_seeds();
        let mut new = Vec::new();
        for (base, v) in binds {
            new.push((*base, Rc::new(self.eval(v)?)));
        }
        for (base, v) in new {
            seeds.retain(|(b, _)| *b != base);
            seeds.push((base, v));
        }
        self.seed_reads += 1;
        let mut ev = Evaluator::with_mode(self.trial, self.idx.clone(), Mode::Seeds(seeds));
        ev.eval(inner)
    }

    /// `∂Y/∂X` evaluated on seeded values: one level of dual numbers up.
    pub(super) fn nested_derivative(
        &mut self,
        y: &Expr,
        x: &Target,
        flatten: Flatten,
        layout: Layout,
    ) -> ER<DMatrix<T>> {
        if matches!(self.mode, Mode::Directions | Mode::Displaced(_)) {
            return Err("a derivative cannot be taken inside a differential d(…)".into());
        }
        let base = self.base_now(x.base)?;
        self.seed_reads += 1;
        let (entries, xshape) = target_entries(self.trial, &self.idx, x, base.shape(), flatten)?;
        let outer: Vec<(Base, Rc<DMatrix<T>>)> = self
            .current_seeds()
            .into_iter()
            .filter(|(b, _)| *b != x.base)
            .collect();
        let deep = || "derivatives nested more than three deep are not supported".to_string();
        let up = |t: T, e: T| T::up(t, e).ok_or_else(deep);
        let mut lifted: Vec<(Base, Rc<DMatrix<T::Up>>)> = Vec::new();
        for (b, m) in &outer {
            let mut u = DMatrix::from_element(m.nrows(), m.ncols(), T::Up::zero_value());
            for (dst, src) in u.iter_mut().zip(m.iter()) {
                *dst = up(*src, T::zero())?;
            }
            lifted.push((*b, Rc::new(u)));
        }
        let mut start = DMatrix::from_element(base.nrows(), base.ncols(), T::Up::zero_value());
        for (dst, src) in start.iter_mut().zip(base.iter()) {
            *dst = up(*src, T::zero())?;
        }
        let mut columns: Vec<Vec<T>> = Vec::with_capacity(entries.len());
        let mut yshape = (1, 1);
        let mut yval: Option<DMatrix<T>> = None;
        for &k in &entries {
            crate::eval::limits::check()?;
            let mut s = start.clone();
            let b = *base
                .as_slice()
                .get(k)
                .ok_or("a derivative's target lies outside its variable")?;
            s.as_mut_slice()[k] = up(b, T::one())?;
            let mut seeds = lifted.clone();
            seeds.push((x.base, Rc::new(s)));
            // The pass's evaluator and its cache end with the pass.
            let kept = crate::eval::limits::retained();
            let mut ev =
                Evaluator::<T::Up>::with_mode(self.trial, self.idx.clone(), Mode::Seeds(seeds));
            let yv = ev.eval(y);
            drop(ev);
            crate::eval::limits::release_to(kept);
            let yv = yv?;
            yshape = yv.shape();
            let tangent = yv.map(|u| T::up_eps(&u));
            columns.push(flat(&tangent, flatten));
            if yval.is_none() {
                yval = Some(yv.map(|u| down_re::<T>(&u)));
            }
        }
        if entries.is_empty() {
            let mut ev = Evaluator::<T>::with_mode(
                self.trial,
                self.idx.clone(),
                Mode::Seeds(self.current_seeds()),
            );
            yshape = ev.eval(y)?.shape();
        }
        let ny = yshape.0 * yshape.1;
        crate::eval::limits::entries(ny, columns.len())?;
        let jac = DMatrix::from_fn(ny, columns.len(), |a, b| columns[b][a]);
        if T::LEVEL == 0 && !entries.is_empty() {
            self.cross_check_nested(y, x, &base, &entries, &jac, yval.as_ref(), flatten)?;
        }
        Ok(shape_derivative_t(jac, yshape, xshape, flatten, layout))
    }

    /// Central differences along a random direction against `J v`, for a
    /// derivative on plain values under `|_{X = V}` (level 0 only; deeper
    /// levels are checked by the derivative that contains them).
    #[allow(clippy::too_many_arguments)]
    fn cross_check_nested(
        &mut self,
        y: &Expr,
        x: &Target,
        base: &DMatrix<T>,
        entries: &[usize],
        jac: &DMatrix<T>,
        yval: Option<&DMatrix<T>>,
        flatten: Flatten,
    ) -> ER<()> {
        let re = |m: &DMatrix<T>| m.map(|t| t.re());
        let (base, jac) = (re(base), re(jac));
        let ynorm = yval.map_or(0.0, |m| re(m).norm());
        let mut rng = Rng::new(
            self.trial.seed,
            &[PROBE, self.trial.number as u64, y.id as u64, 7],
        );
        let big = base.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let floor = if big > 0.0 { 1e-3 * big } else { 1.0 };
        let v: Vec<f64> = entries
            .iter()
            .map(|&e| rng.gaussian() * base.as_slice().get(e).map_or(1.0, |b| b.abs().max(floor)))
            .collect();
        let exact = &jac * DMatrix::from_column_slice(v.len(), 1, &v);
        let mut dir = DMatrix::zeros(base.nrows(), base.ncols());
        for (k, &e) in entries.iter().enumerate() {
            if let Some(d) = dir.as_mut_slice().get_mut(e) {
                *d += v[k];
            }
        }
        let outer: Vec<(Base, Rc<DMatrix<f64>>)> = self
            .current_seeds()
            .into_iter()
            .filter(|(b, _)| *b != x.base)
            .map(|(b, m)| (b, Rc::new(re(&m))))
            .collect();
        let at = |point: DMatrix<f64>| -> ER<DMatrix<f64>> {
            let mut seeds = outer.clone();
            seeds.push((x.base, Rc::new(point)));
            let mut ev =
                Evaluator::<f64>::with_mode(self.trial, self.idx.clone(), Mode::Seeds(seeds));
            ev.eval(y)
        };
        let mut worst = f64::INFINITY;
        for h in [1e-6, 1e-5, 1e-7, 1e-4] {
            let fd = (at(&base + &dir * h)? - at(&base - &dir * h)?) / (2.0 * h);
            let fdv = DMatrix::from_column_slice(fd.len(), 1, &flat(&fd, flatten));
            let ex = DMatrix::from_column_slice(exact.len(), 1, exact.as_slice());
            if fdv.len() != ex.len() {
                break;
            }
            let err = (&fdv - &ex).norm();
            if err <= 1e-5 * (ex.norm() + fdv.norm()) + 1e-7 * (1.0 + ynorm) {
                return Ok(());
            }
            worst = worst.min(err / (ex.norm() + 1e-300));
        }
        Err(super::engine_disagreement(worst))
    }

    /// Affine subscripts replaced by the positions they take now.
    pub(super) fn concrete(&self, refs: &[IndexRef]) -> ER<Vec<IndexRef>> {
        refs.iter()
            .map(|r| match r {
                IndexRef::Affine(terms) => {
                    affine_position(terms, &self.idx, &self.trial.dims).map(IndexRef::Pos)
                }
                other => Ok(other.clone()),
            })
            .collect()
    }
}

/// The real part, one level down.
fn down_re<T: Lift>(u: &T::Up) -> T {
    T::from_f64(u.re())
}

/// A zero of any scalar.
trait ZeroValue {
    fn zero_value() -> Self;
}

impl<S: Num> ZeroValue for S {
    fn zero_value() -> S {
        S::zero()
    }
}

/// The 1-based position an affine subscript takes.
fn affine_position(
    terms: &[AffineTerm],
    idx: &BTreeMap<String, usize>,
    dims: &BTreeMap<String, u64>,
) -> ER<u64> {
    let mut total: i64 = 0;
    for t in terms {
        let d = t
            .dims
            .eval(dims)
            .ok_or_else(|| format!("a dimension in {} has no value", t.dims))?
            as i64;
        let i = match &t.index {
            Some(name) => {
                *idx.get(name)
                    .ok_or_else(|| format!("index '{name}' has no value here"))?
                    as i64
                    + 1
            }
            None => 1,
        };
        total = total
            .checked_add(t.coef.saturating_mul(d).saturating_mul(i))
            .ok_or("a subscript position overflows")?;
    }
    if total < 1 {
        return Err(format!("a subscript position is {total}; positions are 1-based").into());
    }
    Ok(total as u64)
}

/// Arrange a |Y|×|X| Jacobian per the value table: a scalar Y gives the
/// gradient shaped like X, a scalar X a value shaped like Y, otherwise the
/// Jacobian (transposed under `layout: denominator`).
pub(super) fn shape_derivative_t<T: Num>(
    jac: DMatrix<T>,
    yshape: (usize, usize),
    xshape: (usize, usize),
    flatten: Flatten,
    layout: Layout,
) -> DMatrix<T> {
    let unflat = |v: &[T], (r, c): (usize, usize)| match flatten {
        Flatten::ColumnMajor => DMatrix::from_fn(r, c, |i, j| v[j * r + i]),
        Flatten::RowMajor => DMatrix::from_fn(r, c, |i, j| v[i * c + j]),
    };
    if yshape == (1, 1) {
        let row: Vec<T> = jac.row(0).iter().copied().collect();
        unflat(&row, xshape)
    } else if xshape == (1, 1) {
        let col: Vec<T> = jac.column(0).iter().copied().collect();
        unflat(&col, yshape)
    } else if layout == Layout::Denominator {
        jac.transpose()
    } else {
        jac
    }
}
