//! The interpreter: a claim program's expressions → matrices, for one trial.
//!
//! Evaluation is generic over the scalar: `f64` for values, [`Dual`] for
//! exact derivatives. A derivative `∂Y/∂X` evaluates Y once per entry of X
//! with that entry's tangent set to 1 (forward mode, from the scalar
//! definition of every operation), and is cross-checked against central
//! finite differences along a random direction; a disagreement is an
//! engine error, never a silent pass.

use std::cell::RefCell;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use nalgebra::DMatrix;

use crate::config::{Flatten, Layout};
use crate::eval::limits;
use crate::eval::linalg;
use crate::eval::spectral;

#[path = "nested.rs"]
mod nested;

use crate::eval::num::{Dual, Num};
use crate::eval::random::{self, RandomFunction, Rng};
use crate::lang::ast::BinOp;
use crate::lang::ir::{Base, Builtin, Expr, ExprKind, IndexRef, Program, Target};
use nested::shape_derivative_t as shape_derivative;

pub use crate::eval::{ER, EvalError};

pub use lift::Lift;

#[path = "lift.rs"]
mod lift;

/// Values of expressions that did not read the seeded binding, kept across
/// the seeded evaluations of one trial (the forward passes of a derivative,
/// its finite differences): such a value is the same whatever the seed, so
/// it is computed once. Keyed by the seeded binding, the expression and the
/// values of its free indices.
pub type Shared<T> = HashMap<(Base, usize, IndexKey), DMatrix<T>>;

/// The values of an expression's free indices (few: kept inline).
pub type IndexKey = smallvec::SmallVec<[usize; 4]>;

// Stream tags for the seeded generator.
const DIMS: u64 = 1;
const VALUE: u64 = 2;
const DIRECTION: u64 = 3;
const FUNCTION: u64 = 4;
const PROBE: u64 = 5;

/// One random instantiation: dimension values, variable values, directions
/// and arbitrary functions, drawn lazily and deterministically.
pub struct Trial<'p> {
    pub program: &'p Program,
    /// 1-based.
    pub number: u32,
    pub seed: u64,
    pub dims: BTreeMap<String, u64>,
    values: RefCell<HashMap<usize, Rc<DMatrix<f64>>>>,
    dirs: RefCell<HashMap<usize, Rc<DMatrix<f64>>>>,
    funcs: RefCell<HashMap<usize, Rc<RandomFunction>>>,
    jac: RefCell<HashMap<JacKey, Columns>>,
    bases: RefCell<HashMap<usize, Rc<DMatrix<f64>>>>,
    shared_f64: RefCell<Shared<f64>>,
    shared_dual: RefCell<Shared<Dual>>,
}

impl<'p> Trial<'p> {
    pub fn new(
        program: &'p Program,
        seed: u64,
        number: u32,
        fixed: &BTreeMap<String, u64>,
        range: (u64, u64),
    ) -> Trial<'p> {
        let mut rng = Rng::new(seed, &[DIMS, number as u64]);
        let dims = random::draw_dims(&program.dim_symbols, fixed, range, &mut rng);
        Trial {
            program,
            number,
            seed,
            dims,
            values: RefCell::default(),
            dirs: RefCell::default(),
            funcs: RefCell::default(),
            jac: RefCell::default(),
            bases: RefCell::default(),
            shared_f64: RefCell::default(),
            shared_dual: RefCell::default(),
        }
    }

    /// The size of `s` in this trial, checked against `max_entries`.
    fn size(&self, s: &crate::lang::shape::Shape) -> ER<(usize, usize)> {
        let (r, c) = s
            .eval(&self.dims)
            .ok_or_else(|| format!("a dimension of {s} has no value, or it is too large"))?;
        limits::entries(r, c)?;
        Ok((r, c))
    }

    /// A value kept for the whole trial, counted against the claim's allowance.
    fn keep(&self, m: &DMatrix<f64>) -> ER<()> {
        limits::check()?;
        if limits::retain(m.len()) {
            Ok(())
        } else {
            Err(limits::retain_message())
        }
    }

    pub fn value(&self, v: usize) -> ER<Rc<DMatrix<f64>>> {
        if let Some(m) = self.values.borrow().get(&v) {
            return Ok(m.clone());
        }
        let var = &self.program.vars[v];
        let (r, c) = self.size(&var.shape)?;
        let mut rng = Rng::new(self.seed, &[VALUE, self.number as u64, v as u64]);
        let m = Rc::new(random::sample(var.kind, r, c, &mut rng));
        self.keep(&m)?;
        self.values.borrow_mut().insert(v, m.clone());
        Ok(m)
    }

    /// The direction `dX` of variable `v` (zero for `const` variables).
    pub fn direction(&self, v: usize) -> ER<Rc<DMatrix<f64>>> {
        if let Some(m) = self.dirs.borrow().get(&v) {
            return Ok(m.clone());
        }
        let var = &self.program.vars[v];
        let (r, c) = self.size(&var.shape)?;
        let m = if var.konst {
            DMatrix::zeros(r, c)
        } else {
            let mut rng = Rng::new(self.seed, &[DIRECTION, self.number as u64, v as u64]);
            // A direction that keeps the variable in its space.
            let d = random::sample(crate::lang::ast::SpaceKind::R, r, c, &mut rng);
            match var.kind {
                crate::lang::ast::SpaceKind::Sym | crate::lang::ast::SpaceKind::Spd => {
                    (&d + d.transpose()) * 0.5
                }
                crate::lang::ast::SpaceKind::Diag => DMatrix::from_diagonal(&d.diagonal()),
                _ => d,
            }
        };
        self.keep(&m)?;
        let m = Rc::new(m);
        self.dirs.borrow_mut().insert(v, m.clone());
        Ok(m)
    }

    fn function(&self, f: usize) -> ER<Rc<RandomFunction>> {
        if let Some(m) = self.funcs.borrow().get(&f) {
            return Ok(m.clone());
        }
        let func = &self.program.funcs[f];
        let (dr, dc) = self.size(&func.domain)?;
        let (cr, cc) = self.size(&func.codomain)?;
        let mut rng = Rng::new(self.seed, &[FUNCTION, self.number as u64, f as u64]);
        // Its parameters are O((p + q)·16) numbers.
        let (p, q) = (limits::entries(dr, dc)?, limits::entries(cr, cc)?);
        if !limits::retain(p.saturating_add(q).saturating_mul(32)) {
            return Err(limits::retain_message());
        }
        let m = Rc::new(RandomFunction::new(p, q, &mut rng));
        self.funcs.borrow_mut().insert(f, m.clone());
        Ok(m)
    }
}

/// What the evaluator substitutes for the trial's plain values.
#[derive(Clone)]
enum Mode<T> {
    Plain,
    /// This binding takes this value (derivative passes, index maps,
    /// finite differences).
    Seed(Base, Rc<DMatrix<T>>),
    /// Every variable moves along its direction `dX` (differentials).
    Directions,
    /// Every variable is displaced by `s · dX` (finite differences of differentials).
    Displaced(f64),
    /// These bindings take these values (a derivative inside a derivative,
    /// evaluation at a point `E |_{X = V}`); a later entry wins.
    Seeds(Vec<(Base, Rc<DMatrix<T>>)>),
}

pub struct Evaluator<'t, 'p, T: Lift> {
    trial: &'t Trial<'p>,
    /// Current values of bound indices (0-based).
    pub idx: BTreeMap<String, usize>,
    mode: Mode<T>,
    /// Values already computed, and whether computing them read the seed.
    cache: HashMap<(usize, IndexKey), (DMatrix<T>, bool)>,
    /// How often the seeded binding's value was read (see [`Shared`]).
    seed_reads: u64,
}

/// The entries of `m` in `flatten` order.
pub fn flat<T: Num>(m: &DMatrix<T>, flatten: Flatten) -> Vec<T> {
    match flatten {
        Flatten::ColumnMajor => m.as_slice().to_vec(),
        Flatten::RowMajor => m.transpose().as_slice().to_vec(),
    }
}

fn lift_matrix<T: Lift>(m: &DMatrix<f64>) -> DMatrix<T> {
    m.map(T::from_f64)
}

fn need_scalar<T: Num>(m: &DMatrix<T>, what: &str) -> ER<T> {
    if m.nrows() == 1 && m.ncols() == 1 {
        Ok(m[(0, 0)])
    } else {
        Err(format!("{what} needs a scalar, got {}×{}", m.nrows(), m.ncols()).into())
    }
}

impl<'t, 'p> Evaluator<'t, 'p, f64> {
    /// Plain evaluation in a trial.
    pub fn plain(trial: &'t Trial<'p>) -> Self {
        Evaluator {
            trial,
            idx: BTreeMap::new(),
            mode: Mode::Plain,
            cache: HashMap::default(),
            seed_reads: 0,
        }
    }
}

impl<'t, 'p, T: Lift> Evaluator<'t, 'p, T> {
    fn with_mode(trial: &'t Trial<'p>, idx: BTreeMap<String, usize>, mode: Mode<T>) -> Self {
        Evaluator {
            trial,
            idx,
            mode,
            cache: HashMap::default(),
            seed_reads: 0,
        }
    }

    fn prog(&self) -> &'p Program {
        self.trial.program
    }

    fn index_value(&self, r: &IndexRef, len: usize) -> ER<usize> {
        index_value(&self.idx, r, len)
    }

    /// Evaluate `e` under the current index values.
    pub fn eval(&mut self, e: &Expr) -> ER<DMatrix<T>> {
        limits::check_spent()?;
        // The clock is read before every computation with work of its own; a
        // leaf (a number, a binding's value, a dimension) or a kept value
        // costs less than the read.
        let leaf = matches!(
            e.kind,
            ExprKind::Num(_) | ExprKind::Var(_) | ExprKind::DimValue(_) | ExprKind::Direction(_)
        );
        // Values under index assignments are kept only where recomputing
        // costs more than the bookkeeping (a derivative keeps its own columns).
        // A leaf costs less than its bookkeeping, and a definition's value
        // is kept under its own expression.
        let worth = !leaf && !matches!(e.kind, ExprKind::Def(_)) && e.free.is_empty()
            || matches!(
                e.kind,
                ExprKind::Apply(..)
                    | ExprKind::Call(..)
                    | ExprKind::Family(..)
                    | ExprKind::Sum(..)
                    | ExprKind::Binary(BinOp::Mul | BinOp::Kron, ..)
            );
        // Below, a loop that stopped at the deadline has marked the budget
        // spent: its value is never used.
        if !worth {
            if !leaf {
                limits::check()?;
            }
            let v = self.compute(e)?;
            limits::check_spent()?;
            return Ok(v);
        }
        let key = (
            e.id,
            e.free
                .keys()
                .map(|k| self.idx.get(k).copied().unwrap_or(usize::MAX))
                .collect::<IndexKey>(),
        );
        if let Some((v, seeded)) = self.cache.get(&key) {
            self.seed_reads += u64::from(*seeded);
            return Ok(v.clone());
        }
        let share = match &self.mode {
            Mode::Seed(b, _) => Some(*b),
            _ => None,
        };
        if let Some(b) = share
            && let Some(cell) = T::shared(self.trial)
            && let Some(v) = cell.borrow().get(&(b, key.0, key.1.clone()))
        {
            return Ok(v.clone());
        }
        if !leaf {
            limits::check()?;
        }
        let before = self.seed_reads;
        let v = self.compute(e)?;
        // A loop that stopped at the deadline leaves a value never to be used.
        limits::check_spent()?;
        let seeded = self.seed_reads != before;
        if let (Some(b), false, Some(cell)) = (share, seeded, T::shared(self.trial))
            && limits::retain(v.len())
        {
            cell.borrow_mut()
                .insert((b, key.0, key.1.clone()), v.clone());
        }
        if limits::retain(v.len()) {
            self.cache.insert(key, (v.clone(), seeded));
        }
        Ok(v)
    }

    fn var(&mut self, v: usize) -> ER<DMatrix<T>> {
        if let Mode::Seed(Base::Var(b), m) = &self.mode
            && *b == v
        {
            self.seed_reads += 1;
            return Ok((**m).clone());
        }
        if let Some(m) = self.seeds_value(Base::Var(v)) {
            return Ok(m);
        }
        let val = self.trial.value(v)?;
        Ok(match self.mode {
            Mode::Directions => {
                let d = self.trial.direction(v)?;
                val.zip_map(&d, T::lift)
            }
            Mode::Displaced(s) => {
                let d = self.trial.direction(v)?;
                lift_matrix(&(&*val + &*d * s))
            }
            _ => lift_matrix(&val),
        })
    }

    fn def(&mut self, d: usize, bind: BTreeMap<String, usize>) -> ER<DMatrix<T>> {
        if let Mode::Seed(Base::Def(b), m) = &self.mode
            && *b == d
        {
            self.seed_reads += 1;
            return Ok((**m).clone());
        }
        if let Some(m) = self.seeds_value(Base::Def(d)) {
            return Ok(m);
        }
        let saved = std::mem::replace(&mut self.idx, bind);
        let r = self.eval(&self.prog().defs[d].expr);
        self.idx = saved;
        r.map_err(|e| {
            e.map_message(|m| {
                format!(
                    "'{}' (defined at line {}) cannot be evaluated: {m}",
                    self.prog().defs[d].name,
                    self.prog().defs[d].line
                )
            })
        })
    }

    fn compute(&mut self, e: &Expr) -> ER<DMatrix<T>> {
        let t = self.trial;
        Ok(match &e.kind {
            ExprKind::Num(x) => linalg::scalar(T::from_f64(*x)),
            ExprKind::Var(v) => self.var(*v)?,
            ExprKind::Def(d) => self.def(*d, BTreeMap::new())?,
            ExprKind::Family(d, refs) => {
                let def = &self.prog().defs[*d];
                let mut bind = BTreeMap::new();
                for ((name, range), r) in def.indices.iter().zip(refs) {
                    let len = range
                        .eval(&t.dims)
                        .ok_or_else(|| format!("the range of '{name}' has no value"))?;
                    bind.insert(name.clone(), self.index_value(r, len)?);
                }
                self.def(*d, bind)?
            }
            ExprKind::DimValue(s) => {
                let v = t
                    .dims
                    .get(s)
                    .ok_or_else(|| format!("dimension {s} has no value"))?;
                linalg::scalar(T::from_f64(*v as f64))
            }
            ExprKind::Identity(n) | ExprKind::Ones(n) => {
                let n = n
                    .eval(&t.dims)
                    .ok_or_else(|| format!("size {n} has no value, or it is too large"))?;
                if matches!(e.kind, ExprKind::Identity(_)) {
                    limits::entries(n, n)?;
                    linalg::identity(n)
                } else {
                    limits::entries(n, 1)?;
                    DMatrix::from_element(n, 1, T::one())
                }
            }
            ExprKind::Matrix(rows) => {
                let cols = rows.first().map_or(0, |r| r.len());
                if rows.iter().any(|r| r.len() != cols) {
                    return Err("the rows of the matrix literal have different lengths".into());
                }
                limits::entries(rows.len(), cols)?;
                let mut m = DMatrix::zeros(rows.len(), cols);
                for (i, row) in rows.iter().enumerate() {
                    for (j, x) in row.iter().enumerate() {
                        m[(i, j)] = need_scalar(&self.eval(x)?, "a matrix entry")?;
                    }
                }
                m
            }
            ExprKind::Neg(x) => -self.eval(x)?,
            ExprKind::Binary(op, l, r) => {
                let (a, b) = (self.eval(l)?, self.eval(r)?);
                match op {
                    BinOp::Mul => {
                        if a.len() != 1 && b.len() != 1 {
                            limits::entries(a.nrows(), b.ncols())?;
                        }
                        linalg::matmul(&a, &b)?
                    }
                    BinOp::Hadamard => linalg::hadamard(&a, &b)?,
                    BinOp::HadamardDiv => linalg::hadamard_div(&a, &b)?,
                    BinOp::Kron => kron_checked(&a, &b)?,
                    BinOp::Div => {
                        let s = need_scalar(&b, "'/'")?;
                        a.map(|x| x / s)
                    }
                    BinOp::Add => linalg::add(&a, &b)?,
                    BinOp::Sub => linalg::sub(&a, &b)?,
                }
            }
            ExprKind::Scale(l, r) => {
                let (a, b) = (self.eval(l)?, self.eval(r)?);
                if a.nrows() == 1 && a.ncols() == 1 {
                    linalg::scale(&b, a[(0, 0)])
                } else {
                    linalg::scale(&a, need_scalar(&b, "a scaling")?)
                }
            }
            ExprKind::Transpose(x) => self.eval(x)?.transpose(),
            ExprKind::Inverse(x) => {
                let m = self.eval(x)?;
                linalg::inverse(&m).ok_or("the matrix is singular: it has no inverse")?
            }
            ExprKind::Pow(b, p) => {
                let base = self.eval(b)?;
                let ex = need_scalar(&self.eval(p)?, "an exponent")?;
                if base.nrows() == 1 && base.ncols() == 1 {
                    let x = base[(0, 0)];
                    let y = if ex.tangent() == 0.0 {
                        let k = ex.re();
                        if k.fract() == 0.0 && k.abs() < 1e6 {
                            x.powi(k as i32)
                        } else {
                            x.powf(k)
                        }
                    } else {
                        x.pow(ex)
                    };
                    linalg::scalar(y)
                } else {
                    linalg::powi_matrix(&base, ex.re() as i64)
                        .ok_or("the matrix is singular: negative powers need an inverse")?
                }
            }
            ExprKind::Call(b, args, flatten) => self.builtin(*b, args, *flatten)?,
            ExprKind::Apply(f, a) => {
                let arg = self.eval(a)?;
                let func = t.function(*f)?;
                let (r, c) = t.size(&e.shape)?;
                let out = func.apply(arg.as_slice());
                if out.len() != r * c {
                    return Err(format!(
                        "function output has {} entries, expected {}",
                        out.len(),
                        r * c
                    )
                    .into());
                }
                DMatrix::from_vec(r, c, out)
            }
            ExprKind::Subscript(x, refs) => {
                let m = self.eval(x)?;
                self.select(&m, refs)?
            }
            ExprKind::Deriv {
                y,
                x,
                flatten,
                layout,
            } => {
                if !matches!(self.mode, Mode::Plain) {
                    return self.nested_derivative(y, x, *flatten, *layout);
                }
                let v = derivative(t, &self.idx, y, x, *flatten, *layout, e.id)?;
                lift_matrix(&v)
            }
            ExprKind::Differential(y) => {
                if !matches!(self.mode, Mode::Plain) {
                    return Err(
                        "differentials cannot be nested inside a derivative or a differential"
                            .into(),
                    );
                }
                lift_matrix(&differential(t, &self.idx, y, e.id)?)
            }
            ExprKind::Direction(v) => lift_matrix(&*t.direction(*v)?),
            ExprKind::Sum(i, range, body) => {
                let n = range
                    .eval(&t.dims)
                    .ok_or_else(|| format!("the range of '{i}' has no value"))?;
                let saved = self.idx.get(i).copied();
                let mut acc: Option<DMatrix<T>> = None;
                for k in 0..n {
                    // Set in place when the entry exists (no new key).
                    match self.idx.get_mut(i.as_str()) {
                        Some(slot) => *slot = k,
                        None => {
                            self.idx.insert(i.clone(), k);
                        }
                    }
                    let v = self.eval(body);
                    let v = match v {
                        Ok(v) => v,
                        Err(m) => {
                            restore(&mut self.idx, i, saved);
                            return Err(m);
                        }
                    };
                    acc = Some(match acc {
                        None => v,
                        Some(a) => a + v,
                    });
                }
                restore(&mut self.idx, i, saved);
                match acc {
                    Some(a) => a,
                    None => {
                        let (r, c) = t.size(&e.shape)?;
                        DMatrix::zeros(r, c)
                    }
                }
            }
            ExprKind::At(inner, binds) => self.at_point(inner, binds)?,
            ExprKind::Delta(a, b) => {
                let (i, j) = (
                    self.index_value(a, usize::MAX)?,
                    self.index_value(b, usize::MAX)?,
                );
                linalg::scalar(if i == j { T::one() } else { T::zero() })
            }
        })
    }

    fn select(&mut self, m: &DMatrix<T>, refs: &[IndexRef]) -> ER<DMatrix<T>> {
        if refs.iter().any(|r| matches!(r, IndexRef::Affine(_))) {
            let concrete = self.concrete(refs)?;
            return select(&self.idx, m, &concrete);
        }
        select(&self.idx, m, refs)
    }

    fn builtin(&mut self, b: Builtin, args: &[Expr], flatten: Flatten) -> ER<DMatrix<T>> {
        let a = self.eval(args.first().ok_or("a function call needs an argument")?)?;
        use Builtin::*;
        Ok(match b {
            Vec => linalg::vec(&a, flatten == Flatten::RowMajor),
            Tr => linalg::scalar(linalg::trace(&a)?),
            Det => linalg::scalar(linalg::det(&a)?),
            Logdet => linalg::scalar(linalg::logdet(&a)?),
            Inv => linalg::inverse(&a).ok_or("the matrix is singular: it has no inverse")?,
            Diag => {
                if a.nrows() == 1 || a.ncols() == 1 {
                    limits::entries(a.len(), a.len())?;
                }
                linalg::diag(&a)?
            }
            Kron => {
                let b2 = self.eval(args.get(1).ok_or("kron needs two arguments")?)?;
                kron_checked(&a, &b2)?
            }
            Sum => linalg::scalar(linalg::sum_all(&a)),
            Mean => linalg::scalar(linalg::mean_all(&a)),
            Norm => linalg::scalar(linalg::norm(&a)),
            Exp => linalg::map(&a, T::exp),
            Log => linalg::map(&a, T::ln),
            Sqrt => linalg::map(&a, T::sqrt),
            Abs => linalg::map(&a, T::abs),
            Sin => linalg::map(&a, T::sin),
            Cos => linalg::map(&a, T::cos),
            Tanh => linalg::map(&a, T::tanh),
            Sigmoid => linalg::map(&a, T::sigmoid),
            Relu => linalg::map(&a, T::relu),
            Step => linalg::map(&a, T::step),
            Softmax => linalg::softmax(&a),
            Softplus => linalg::map(&a, spectral::softplus),
            Logsumexp => spectral::logsumexp(&a),
            Pinv => spectral::pinv(&a)?,
            Adj => spectral::adj(&a)?,
            Eigvals => spectral::eigvals(&a)?,
        })
    }
}

/// `a ⊗ b`, its size checked first.
fn kron_checked<T: Num>(a: &DMatrix<T>, b: &DMatrix<T>) -> ER<DMatrix<T>> {
    let too_big = || {
        format!(
            "the claim would build a Kronecker product of {}×{} and {}×{}, which does not fit in memory",
            a.nrows(),
            a.ncols(),
            b.nrows(),
            b.ncols()
        )
    };
    let r = a.nrows().checked_mul(b.nrows()).ok_or_else(too_big)?;
    let c = a.ncols().checked_mul(b.ncols()).ok_or_else(too_big)?;
    limits::entries(r, c)?;
    Ok(linalg::kron(a, b))
}

/// The row or entry that subscripts select.
fn select<T: Num>(
    idx: &BTreeMap<String, usize>,
    m: &DMatrix<T>,
    refs: &[IndexRef],
) -> ER<DMatrix<T>> {
    let (r, c) = m.shape();
    match refs {
        [i] if c == 1 => {
            let i = index_value(idx, i, r)?;
            Ok(linalg::scalar(m[(i, 0)]))
        }
        [j] if r == 1 => {
            let j = index_value(idx, j, c)?;
            Ok(linalg::scalar(m[(0, j)]))
        }
        [i] => {
            let i = index_value(idx, i, r)?;
            Ok(m.rows(i, 1).into_owned())
        }
        [i, j] => {
            let i = index_value(idx, i, r)?;
            let j = index_value(idx, j, c)?;
            Ok(linalg::scalar(m[(i, j)]))
        }
        _ => Err("one subscript selects a row, two an entry".into()),
    }
}

/// The 0-based value of a subscript, checked against the axis length.
fn index_value(idx: &BTreeMap<String, usize>, r: &IndexRef, len: usize) -> ER<usize> {
    let v = match r {
        IndexRef::Var(n) => *idx
            .get(n)
            .ok_or_else(|| format!("index '{n}' has no value here"))?,
        IndexRef::Pos(k) => (*k as usize).saturating_sub(1),
        IndexRef::Affine(_) => {
            return Err(
                "an affine subscript cannot select what a derivative is taken with respect to"
                    .into(),
            );
        }
    };
    if v >= len {
        return Err(format!(
            "position {} is out of range: the axis has {} entries",
            v + 1,
            len
        )
        .into());
    }
    Ok(v)
}

fn restore(idx: &mut BTreeMap<String, usize>, i: &str, saved: Option<usize>) {
    match saved {
        Some(v) => idx.insert(i.to_string(), v),
        None => idx.remove(i),
    };
}

/// The value of a derivative's base binding in the trial.
/// The value of a derivative's base binding in the trial (definitions are
/// closed, so one value per trial).
fn base_value(trial: &Trial, base: Base) -> ER<Rc<DMatrix<f64>>> {
    match base {
        Base::Var(v) => trial.value(v),
        Base::Def(d) => {
            if let Some(m) = trial.bases.borrow().get(&d) {
                return Ok(m.clone());
            }
            let m = Rc::new(Evaluator::plain(trial).def(d, BTreeMap::new())?);
            trial.bases.borrow_mut().insert(d, m.clone());
            Ok(m)
        }
    }
}

fn seeded<T: Lift>(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    base: Base,
    value: DMatrix<T>,
    e: &Expr,
) -> ER<DMatrix<T>> {
    let mut ev = Evaluator::with_mode(trial, idx.clone(), Mode::Seed(base, Rc::new(value)));
    ev.eval(e)
}

/// Evaluations of expressions with one binding seeded by different values
/// (the forward passes of a Jacobian, the steps of finite differences): one
/// evaluator, emptied between passes, so that its index values are copied
/// and its cache's room allocated once. Each pass computes what
/// [`seeded`] computes.
struct Passes<'t, 'p, T: Lift> {
    ev: Evaluator<'t, 'p, T>,
    base: Base,
}

impl<'t, 'p, T: Lift> Passes<'t, 'p, T> {
    fn new(trial: &'t Trial<'p>, idx: &BTreeMap<String, usize>, base: Base) -> Self {
        Passes {
            ev: Evaluator::with_mode(trial, idx.clone(), Mode::Plain),
            base,
        }
    }

    /// `e` with the binding taking `value`.
    fn eval(&mut self, value: DMatrix<T>, e: &Expr) -> ER<DMatrix<T>> {
        self.ev.mode = Mode::Seed(self.base, Rc::new(value));
        self.ev.cache.clear();
        self.ev.seed_reads = 0;
        self.ev.eval(e)
    }
}

/// Which entries of the base, in `flatten` order, the target `X` is.
fn target_entries(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    x: &Target,
    base_shape: (usize, usize),
    flatten: Flatten,
) -> ER<(Vec<usize>, (usize, usize))> {
    let (br, bc) = base_shape;
    if let Some(fast) = simple_view(idx, x, base_shape, flatten) {
        return fast;
    }
    let numbering = DMatrix::from_fn(br, bc, |r, c| (c * br + r) as f64);
    let view = seeded(trial, idx, x.base, numbering, &x.view)?;
    let entries = flat(&view, flatten)
        .into_iter()
        .map(|v| v as usize)
        .collect();
    Ok((entries, view.shape()))
}

/// Tangent columns of one expression with respect to entries of one base,
/// kept for the whole trial: `∂f_i/∂W_mn` for every i, m, n costs one
/// forward pass per entry of W, not one per (i, m, n).
#[derive(Default)]
pub struct Columns {
    /// Base entry (column-major) → the expression's tangent for that entry.
    cols: HashMap<usize, Rc<DMatrix<f64>>>,
}

type JacKey = (usize, IndexKey, Base);

/// Entries of the common views (the whole binding, a row, an entry)
/// without running the evaluator; `None` for other views.
#[allow(clippy::type_complexity)]
fn simple_view(
    idx: &BTreeMap<String, usize>,
    x: &Target,
    (br, bc): (usize, usize),
    flatten: Flatten,
) -> Option<ER<(Vec<usize>, (usize, usize))>> {
    let leaf = |e: &Expr| matches!(e.kind, ExprKind::Var(_) | ExprKind::Def(_));
    match &x.view.kind {
        _ if leaf(&x.view) => {
            let all: Vec<usize> = match flatten {
                Flatten::ColumnMajor => (0..br * bc).collect(),
                Flatten::RowMajor => (0..br)
                    .flat_map(|r| (0..bc).map(move |c| c * br + r))
                    .collect(),
            };
            Some(Ok((all, (br, bc))))
        }
        ExprKind::Subscript(inner, refs) if leaf(inner) => Some((|| {
            Ok(match refs.as_slice() {
                [i] if bc == 1 => (vec![index_value(idx, i, br)?], (1, 1)),
                [j] if br == 1 => (vec![index_value(idx, j, bc)? * br], (1, 1)),
                [i] => {
                    let i = index_value(idx, i, br)?;
                    ((0..bc).map(|c| c * br + i).collect(), (1, bc))
                }
                [i, j] => (
                    vec![index_value(idx, i, br)? + index_value(idx, j, bc)? * br],
                    (1, 1),
                ),
                _ => return Err("one subscript selects a row, two an entry".into()),
            })
        })()),
        _ => None,
    }
}

/// `∂Y/∂X` by forward mode, shaped per the value table of spec §3.4, and
/// cross-checked against central finite differences.
fn derivative(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    y: &Expr,
    x: &Target,
    flatten: Flatten,
    layout: Layout,
    node: usize,
) -> ER<DMatrix<f64>> {
    // Y = core_ij with a closed core: differentiate the core once, select after.
    let (core, selection) = match &y.kind {
        ExprKind::Subscript(c, refs) if c.free.is_empty() => (&**c, Some(refs)),
        _ => (y, None),
    };
    // Key by binding for a bare name, so every occurrence of `A` shares columns.
    let core_key = match core.kind {
        ExprKind::Def(d) => (1 << 40) | d,
        ExprKind::Var(v) => (1 << 41) | v,
        _ => core.id,
    };
    let key: JacKey = (
        core_key,
        core.free
            .keys()
            .map(|k| idx.get(k).copied().unwrap_or(usize::MAX))
            .collect(),
        x.base,
    );
    let base = base_value(trial, x.base)?;
    let (entries, xshape) = target_entries(trial, idx, x, base.shape(), flatten)?;
    let missing: Vec<usize> = {
        let cache = trial.jac.borrow();
        let have = cache.get(&key);
        let mut m: Vec<usize> = entries
            .iter()
            .copied()
            .filter(|k| have.is_none_or(|c| !c.cols.contains_key(k)))
            .collect();
        m.dedup();
        m
    };
    if !missing.is_empty() {
        let mut new_cols = Vec::with_capacity(missing.len());
        let mut core_val = DMatrix::zeros(0, 0);
        let mut passes = Passes::new(trial, idx, x.base);
        for &k in &missing {
            let mut s = base.map(Dual::constant);
            match s.as_mut_slice().get_mut(k) {
                Some(d) => d.eps = 1.0,
                None => return Err("a derivative's target lies outside its variable".into()),
            }
            let yv = passes.eval(s, core)?;
            if new_cols.is_empty() {
                // The Jacobian's columns, kept for the trial.
                limits::entries(yv.len(), missing.len())?;
                if !limits::retain(yv.len().saturating_mul(missing.len())) {
                    return Err(limits::retain_message());
                }
            }
            core_val = yv.map(|d| d.re);
            new_cols.push(yv.map(|d| d.eps));
        }
        let n = core_val.len();
        let jac = DMatrix::from_fn(n, new_cols.len(), |a, b| new_cols[b].as_slice()[a]);
        cross_check(
            trial, idx, core, x.base, &base, &missing, &jac, &core_val, node,
        )?;
        let mut cache = trial.jac.borrow_mut();
        let entry = cache.entry(key.clone()).or_default();
        for (k, c) in missing.into_iter().zip(new_cols) {
            entry.cols.insert(k, Rc::new(c));
        }
    }
    let cols: Vec<Rc<DMatrix<f64>>> = {
        let cache = trial.jac.borrow();
        let c = cache
            .get(&key)
            .ok_or("internal: derivative columns missing")?;
        entries
            .iter()
            .map(|k| {
                c.cols
                    .get(k)
                    .cloned()
                    .ok_or("internal: derivative column missing")
            })
            .collect::<Result<_, _>>()?
    };
    let mut columns = Vec::with_capacity(cols.len());
    let mut yshape = (1, 1);
    for c in &cols {
        let t = match selection {
            Some(refs) => select(idx, c, refs)?,
            None => (**c).clone(),
        };
        yshape = t.shape();
        columns.push(flat(&t, flatten));
    }
    if cols.is_empty() {
        yshape = (1, 1);
    }
    let ny = yshape.0 * yshape.1;
    let jac = DMatrix::from_fn(ny, columns.len(), |a, b| columns[b][a]);
    Ok(shape_derivative(jac, yshape, xshape, flatten, layout))
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Compare the exact directional derivative J·v with central differences
/// along v, trying a few steps before calling it a disagreement.
#[allow(clippy::too_many_arguments)]
fn cross_check(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    y: &Expr,
    target: Base,
    base: &DMatrix<f64>,
    entries: &[usize],
    jac: &DMatrix<f64>,
    yval: &DMatrix<f64>,
    node: usize,
) -> ER<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut rng = Rng::new(trial.seed, &[PROBE, trial.number as u64, node as u64]);
    // Steps relative to each entry's size, so that a function that curves
    // like 1/x near small entries (log of probabilities) is probed gently.
    let big = base.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let floor = if big > 0.0 { 1e-3 * big } else { 1.0 };
    let base_slice = base.as_slice();
    let v: Vec<f64> = entries
        .iter()
        .map(|&e| rng.gaussian() * base_slice.get(e).map_or(1.0, |x| x.abs().max(floor)))
        .collect();
    let exact = jac * DMatrix::from_column_slice(v.len(), 1, &v);
    let mut dir = DMatrix::zeros(base.nrows(), base.ncols());
    for (k, &e) in entries.iter().enumerate() {
        if let Some(d) = dir.as_mut_slice().get_mut(e) {
            *d += v[k];
        }
    }
    fd_agrees(trial, idx, y, target, base, &dir, &exact, yval)
}

/// `d(Y)`: Y's derivative along every variable's direction dX, cross-checked.
fn differential(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    y: &Expr,
    _node: usize,
) -> ER<DMatrix<f64>> {
    let mut ev = Evaluator::<Dual>::with_mode(trial, idx.clone(), Mode::Directions);
    let yv = ev.eval(y)?;
    let exact = yv.map(|d| d.eps);
    let ynorm = norm(yv.map(|d| d.re).as_slice());
    for h in [1e-5, 1e-4, 1e-6, 1e-3] {
        let mut p = Evaluator::<f64>::with_mode(trial, idx.clone(), Mode::Displaced(h));
        let mut m = Evaluator::<f64>::with_mode(trial, idx.clone(), Mode::Displaced(-h));
        let fd = (p.eval(y)? - m.eval(y)?) / (2.0 * h);
        let err = (&fd - &exact).norm();
        if err <= 1e-5 * (exact.norm() + fd.norm()) + 1e-7 * (1.0 + ynorm) {
            return Ok(exact);
        }
    }
    Err(EvalError::Engine("engine disagreement: the exact differential and central finite differences differ; please report this note".into()))
}

/// Y and its exact derivative along `dir` (a tangent of the base binding).
fn directional(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    y: &Expr,
    target: Base,
    base: &DMatrix<f64>,
    dir: &DMatrix<f64>,
) -> ER<(DMatrix<f64>, DMatrix<f64>)> {
    let s = base.zip_map(dir, Dual::var);
    let yv = seeded(trial, idx, target, s, y)?;
    Ok((yv.map(|d| d.re), yv.map(|d| d.eps)))
}

/// A random direction over the target's entries, scaled like the cross-check's.
fn probe_direction(
    trial: &Trial,
    base: &DMatrix<f64>,
    entries: &[usize],
    stream: &[u64],
) -> (Vec<f64>, DMatrix<f64>) {
    let mut words = vec![PROBE, trial.number as u64];
    words.extend_from_slice(stream);
    let mut rng = Rng::new(trial.seed, &words);
    let v: Vec<f64> = entries.iter().map(|_| rng.gaussian()).collect();
    let mut dir = DMatrix::zeros(base.nrows(), base.ncols());
    for (k, &e) in entries.iter().enumerate() {
        if let Some(d) = dir.as_mut_slice().get_mut(e) {
            *d += v[k];
        }
    }
    (v, dir)
}

/// The parts of a derivative node needed to probe it.
pub struct DerivParts<'e> {
    pub y: &'e Expr,
    pub x: &'e Target,
    pub flatten: Flatten,
    pub layout: Layout,
}

pub fn deriv_parts(e: &Expr) -> Option<DerivParts<'_>> {
    match &e.kind {
        ExprKind::Deriv {
            y,
            x,
            flatten,
            layout,
        } => Some(DerivParts {
            y,
            x,
            flatten: *flatten,
            layout: *layout,
        }),
        _ => None,
    }
}

/// One random projection of a derivative: `J v` computed exactly (one
/// forward pass), for checking `∂Y/∂X = R` as `J v = R_J v` without
/// building J. `jv` is in `flatten` order of Y.
pub struct Projection {
    pub v: Vec<f64>,
    pub jv: Vec<f64>,
    pub yshape: (usize, usize),
    pub xshape: (usize, usize),
}

pub fn project(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    d: &DerivParts,
    k: u64,
) -> ER<Projection> {
    let base = base_value(trial, d.x.base)?;
    let (entries, xshape) = target_entries(trial, idx, d.x, base.shape(), d.flatten)?;
    let (v, dir) = probe_direction(trial, &base, &entries, &[d.y.id as u64, k]);
    let (yval, tangent) = directional(trial, idx, d.y, d.x.base, &base, &dir)?;
    if k == 0 {
        // The engine's own check, along the same direction.
        fd_agrees(trial, idx, d.y, d.x.base, &base, &dir, &tangent, &yval)?;
    }
    Ok(Projection {
        v,
        jv: flat(&tangent, d.flatten),
        yshape: yval.shape(),
        xshape,
    })
}

/// Central differences along `dir` agree with the exact `tangent`.
#[allow(clippy::too_many_arguments)]
fn fd_agrees(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    y: &Expr,
    target: Base,
    base: &DMatrix<f64>,
    dir: &DMatrix<f64>,
    tangent: &DMatrix<f64>,
    yval: &DMatrix<f64>,
) -> ER<()> {
    let ynorm = yval.norm();
    let mut worst = f64::INFINITY;
    let mut passes = Passes::new(trial, idx, target);
    for h in [1e-6, 1e-5, 1e-7, 1e-4] {
        let plus = passes.eval(base + dir * h, y)?;
        let minus = passes.eval(base - dir * h, y)?;
        let fd = (plus - minus) / (2.0 * h);
        let ex = DMatrix::from_column_slice(tangent.len(), 1, tangent.as_slice());
        let fdv = DMatrix::from_column_slice(fd.len(), 1, fd.as_slice());
        let err = (&fdv - &ex).norm();
        if err <= 1e-5 * (ex.norm() + fdv.norm()) + 1e-7 * (1.0 + ynorm) {
            return Ok(());
        }
        worst = worst.min(err / (ex.norm() + 1e-300));
    }
    Err(engine_disagreement(worst))
}

/// The exact derivative and its finite-difference cross-check differ by
/// `worst` (relative, along a random direction): a bug in notecheck, never
/// a verdict on the claim.
pub(super) fn engine_disagreement(worst: f64) -> EvalError {
    EvalError::Engine(format!(
        "engine disagreement: the exact derivative and central finite differences differ (relative difference {worst:.2e} along a random direction); please report this note"
    ))
}

/// A derivative value rearranged back into its |Y|×|X| Jacobian (the
/// inverse of the value table); `None` when `value` has the wrong shape.
pub fn as_jacobian(
    value: &DMatrix<f64>,
    yshape: (usize, usize),
    xshape: (usize, usize),
    flatten: Flatten,
    layout: Layout,
) -> Option<DMatrix<f64>> {
    let (ny, nx) = (yshape.0 * yshape.1, xshape.0 * xshape.1);
    if yshape == (1, 1) {
        (value.shape() == xshape).then(|| DMatrix::from_row_slice(1, nx, &flat(value, flatten)))
    } else if xshape == (1, 1) {
        (value.shape() == yshape).then(|| DMatrix::from_column_slice(ny, 1, &flat(value, flatten)))
    } else if layout == Layout::Denominator {
        (value.shape() == (nx, ny)).then(|| value.transpose())
    } else {
        (value.shape() == (ny, nx)).then(|| value.clone())
    }
}

/// Relative error of central differences against the exact directional
/// derivative for steps 1e-1 … 1e-12, and the step the cross-check uses.
pub fn fd_curve(
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    d: &DerivParts,
) -> ER<(Vec<(f64, f64)>, f64)> {
    let base = base_value(trial, d.x.base)?;
    let (entries, _) = target_entries(trial, idx, d.x, base.shape(), d.flatten)?;
    let (_, dir) = probe_direction(trial, &base, &entries, &[d.y.id as u64, 99]);
    let (_, tangent) = directional(trial, idx, d.y, d.x.base, &base, &dir)?;
    let tn = tangent.norm();
    let mut out = Vec::new();
    let mut passes = Passes::new(trial, idx, d.x.base);
    for k in 1..=12 {
        let h = 10f64.powi(-k);
        let plus = passes.eval(&*base + &dir * h, d.y)?;
        let minus = passes.eval(&*base - &dir * h, d.y)?;
        let fd = (plus - minus) / (2.0 * h);
        let err = (&fd - &tangent).norm();
        out.push((h, if tn > 0.0 { err / tn } else { err }));
    }
    Ok((out, 1e-6))
}

#[cfg(test)]
#[path = "interp_tests.rs"]
mod tests;
