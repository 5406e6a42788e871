//! The claim program: names resolved, shapes checked, indices ranged.
//!
//! This is what [`crate::lang::resolve`] hands to evaluation. Every
//! expression node knows its symbolic [`Shape`] and its free indices; every
//! name points at the binding it meant where it was written.

use std::collections::BTreeMap;

use crate::config::{Flatten, Layout};
use crate::lang::ast::{BinOp, Rel, SpaceKind, Span};
use crate::lang::shape::{Dim, Shape};

pub type VarId = usize;
pub type DefId = usize;
pub type FuncId = usize;

/// A declared variable (`let W ∈ R^{n×m}`).
#[derive(Clone, Debug)]
pub struct Var {
    pub name: String,
    pub kind: SpaceKind,
    pub shape: Shape,
    pub konst: bool,
    /// 1-based file line of the declaration (for messages).
    pub line: usize,
}

/// A declared arbitrary function (`let φ : R^{1×C} → R`).
#[derive(Clone, Debug)]
pub struct Func {
    pub name: String,
    pub domain: Shape,
    pub codomain: Shape,
    pub line: usize,
}

/// A definition (`let f = W x`, `let L_i = φ(Z_i)`).
#[derive(Clone, Debug)]
pub struct Def {
    pub name: String,
    /// Family indices (`L_i` → `["i"]`) with their ranges.
    pub indices: Vec<(String, Dim)>,
    pub expr: Expr,
    pub line: usize,
}

/// The whole note's bindings; expressions refer to them by id.
#[derive(Clone, Debug, Default)]
pub struct Program {
    pub vars: Vec<Var>,
    pub funcs: Vec<Func>,
    pub defs: Vec<Def>,
    /// Every dimension symbol the note uses.
    pub dim_symbols: Vec<String>,
    /// Number of expression nodes handed out (ids are `0..node_count`).
    pub node_count: usize,
}

#[derive(Clone, Debug)]
pub struct Expr {
    /// Unique in the program: the evaluator's cache key.
    pub id: usize,
    pub kind: ExprKind,
    pub shape: Shape,
    /// Free indices and their ranges.
    pub free: BTreeMap<String, Dim>,
    pub span: Span,
}

/// A subscript after resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexRef {
    /// An index letter bound by a sum, a free index of the claim, or a family.
    Var(String),
    /// A 1-based literal position.
    Pos(u64),
    /// A 1-based position that is an affine expression of indices (spec
    /// §3.6): the sum of its terms, each index taken 1-based.
    Affine(Vec<AffineTerm>),
}

/// One term of an affine subscript: `coef · dims · index` (`index` 1-based;
/// `None` for a constant term). `p(i-1)+k` → `p·i`, `-p`, `k`.
#[derive(Clone, Debug, PartialEq)]
pub struct AffineTerm {
    pub coef: i64,
    pub dims: Dim,
    pub index: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Vec,
    Tr,
    Det,
    Logdet,
    Inv,
    Diag,
    Kron,
    Sum,
    Mean,
    Norm,
    Exp,
    Log,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Relu,
    Step,
    Softmax,
    Softplus,
    Logsumexp,
    Pinv,
    Adj,
    Eigvals,
}

impl Builtin {
    pub fn from_name(s: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match s {
            "vec" => Vec,
            "tr" | "trace" => Tr,
            "det" => Det,
            "logdet" => Logdet,
            "inv" => Inv,
            "diag" => Diag,
            "kron" => Kron,
            "sum" => Sum,
            "mean" => Mean,
            "norm" => Norm,
            "exp" => Exp,
            "log" | "ln" => Log,
            "sqrt" => Sqrt,
            "abs" => Abs,
            "sin" => Sin,
            "cos" => Cos,
            "tanh" => Tanh,
            "sigmoid" => Sigmoid,
            "relu" => Relu,
            "step" => Step,
            "softmax" => Softmax,
            "softplus" => Softplus,
            "logsumexp" | "LSE" => Logsumexp,
            "pinv" => Pinv,
            "adj" | "adjugate" => Adj,
            "eigvals" => Eigvals,
            _ => return None,
        })
    }
    pub fn arity(self) -> usize {
        if self == Builtin::Kron { 2 } else { 1 }
    }
}

/// What a derivative differentiates with respect to: entries of a base
/// binding, selected and ordered by `view` (an expression over the base
/// made only of reshapes, transposes and subscripts).
#[derive(Clone, Debug)]
pub struct Target {
    pub base: Base,
    pub view: Box<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    Var(VarId),
    Def(DefId),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Num(f64),
    Var(VarId),
    /// A definition used by name (evaluated through its expression).
    Def(DefId),
    /// An indexed family used with its indices (`L_i`, `L_k`, `L_{2}`).
    Family(DefId, Vec<IndexRef>),
    /// A dimension symbol used as a scalar.
    DimValue(String),
    Identity(Dim),
    Ones(Dim),
    Matrix(Vec<Vec<Expr>>),
    Neg(Box<Expr>),
    /// `Mul` with a 1×1 side is a scaling, decided here.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Scale(Box<Expr>, Box<Expr>),
    Transpose(Box<Expr>),
    Inverse(Box<Expr>),
    /// Matrix power with an integer exponent, or scalar power.
    Pow(Box<Expr>, Box<Expr>),
    Call(Builtin, Vec<Expr>, Flatten),
    Apply(FuncId, Box<Expr>),
    Subscript(Box<Expr>, Vec<IndexRef>),
    Deriv {
        y: Box<Expr>,
        x: Target,
        flatten: Flatten,
        layout: Layout,
    },
    /// `d(Y)`.
    Differential(Box<Expr>),
    /// `dX` for a declared, non-`const` X.
    Direction(VarId),
    Sum(String, Dim, Box<Expr>),
    Delta(IndexRef, IndexRef),
    /// `E |_{X = V, …}`: E with each binding taking V's value (spec §3.4).
    At(Box<Expr>, Vec<(Base, Expr)>),
}

/// The body of [`Expr::children`] and [`Expr::children_mut`]: `$iter` is
/// `iter` or `iter_mut`, `$m` is empty or `mut`.
macro_rules! children_of {
    ($kind:expr, $iter:ident $(, $m:tt)?) => {{
        use ExprKind::*;
        match $kind {
            Num(_) | Var(_) | Def(_) | Family(..) | DimValue(_) | Identity(_) | Ones(_)
            | Direction(_) | Delta(..) => vec![],
            Matrix(rows) => rows.$iter().flatten().collect(),
            Neg(x) | Transpose(x) | Inverse(x) | Apply(_, x) | Subscript(x, _)
            | Differential(x) | Sum(_, _, x) => vec![x],
            Binary(_, l, r) | Scale(l, r) | Pow(l, r) => vec![l, r],
            Call(_, args, _) => args.$iter().collect(),
            Deriv { y, x, .. } => vec![y, &$($m)? x.view],
            At(x, binds) => std::iter::once(&$($m)? **x)
                .chain(binds.$iter().map(|(_, v)| v))
                .collect(),
        }
    }};
}

impl Expr {
    /// The direct sub-expressions, left to right (a derivative's `y`, then
    /// the view of its `x`): the one walk over the tree. The match lists
    /// every kind, so a new kind must say what its children are.
    pub fn children(&self) -> Vec<&Expr> {
        children_of!(&self.kind, iter)
    }

    /// [`Expr::children`], mutable.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        children_of!(&mut self.kind, iter_mut, mut)
    }
}
/// Every built-in function name, for "did you mean" suggestions.
pub const BUILTIN_NAMES: &[&str] = &[
    "vec",
    "tr",
    "det",
    "logdet",
    "inv",
    "diag",
    "kron",
    "sum",
    "mean",
    "norm",
    "exp",
    "log",
    "sqrt",
    "abs",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "step",
    "softmax",
    "softplus",
    "logsumexp",
    "pinv",
    "adj",
    "eigvals",
];

/// The right side of one claim.
#[derive(Clone, Debug)]
pub enum ClaimRhs {
    Expr(Expr),
    Space {
        kind: SpaceKind,
        /// The space's axes (2 axes: a matrix shape; 3+: a tensor view).
        axes: Vec<Dim>,
        text: String,
    },
}

/// One relation to check.
#[derive(Clone, Debug)]
pub struct Claim {
    pub lhs: Expr,
    pub rel: Rel,
    pub rhs: ClaimRhs,
    /// Free indices of the claim, over which it must hold for every value.
    pub free: BTreeMap<String, Dim>,
}
