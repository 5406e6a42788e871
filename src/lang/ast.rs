//! The syntax tree of the claim language, as the parser hands it on.
//!
//! Every node carries a [`Span`]: byte offsets into the text of the check
//! block it came from (the block's body, the lines between the fences). The
//! parser does no name resolution: `I`, `dX`, `1_n`, dimension symbols and
//! calls of names that turn out to be matrices are all decided later, in
//! [`crate::lang::resolve`].

/// Byte range `start..end` in the check block's body text.
pub use crate::diag::{Diagnostic, Span};

/// A name as written, normalised (`\mathbf{W}` → `W`, `\phi` → `φ`).
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One statement of a check block (one logical line, after `;` splitting
/// and joining continuation lines).
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    /// Covers the whole statement, label excluded.
    pub span: Span,
    /// `(1c)` → `Some("1c")`.
    pub label: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `let W ∈ R^{n×m}`, `let x, y ∈ R^m`, `let A ∈ R^{m×n} const`
    Declare {
        names: Vec<Ident>,
        space: Space,
        konst: bool,
    },
    /// `let φ : R^{1×C} → R`
    FnDecl {
        name: Ident,
        domain: Space,
        codomain: Space,
    },
    /// `let f = W x`, `let L_i = φ(Z_i)` (indices non-empty: an indexed family)
    Define {
        name: Ident,
        indices: Vec<Index>,
        expr: Expr,
    },
    /// `a = b ≈ c ∈ R^{n×m}`: every link is one claim.
    Claim { head: Expr, links: Vec<Link> },
    /// `show ∂f/∂w`
    Show { expr: Expr },
}

/// One relation of a chain and what follows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub rel: Rel,
    /// The span of the relation symbol itself (claims are reported there).
    pub rel_span: Span,
    pub rhs: Rhs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    /// `=`
    Eq,
    /// `≈` `~=` `\approx`
    Approx,
    /// `≠` `!=` `\neq` `\ne`
    Ne,
    /// `∈` `in` `\in`
    In,
    /// `<` `\lt` (entry-wise, strict: no tolerance)
    Lt,
    /// `≤` `<=` `\le` `\leq` (entry-wise, within the tolerance of `=`)
    Le,
    /// `>` `\gt`
    Gt,
    /// `≥` `>=` `\ge` `\geq`
    Ge,
    /// `≺` `\prec`: B − A positive definite (Loewner order)
    Prec,
    /// `⪯` `\preceq`: B − A positive semidefinite
    Preceq,
    /// `≻` `\succ`: A − B positive definite
    Succ,
    /// `⪰` `\succeq`: A − B positive semidefinite
    Succeq,
}

impl Rel {
    /// `<`, `≤`, `>`, `≥`, `≺`, `⪯`, `≻`, `⪰`: an order (spec §3.7).
    pub fn is_order(self) -> bool {
        !matches!(self, Rel::Eq | Rel::Approx | Rel::Ne | Rel::In)
    }
    /// The Loewner orders `≺ ⪯ ≻ ⪰`.
    pub fn is_loewner(self) -> bool {
        matches!(self, Rel::Prec | Rel::Preceq | Rel::Succ | Rel::Succeq)
    }
    /// The symbol as printed in messages.
    pub fn symbol(self) -> &'static str {
        match self {
            Rel::Eq => "=",
            Rel::Approx => "≈",
            Rel::Ne => "≠",
            Rel::In => "∈",
            Rel::Lt => "<",
            Rel::Le => "≤",
            Rel::Gt => ">",
            Rel::Ge => "≥",
            Rel::Prec => "≺",
            Rel::Preceq => "⪯",
            Rel::Succ => "≻",
            Rel::Succeq => "⪰",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    Expr(Expr),
    Space(Space),
}

/// `R^{n×m}`, `Sym^n`, `R`, `OneHot^{N×C}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    pub kind: SpaceKind,
    /// Top-level axes. `R` → none; `R^n` → one (a column vector);
    /// `R^{p×q}` → two; `R^{m×n×k}` → three. `Sym^n`, `SPD^n`, `Orth^n`,
    /// `Diag^n` → one axis `n` meaning n×n.
    pub axes: Vec<Dim>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceKind {
    R,
    Sym,
    Spd,
    Orth,
    Diag,
    Pos,
    OneHot,
}

impl SpaceKind {
    /// Square kinds take one size: `Sym^n` is n×n.
    pub fn is_square(self) -> bool {
        matches!(
            self,
            SpaceKind::Sym | SpaceKind::Spd | SpaceKind::Orth | SpaceKind::Diag
        )
    }
    pub fn name(self) -> &'static str {
        match self {
            SpaceKind::R => "R",
            SpaceKind::Sym => "Sym",
            SpaceKind::Spd => "SPD",
            SpaceKind::Orth => "Orth",
            SpaceKind::Diag => "Diag",
            SpaceKind::Pos => "Pos",
            SpaceKind::OneHot => "OneHot",
        }
    }
}

/// A dimension: a product of integer and symbol factors.
/// `n` → `[Sym n]`; `(n k)` / `(n×k)` → `[Sym n, Sym k]`; `3` → `[Int 3]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    pub factors: Vec<DimFactor>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DimFactor {
    Int(u64),
    Sym(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A numeric literal: `0`, `2`, `0.5`.
    Num(f64),
    /// Any identifier: a declared or defined name, a function name used
    /// without parentheses, `I`, `dX`, a dimension symbol. Resolution decides.
    Name(Ident),
    /// `[1 2; 3 4]`: rows of entries.
    Matrix(Vec<Vec<Expr>>),
    /// `-E`
    Neg(Box<Expr>),
    Binary {
        op: BinOp,
        /// The operator's span; for juxtaposition, the gap between the
        /// factors (or the start of the right factor).
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `E^T`, `Eᵀ`, `E'`, `E^\top`, `E^{T}`
    Transpose(Box<Expr>),
    /// `E^{-1}`
    Inverse(Box<Expr>),
    /// `E^{-T}`
    InverseTranspose(Box<Expr>),
    /// `E^k`, `E^{1/2}`, `2^n`: the exponent is an expression.
    Pow(Box<Expr>, Box<Expr>),
    /// `f(a, b)` where the name is written immediately before `(` with no
    /// space. Built-ins (`vec`, `tr`, …), declared functions (`φ`), or —
    /// decided at resolution — a product `W(x)`.
    Call { func: Ident, args: Vec<Expr> },
    /// `W_ij`, `W_{i,j}`, `Z_i`, `(A B)_ik`, `A_{1,2}`, `1_n`, `I_n`, `I_{3}`.
    Subscript { base: Box<Expr>, subs: Vec<Sub> },
    /// `∂Y/∂X`, `d(Y)/d(X)`, `\frac{\partial Y}{\partial X}`
    Deriv { y: Box<Expr>, x: Box<Expr> },
    /// `d(Y)`: the differential of Y along the random directions `dX`.
    Differential(Box<Expr>),
    /// `∑_i E`, `sum_i E`, `\sum_i E`, `\sum_{i} E`
    Sum { index: Index, body: Box<Expr> },
    /// `δ_ij`, `\delta_{ij}`
    Delta(Sub, Sub),
    /// `∑_{i=1}^{n} E`: a sum whose range is given by its bounds (the lower
    /// bound is always 1; `upper` is a dimension symbol or an integer).
    /// Added for spec §3.6; `Sum` stays the unbounded form.
    BoundedSum {
        index: Index,
        upper: Dim,
        body: Box<Expr>,
    },
    /// `E |_{X = V}`, `E \big|_{X=V, Y=U}`: E with each variable X replaced
    /// by the value of V in this trial (spec §3.4). `binds` are in written
    /// order; each `Ident` is the replaced name.
    At {
        expr: Box<Expr>,
        binds: Vec<(Ident, Expr)>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// Juxtaposition, `*`, `·`, `\cdot`: matrix product (1×1 scales).
    Mul,
    /// `⊙`, `.*`, `\odot`
    Hadamard,
    /// `⊘`, `./`, `\oslash`
    HadamardDiv,
    /// `⊗`, `\otimes`
    Kron,
    /// `/` division by a scalar (also `\frac{A}{B}` when not a derivative).
    Div,
    Add,
    Sub,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Mul => "·",
            BinOp::Hadamard => "⊙",
            BinOp::HadamardDiv => "⊘",
            BinOp::Kron => "⊗",
            BinOp::Div => "/",
            BinOp::Add => "+",
            BinOp::Sub => "-",
        }
    }
}

/// One subscript item. `W_mn` → `[Letter m, Letter n]`; `W_{i,j}` → the
/// same; `A_{1,2}` → `[Int 1, Int 2]`; `1_{n1}` → `[Letter n1]` (a letter
/// followed by digits stays one item).
///
/// A subscript position that is an affine expression of indices, integers
/// and dimension symbols (`{p(i-1)+k, q(j-1)+l}`) is `Affine` (spec §3.6):
/// the expression as parsed, where a call `p(i-1)` means the product
/// `p·(i-1)`. In it, a name that multiplies a parenthesised group or an
/// index is a dimension symbol; every other name is an index letter.
#[derive(Clone, Debug, PartialEq)]
pub enum Sub {
    Letter(Index),
    Int(u64, Span),
    Affine(Box<Expr>),
}

impl Sub {
    pub fn span(&self) -> Span {
        match self {
            Sub::Letter(i) => i.span,
            Sub::Int(_, s) => *s,
            Sub::Affine(e) => e.span,
        }
    }
}

/// An index letter (or letter+digits), e.g. `i`, `m`, `k2`.
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    pub name: String,
    pub span: Span,
}

/// What the parser returns for a block: the statements it could parse and
/// one error per statement it could not (parsing resumes at the next one).
/// `items` is in source order; each is a statement or an error.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Stmt(Stmt),
    Error(Diagnostic),
}
