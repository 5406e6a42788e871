//! Names, shapes and indices: syntax tree → claim program.
//!
//! One [`Resolver`] walks a note's statements top to bottom (all check
//! blocks share one scope). Each statement resolves on its own: an error
//! in one becomes that statement's diagnostic and never stops the next.

use std::collections::{BTreeMap, HashMap};

use crate::config::{Flatten, Layout};
use crate::lang::ast::{self, BinOp, Rel, SpaceKind, Span, StmtKind, Sub};
use crate::lang::ir::{
    AffineTerm, Base, Builtin, Claim, ClaimRhs, Def, Expr, ExprKind, Func, IndexRef, Program,
    Target, Var,
};
use crate::lang::shape::{Dim, Shape, Unifier};

pub use crate::diag::Diagnostic;

type R<T> = Result<T, Diagnostic>;

fn err<T>(span: Span, message: impl Into<String>) -> R<T> {
    Err(Diagnostic::error(span, message))
}

/// Settings that change what an expression means.
#[derive(Clone, Copy, Debug)]
pub struct Meaning {
    pub flatten: Flatten,
    pub layout: Layout,
    pub einstein: bool,
}

/// One relation of a statement, resolved or not.
#[derive(Clone, Debug)]
pub struct ResolvedClaim {
    pub rel_span: Span,
    /// From the start of the left side to the end of the right side.
    pub span: Span,
    pub link_index: usize,
    pub result: R<Claim>,
}

#[derive(Clone, Debug)]
pub enum Resolved {
    Declare,
    Function,
    Define(R<usize>),
    Claims(Vec<ResolvedClaim>),
    Show(R<Expr>),
}

#[derive(Clone, Debug)]
enum Binding {
    Var(usize),
    Def(usize),
    Func(usize),
    Broken { line: usize, message: String },
}

/// Walks a note's statements in order, building the [`Program`].
#[derive(Clone)]
pub struct Resolver {
    pub program: Program,
    scope: HashMap<String, Binding>,
    /// Indexed families (`let L_i = …`), used only with subscripts, so that
    /// `let L = ∑_i L_i` can name the total while `L_i` stays the family.
    families: HashMap<String, usize>,
    fixed_dims: Vec<String>,
    u: Unifier,
    meaning: Meaning,
    /// The block body the current statement's spans point into.
    pub source: String,
    /// Where each index got its range, for messages: (index, range, "the rows of W (n)").
    axes: Vec<(String, Dim, String)>,
}

const VIEW_ERROR: &str = "can only differentiate with respect to a declared variable, a `let` intermediate, a slice of one (Z_i, W_mn) or a reshape of one (vec(W), W^T)";

impl Resolver {
    pub fn new(fixed_dims: Vec<String>) -> Resolver {
        let mut program = Program::default();
        for d in &fixed_dims {
            if !program.dim_symbols.contains(d) {
                program.dim_symbols.push(d.clone());
            }
        }
        Resolver {
            program,
            scope: HashMap::new(),
            families: HashMap::new(),
            fixed_dims,
            u: Unifier::default(),
            source: String::new(),
            axes: Vec::new(),
            meaning: Meaning {
                flatten: Flatten::ColumnMajor,
                layout: Layout::Numerator,
                einstein: false,
            },
        }
    }

    /// Whether `name` means something here: a declared or defined name, a
    /// family, a dimension symbol, or the identity `I` (for the LaTeX reader).
    pub fn knows(&self, name: &str) -> bool {
        self.scope.contains_key(name)
            || self.families.contains_key(name)
            || self.program.dim_symbols.iter().any(|d| d == name)
            || name == "I"
    }

    /// [`Resolver::knows`] without the families: whether a plain name is
    /// taken (`let L = ∑_i L_i` may follow the family `L_i`).
    pub fn knows_plain(&self, name: &str) -> bool {
        self.scope.contains_key(name)
            || self.program.dim_symbols.iter().any(|d| d == name)
            || name == "I"
    }

    /// Whether `let X ∈ S` would declare every X again with another shape
    /// than the variable X is now (the prose's `X ∈ ℝ^{D×N}` after
    /// `X ∈ ℝ^D`: a new meaning, not a claim that can hold).
    pub fn redeclares(&self, names: &[ast::Ident], space: &ast::Space) -> bool {
        let Ok((_, shape)) = self.clone().var_space(space) else {
            return false;
        };
        !names.is_empty()
            && names.iter().all(|n| match self.scope.get(&n.name) {
                Some(Binding::Var(id)) => self.program.vars[*id].shape != shape,
                _ => false,
            })
    }

    /// Whether `name` is a declared variable that is not a scalar.
    pub fn is_nonscalar_var(&self, name: &str) -> bool {
        match self.scope.get(name) {
            Some(Binding::Var(id)) => {
                let s = &self.program.vars[*id].shape;
                s.rows != Dim::one() || s.cols != Dim::one()
            }
            _ => false,
        }
    }

    /// Resolve one statement written at file line `line`.
    pub fn statement(&mut self, stmt: &ast::Stmt, meaning: Meaning, line: usize) -> R<Resolved> {
        self.meaning = meaning;
        self.u = Unifier::default();
        self.axes.clear();
        match &stmt.kind {
            StmtKind::Declare {
                names,
                space,
                konst,
            } => {
                let (kind, shape) = self.var_space(space)?;
                for n in names {
                    self.check_new_name(n)?;
                }
                for n in names {
                    let id = self.program.vars.len();
                    self.program.vars.push(Var {
                        name: n.name.clone(),
                        kind,
                        shape: shape.clone(),
                        konst: *konst,
                        line,
                    });
                    self.scope.insert(n.name.clone(), Binding::Var(id));
                }
                Ok(Resolved::Declare)
            }
            StmtKind::FnDecl {
                name,
                domain,
                codomain,
            } => {
                self.check_new_name(name)?;
                let (_, d) = self.var_space(domain)?;
                let (_, c) = self.var_space(codomain)?;
                let id = self.program.funcs.len();
                self.program.funcs.push(Func {
                    name: name.name.clone(),
                    domain: d,
                    codomain: c,
                    line,
                });
                self.scope.insert(name.name.clone(), Binding::Func(id));
                Ok(Resolved::Function)
            }
            StmtKind::Define {
                name,
                indices,
                expr,
            } => {
                let r = self
                    .check_new_name(name)
                    .and_then(|_| self.define(indices, expr));
                match r {
                    Ok((e, idx)) => {
                        let id = self.program.defs.len();
                        let family = !idx.is_empty();
                        self.program.defs.push(Def {
                            name: name.name.clone(),
                            indices: idx,
                            expr: e,
                            line,
                        });
                        if family {
                            self.families.insert(name.name.clone(), id);
                        } else {
                            self.scope.insert(name.name.clone(), Binding::Def(id));
                        }
                        Ok(Resolved::Define(Ok(id)))
                    }
                    Err(d) => {
                        self.scope.insert(
                            name.name.clone(),
                            Binding::Broken {
                                line,
                                message: d.message.clone(),
                            },
                        );
                        Ok(Resolved::Define(Err(d)))
                    }
                }
            }
            StmtKind::Claim { head, links } => {
                let mut out = Vec::new();
                let mut lhs = head;
                // Index ranges known from earlier links of the chain.
                let mut chain: BTreeMap<String, Dim> = BTreeMap::new();
                for (k, link) in links.iter().enumerate() {
                    self.u = Unifier::default();
                    let rhs_span = match &link.rhs {
                        ast::Rhs::Expr(e) => e.span,
                        ast::Rhs::Space(s) => s.span,
                    };
                    let result = self.claim(lhs, link, &chain);
                    if let Ok(c) = &result {
                        chain.extend(c.free.iter().map(|(k, v)| (k.clone(), v.clone())));
                    }
                    out.push(ResolvedClaim {
                        rel_span: link.rel_span,
                        span: lhs.span.to(rhs_span),
                        link_index: k,
                        result,
                    });
                    if let ast::Rhs::Expr(e) = &link.rhs {
                        lhs = e;
                    }
                }
                Ok(Resolved::Claims(out))
            }
            StmtKind::Show { expr } => {
                let r = self.term(expr).and_then(|e| self.finish(e));
                let r = r.and_then(|e| {
                    if let Some(i) = e.free.keys().next() {
                        return err(
                            expr.span,
                            format!("`show` needs a value without free indices; '{i}' is free"),
                        );
                    }
                    Ok(e)
                });
                Ok(Resolved::Show(r))
            }
        }
    }

    fn check_new_name(&self, n: &ast::Ident) -> R<()> {
        if n.name == "I" || Builtin::from_name(&n.name).is_some() {
            return err(
                n.span,
                format!("'{}' is a built-in name; choose another", n.name),
            );
        }
        Ok(())
    }

    fn add_dim_symbols(&mut self, d: &Dim) {
        for s in d.syms.keys() {
            if !self.program.dim_symbols.contains(s) {
                self.program.dim_symbols.push(s.clone());
            }
        }
    }

    fn dim(&mut self, d: &ast::Dim) -> Dim {
        let mut out = Dim::one();
        for f in &d.factors {
            out = out.mul(&match f {
                ast::DimFactor::Int(k) => Dim::int(*k),
                ast::DimFactor::Sym(s) => Dim::sym(s),
            });
        }
        self.add_dim_symbols(&out);
        out
    }

    /// The matrix shape of a space used in a declaration or signature.
    fn var_space(&mut self, s: &ast::Space) -> R<(SpaceKind, Shape)> {
        let axes: Vec<Dim> = s.axes.iter().map(|d| self.dim(d)).collect();
        let shape = match (s.kind.is_square(), axes.len()) {
            (_, 0) if s.kind == SpaceKind::R || s.kind == SpaceKind::Pos => Shape::scalar(),
            (_, 0) => {
                return err(
                    s.span,
                    format!("{} needs a size, e.g. {}^n", s.kind.name(), s.kind.name()),
                );
            }
            (true, 1) => Shape::new(axes[0].clone(), axes[0].clone()),
            (false, 1) => Shape::new(axes[0].clone(), Dim::one()),
            (sq, 2) => {
                if sq && axes[0] != axes[1] {
                    return err(
                        s.span,
                        format!(
                            "{} matrices are square; {}×{} is not",
                            s.kind.name(),
                            axes[0],
                            axes[1]
                        ),
                    );
                }
                Shape::new(axes[0].clone(), axes[1].clone())
            }
            _ => {
                return err(
                    s.span,
                    "a variable or function value has at most two axes; write the space flattened, e.g. R^{m×(n k)}",
                );
            }
        };
        Ok((s.kind, shape))
    }

    fn define(
        &mut self,
        indices: &[ast::Index],
        expr: &ast::Expr,
    ) -> R<(Expr, Vec<(String, Dim)>)> {
        let e = self.term(expr)?;
        let e = self.finish(e)?;
        let mut idx = Vec::new();
        for i in indices {
            match e.free.get(&i.name) {
                Some(r) => idx.push((i.name.clone(), r.clone())),
                None => {
                    return err(
                        i.span,
                        format!("index '{}' does not appear on the right side", i.name),
                    );
                }
            }
        }
        if let Some(extra) = e
            .free
            .keys()
            .find(|k| !indices.iter().any(|i| &i.name == *k))
        {
            return err(
                expr.span,
                format!(
                    "index '{extra}' is free on the right side; name it on the left (let {{name}}_{extra} = …) or sum over it"
                ),
            );
        }
        Ok((e, idx))
    }

    fn claim(
        &mut self,
        lhs: &ast::Expr,
        link: &ast::Link,
        chain: &BTreeMap<String, Dim>,
    ) -> R<Claim> {
        let l = self.term(lhs)?;
        match &link.rhs {
            ast::Rhs::Space(s) => {
                if link.rel != Rel::In {
                    return err(link.rel_span, "a space can only follow ∈");
                }
                let axes: Vec<Dim> = s.axes.iter().map(|d| self.dim(d)).collect();
                let l = self.finish(l)?;
                let free = l.free.clone();
                let text = crate::lang::latex::space(s);
                Ok(Claim {
                    lhs: l,
                    rel: Rel::In,
                    rhs: ClaimRhs::Space {
                        kind: s.kind,
                        axes,
                        text,
                    },
                    free,
                })
            }
            ast::Rhs::Expr(re) => {
                if link.rel == Rel::In {
                    return err(re.span, "∈ needs a space on its right, e.g. R^{n×m}");
                }
                let r = self.term(re)?;
                // Sizes of I and index ranges may come from the other side.
                let _ = self.u.unify_shapes(&l.shape, &r.shape);
                let mut free = l.free.clone();
                self.merge_free(&mut free, &r.free, link.rel_span)?;
                let known: BTreeMap<String, Dim> = chain
                    .iter()
                    .filter(|(k, _)| free.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                self.merge_free(&mut free, &known, link.rel_span)?;
                let (lk, rk): (Vec<_>, Vec<_>) = (l.free.keys().collect(), r.free.keys().collect());
                // A constant side compares with every value of the other's free indices.
                let constant = |e: &Expr| e.free.is_empty() && e.shape.is_scalar();
                if lk != rk && !constant(&l) && !constant(&r) {
                    return err(
                        link.rel_span,
                        format!(
                            "both sides must have the same free indices: left has {}, right has {}",
                            index_set(&l.free),
                            index_set(&r.free)
                        ),
                    );
                }
                let l = self.finish(l)?;
                let r = self.finish(r)?;
                let free = free
                    .iter()
                    .map(|(k, v)| (k.clone(), v.subst(&self.u)))
                    .collect();
                Ok(Claim {
                    lhs: l,
                    rel: link.rel,
                    rhs: ClaimRhs::Expr(r),
                    free,
                })
            }
        }
    }

    /// Substitute solved sizes everywhere; fail on sizes nothing fixed.
    fn finish(&mut self, mut e: Expr) -> R<Expr> {
        let u = self.u.clone();
        subst_expr(&mut e, &u)?;
        Ok(e)
    }

    fn node(
        &mut self,
        kind: ExprKind,
        shape: Shape,
        free: BTreeMap<String, Dim>,
        span: Span,
    ) -> Expr {
        let id = self.program.node_count;
        self.program.node_count += 1;
        Expr {
            id,
            kind,
            shape,
            free,
            span,
        }
    }

    fn merge_free(
        &mut self,
        into: &mut BTreeMap<String, Dim>,
        other: &BTreeMap<String, Dim>,
        span: Span,
    ) -> R<()> {
        for (k, r) in other {
            if let Some(have) = into.get(k) {
                if !self.u.unify(have, r) {
                    let (a, b) = (have.subst(&self.u), r.subst(&self.u));
                    return err(
                        span,
                        format!(
                            "index '{k}' is used on axes of different sizes: {} and {}",
                            self.axis(k, &a),
                            self.axis(k, &b)
                        ),
                    );
                }
            } else {
                into.insert(k.clone(), r.clone());
            }
        }
        Ok(())
    }

    /// Describe the axis an index was first used on with this range.
    fn axis(&self, index: &str, range: &Dim) -> String {
        self.axes
            .iter()
            .find(|(i, r, _)| i == index && r.subst(&self.u) == *range)
            .map_or_else(|| format!("an axis of size {range}"), |(_, _, d)| d.clone())
    }

    /// Resolve an expression that stands as a term: in einstein mode,
    /// indices repeated twice in a product are summed here.
    fn term(&mut self, e: &ast::Expr) -> R<Expr> {
        let r = self.expr(e)?;
        if !self.meaning.einstein {
            return Ok(r);
        }
        let occ = occurrences(&r);
        let mut summed = Vec::new();
        for (i, n) in &occ {
            if *n > 2 {
                return err(
                    e.span,
                    format!(
                        "index {i} appears {n} times in one term; the summation convention allows an index at most twice per term"
                    ),
                );
            }
            if *n == 2 {
                summed.push(i.clone());
            }
        }
        let mut out = r;
        for i in summed.into_iter().rev() {
            let mut free = out.free.clone();
            let Some(range) = free.remove(&i) else {
                continue;
            };
            let shape = out.shape.clone();
            let span = out.span;
            out = self.node(ExprKind::Sum(i, range, Box::new(out)), shape, free, span);
        }
        Ok(out)
    }

    fn expr(&mut self, e: &ast::Expr) -> R<Expr> {
        use ast::ExprKind as A;
        match &e.kind {
            A::Num(x) => Ok(self.node(ExprKind::Num(*x), Shape::scalar(), BTreeMap::new(), e.span)),
            A::Name(id) => self.name(id),
            A::Matrix(rows) => self.matrix(rows, e.span),
            A::Neg(x) => {
                let x = self.expr(x)?;
                let (s, f) = (x.shape.clone(), x.free.clone());
                Ok(self.node(ExprKind::Neg(Box::new(x)), s, f, e.span))
            }
            A::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => {
                let additive = matches!(op, BinOp::Add | BinOp::Sub);
                let (l, r) = if additive {
                    (self.term(lhs)?, self.term(rhs)?)
                } else {
                    (self.expr(lhs)?, self.expr(rhs)?)
                };
                self.binary(*op, *op_span, l, r, e.span)
            }
            A::Transpose(x) => {
                let x = self.expr(x)?;
                let (s, f) = (x.shape.t(), x.free.clone());
                Ok(self.node(ExprKind::Transpose(Box::new(x)), s, f, e.span))
            }
            A::Inverse(x) => self.inverse(x, e.span),
            A::InverseTranspose(x) => {
                let inv = self.inverse(x, e.span)?;
                let (s, f) = (inv.shape.t(), inv.free.clone());
                Ok(self.node(ExprKind::Transpose(Box::new(inv)), s, f, e.span))
            }
            A::Pow(b, p) => self.pow(b, p, e.span),
            A::Call { func, args } => self.call(func, args, e.span),
            A::Subscript { base, subs } => self.subscript(base, subs, e.span),
            A::Deriv { y, x } => self.deriv(y, x, e.span),
            A::Differential(y) => {
                let y = self.term(y)?;
                let (s, f) = (y.shape.clone(), y.free.clone());
                Ok(self.node(ExprKind::Differential(Box::new(y)), s, f, e.span))
            }
            A::Sum { index, body } => {
                let b = self.term(body)?;
                let mut free = b.free.clone();
                let Some(range) = free.remove(&index.name) else {
                    return err(
                        index.span,
                        format!(
                            "∑_{0}: the index '{0}' does not appear in what follows the sum",
                            index.name
                        ),
                    );
                };
                let s = b.shape.clone();
                Ok(self.node(
                    ExprKind::Sum(index.name.clone(), range, Box::new(b)),
                    s,
                    free,
                    e.span,
                ))
            }
            A::BoundedSum { index, upper, body } => {
                let b = self.term(body)?;
                let mut free = b.free.clone();
                let Some(range) = free.remove(&index.name) else {
                    return err(
                        index.span,
                        format!(
                            "∑_{{{0}=1}}: the index '{0}' does not appear in what follows the sum",
                            index.name
                        ),
                    );
                };
                let bound = self.dim(upper);
                if !self.u.unify(&range, &bound) {
                    return err(
                        upper.span,
                        format!(
                            "the sum's upper bound {bound} differs from the range of '{}' ({})",
                            index.name,
                            self.axis(&index.name, &range.subst(&self.u))
                        ),
                    );
                }
                let s = b.shape.clone();
                Ok(self.node(
                    ExprKind::Sum(index.name.clone(), bound, Box::new(b)),
                    s,
                    free,
                    e.span,
                ))
            }
            A::At { expr: inner, binds } => self.at_point(inner, binds, e.span),
            A::Delta(a, b) => {
                let mut free = BTreeMap::new();
                let range = self.u.fresh();
                let mut refs = Vec::new();
                for s in [a, b] {
                    refs.push(match s {
                        Sub::Letter(i) => {
                            let mut one = BTreeMap::new();
                            one.insert(i.name.clone(), range.clone());
                            self.merge_free(&mut free, &one, i.span)?;
                            IndexRef::Var(i.name.clone())
                        }
                        Sub::Int(k, sp) => {
                            if *k == 0 {
                                return err(*sp, "positions are 1-based");
                            }
                            IndexRef::Pos(*k)
                        }
                        Sub::Affine(x) => {
                            return err(x.span, "δ takes index letters or positions, as in δ_ij");
                        }
                    });
                }
                let b = refs.pop().unwrap_or(IndexRef::Pos(1));
                let a = refs.pop().unwrap_or(IndexRef::Pos(1));
                Ok(self.node(ExprKind::Delta(a, b), Shape::scalar(), free, e.span))
            }
        }
    }

    fn known_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.scope.keys().cloned().collect();
        v.push("I".into());
        v.extend(self.program.dim_symbols.iter().cloned());
        v
    }

    fn name(&mut self, id: &ast::Ident) -> R<Expr> {
        let span = id.span;
        match self.scope.get(&id.name).cloned() {
            Some(Binding::Var(v)) => {
                let s = self.program.vars[v].shape.clone();
                return Ok(self.node(ExprKind::Var(v), s, BTreeMap::new(), span));
            }
            Some(Binding::Def(d)) => {
                let def = &self.program.defs[d];
                let s = def.expr.shape.clone();
                return Ok(self.node(ExprKind::Def(d), s, BTreeMap::new(), span));
            }
            Some(Binding::Func(_)) => {
                return err(
                    span,
                    format!("'{0}' is a function; apply it, e.g. {0}(X)", id.name),
                );
            }
            Some(Binding::Broken { line, message }) => {
                return err(
                    span,
                    format!(
                        "'{}' cannot be used: its definition at line {line} is an error: {message}",
                        id.name
                    ),
                );
            }
            None => {
                if let Some(d) = self.families.get(&id.name) {
                    let idx: Vec<&str> = self.program.defs[*d]
                        .indices
                        .iter()
                        .map(|(i, _)| i.as_str())
                        .collect();
                    return err(
                        span,
                        format!(
                            "'{0}' is a family indexed by {1}; write {0}_{1} or sum over it",
                            id.name,
                            idx.join("")
                        ),
                    );
                }
            }
        }
        if id.name == "π" {
            let pi = ExprKind::Num(std::f64::consts::PI);
            return Ok(self.node(pi, Shape::scalar(), BTreeMap::new(), span));
        }
        if id.name == "I" {
            let n = self.u.fresh();
            return Ok(self.node(
                ExprKind::Identity(n.clone()),
                Shape::new(n.clone(), n),
                BTreeMap::new(),
                span,
            ));
        }
        if let Some(rest) = id.name.strip_prefix('d')
            && let Some(Binding::Var(v)) = self.scope.get(rest).cloned()
        {
            let var = &self.program.vars[v];
            if var.konst {
                return err(
                    span,
                    format!(
                        "{} is declared const (at line {}), so it has no differential d{}",
                        rest, var.line, rest
                    ),
                );
            }
            let s = var.shape.clone();
            return Ok(self.node(ExprKind::Direction(v), s, BTreeMap::new(), span));
        }
        if Builtin::from_name(&id.name).is_some() {
            return err(span, format!("'{0}' is a function; write {0}(…)", id.name));
        }
        if self.program.dim_symbols.contains(&id.name) || self.fixed_dims.contains(&id.name) {
            return Ok(self.node(
                ExprKind::DimValue(id.name.clone()),
                Shape::scalar(),
                BTreeMap::new(),
                span,
            ));
        }
        let known = self.known_names();
        let mut msg = format!("unknown name '{}'", id.name);
        if let Some(split) = split_name(&id.name, &known) {
            msg.push_str(&format!("; did you mean '{}'?", split.join(" ")));
        } else if id.name.starts_with('d') && id.name.len() > 1 {
            msg.push_str(&format!(
                "; d{0} is the differential of a declared variable {0}, and there is none",
                &id.name[1..]
            ));
        } else {
            msg.push_str(" (declare it first: let … ∈ R^{…})");
        }
        err(span, msg)
    }

    fn matrix(&mut self, rows: &[Vec<ast::Expr>], span: Span) -> R<Expr> {
        let mut out = Vec::new();
        let width = rows.first().map_or(0, |r| r.len());
        if width == 0 {
            return err(span, "an empty matrix literal");
        }
        let mut free = BTreeMap::new();
        for row in rows {
            if row.len() != width {
                return err(
                    span,
                    format!(
                        "matrix rows have different lengths: {} and {}",
                        width,
                        row.len()
                    ),
                );
            }
            let mut r = Vec::new();
            for x in row {
                let v = self.expr(x)?;
                if !v.shape.is_scalar() {
                    return err(
                        x.span,
                        format!(
                            "matrix literal entries must be scalars; this is {}",
                            v.shape
                        ),
                    );
                }
                self.merge_free(&mut free, &v.free.clone(), x.span)?;
                r.push(v);
            }
            out.push(r);
        }
        let shape = Shape::new(Dim::int(rows.len() as u64), Dim::int(width as u64));
        Ok(self.node(ExprKind::Matrix(out), shape, free, span))
    }

    fn binary(&mut self, op: BinOp, op_span: Span, l: Expr, r: Expr, span: Span) -> R<Expr> {
        let mut free = l.free.clone();
        self.merge_free(&mut free, &r.free, op_span)?;
        let mismatch = |what: &str, l: &Expr, r: &Expr, u: &Unifier| {
            let (a, b) = if what.contains("product") {
                ("factor", "factor")
            } else {
                ("operand", "operand")
            };
            let (ls, rs) = (l.shape.subst(u), r.shape.subst(u));
            Err(Diagnostic::error(
                op_span,
                format!("shape mismatch in {what}: the left {a} is {ls}, the right {b} is {rs}"),
            )
            .with_label(l.span, format!("left {a} is {ls}"))
            .with_label(r.span, format!("right {b} is {rs}")))
        };
        let shape = match op {
            BinOp::Mul => {
                if l.shape.is_scalar() || r.shape.is_scalar() {
                    let s = if l.shape.is_scalar() {
                        r.shape.clone()
                    } else {
                        l.shape.clone()
                    };
                    return Ok(self.node(ExprKind::Scale(Box::new(l), Box::new(r)), s, free, span));
                }
                if !self.u.unify(&l.shape.cols, &r.shape.rows) {
                    return mismatch(
                        "a product (the columns of the left factor must equal the rows of the right factor)",
                        &l,
                        &r,
                        &self.u,
                    );
                }
                Shape::new(l.shape.rows.clone(), r.shape.cols.clone())
            }
            BinOp::Hadamard | BinOp::HadamardDiv | BinOp::Add | BinOp::Sub => {
                if !self.u.unify_shapes(&l.shape, &r.shape) {
                    let what = match op {
                        BinOp::Add => "a sum",
                        BinOp::Sub => "a difference",
                        _ => "an element-wise operation",
                    };
                    return mismatch(what, &l, &r, &self.u);
                }
                if matches!(op, BinOp::Add | BinOp::Sub) && l.free.keys().ne(r.free.keys()) {
                    return err(
                        op_span,
                        format!(
                            "every term must have the same free indices: left has {}, right has {}",
                            index_set(&l.free),
                            index_set(&r.free)
                        ),
                    );
                }
                l.shape.clone()
            }
            BinOp::Kron => Shape::new(
                l.shape.rows.mul(&r.shape.rows),
                l.shape.cols.mul(&r.shape.cols),
            ),
            BinOp::Div => {
                if !r.shape.is_scalar() {
                    return err(
                        op_span,
                        format!("'/' divides by a scalar; the right side is {}", r.shape),
                    );
                }
                l.shape.clone()
            }
        };
        Ok(self.node(
            ExprKind::Binary(op, Box::new(l), Box::new(r)),
            shape,
            free,
            span,
        ))
    }

    fn sub_ref(&mut self, s: &Sub) -> R<IndexRef> {
        match s {
            Sub::Letter(i) => Ok(IndexRef::Var(i.name.clone())),
            Sub::Int(0, sp) => err(*sp, "positions are 1-based: the first entry is 1"),
            Sub::Int(k, _) => Ok(IndexRef::Pos(*k)),
            Sub::Affine(e) => Ok(IndexRef::Affine(self.affine(e)?)),
        }
    }

    fn sub_dim(&mut self, s: &Sub) -> R<Dim> {
        match s {
            Sub::Int(k, _) => Ok(Dim::int(*k)),
            Sub::Affine(e) => err(
                e.span,
                "a size is a dimension symbol or a number, as in I_n",
            ),
            Sub::Letter(i) => {
                if self.program.dim_symbols.contains(&i.name) || self.fixed_dims.contains(&i.name) {
                    Ok(Dim::sym(&i.name))
                } else {
                    err(
                        i.span,
                        format!("'{}' is not a dimension symbol of this note", i.name),
                    )
                }
            }
        }
    }

    fn subscript(&mut self, base: &ast::Expr, subs: &[Sub], span: Span) -> R<Expr> {
        // `1_n` and `I_n`.
        if let ast::ExprKind::Num(x) = base.kind {
            if x == 1.0 && subs.len() == 1 {
                let n = self.sub_dim(&subs[0])?;
                return Ok(self.node(
                    ExprKind::Ones(n.clone()),
                    Shape::new(n, Dim::one()),
                    BTreeMap::new(),
                    span,
                ));
            }
            return err(
                span,
                "only 1_n (a column of ones) can be subscripted among numbers",
            );
        }
        if let ast::ExprKind::Name(id) = &base.kind {
            if id.name == "I" && !self.scope.contains_key("I") {
                if subs.len() != 1 {
                    return err(span, "I takes one size: I_n");
                }
                let n = self.sub_dim(&subs[0])?;
                return Ok(self.node(
                    ExprKind::Identity(n.clone()),
                    Shape::new(n.clone(), n),
                    BTreeMap::new(),
                    span,
                ));
            }
            if let Some(d) = self.families.get(&id.name).copied() {
                let def = self.program.defs[d].clone();
                {
                    if subs.len() != def.indices.len() {
                        return err(
                            span,
                            format!(
                                "'{}' is indexed by {} index(es); this gives {}",
                                id.name,
                                def.indices.len(),
                                subs.len()
                            ),
                        );
                    }
                    let mut free = BTreeMap::new();
                    let mut refs = Vec::new();
                    for (s, (_, range)) in subs.iter().zip(&def.indices) {
                        let r = self.sub_ref(s)?;
                        if let IndexRef::Var(n) = &r {
                            let one: BTreeMap<String, Dim> = [(n.clone(), range.clone())].into();
                            self.merge_free(&mut free, &one, s.span())?;
                        }
                        self.affine_free(&r, &mut free, s.span())?;
                        refs.push(r);
                    }
                    let shape = def.expr.shape.clone();
                    return Ok(self.node(ExprKind::Family(d, refs), shape, free, span));
                }
            }
        }
        let b = self.expr(base)?;
        let sh = b.shape.clone();
        let mut free = b.free.clone();
        let mut refs = Vec::new();
        for s in subs {
            refs.push(self.sub_ref(s)?);
        }
        let (shape, ranges): (Shape, Vec<Dim>) = match refs.len() {
            1 if sh.is_scalar() => return err(span, "a scalar has no entries to subscript"),
            1 if sh.is_col() => (Shape::scalar(), vec![sh.rows.clone()]),
            1 if sh.is_row() => (Shape::scalar(), vec![sh.cols.clone()]),
            1 => (
                Shape::new(Dim::one(), sh.cols.clone()),
                vec![sh.rows.clone()],
            ),
            2 => (Shape::scalar(), vec![sh.rows.clone(), sh.cols.clone()]),
            n => {
                return err(
                    span,
                    format!("{n} subscripts on a matrix; one selects a row, two an entry"),
                );
            }
        };
        let what = self
            .source
            .get(base.span.start..base.span.end)
            .unwrap_or("the value")
            .trim()
            .to_string();
        for (k, (s, (r, range))) in subs.iter().zip(refs.iter().zip(ranges)).enumerate() {
            if let IndexRef::Var(n) = r {
                let axis = match (refs.len(), k) {
                    (2, 0) => "the rows",
                    (2, _) => "the columns",
                    _ if sh.is_col() || sh.is_row() => "the entries",
                    _ => "the rows",
                };
                self.axes.push((
                    n.clone(),
                    range.clone(),
                    format!("{axis} of {what} ({range})"),
                ));
                let one: BTreeMap<String, Dim> = [(n.clone(), range)].into();
                self.merge_free(&mut free, &one, s.span())?;
            } else {
                self.affine_free(r, &mut free, s.span())?;
            }
        }
        Ok(self.node(ExprKind::Subscript(Box::new(b), refs), shape, free, span))
    }

    fn deriv(&mut self, y: &ast::Expr, x: &ast::Expr, span: Span) -> R<Expr> {
        let ye = self.term(y)?;
        let xe = self.expr(x)?;
        let xe = self.inline_reshapes(xe, x.span)?;
        let base = view_base(&xe).ok_or_else(|| Diagnostic::error(x.span, VIEW_ERROR))?;
        let mut free = ye.free.clone();
        self.merge_free(&mut free, &xe.free, span)?;
        let (ys, xs) = (ye.shape.clone(), xe.shape.clone());
        let layout = self.meaning.layout;
        let shape = if ys.is_scalar() {
            xs
        } else if xs.is_scalar() {
            ys
        } else if layout == Layout::Numerator {
            Shape::new(ys.size(), xs.size())
        } else {
            Shape::new(xs.size(), ys.size())
        };
        let flatten = self.meaning.flatten;
        Ok(self.node(
            ExprKind::Deriv {
                y: Box::new(ye),
                x: Target {
                    base,
                    view: Box::new(xe),
                },
                flatten,
                layout,
            },
            shape,
            free,
            span,
        ))
    }

    /// Replace a `let` that only reshapes a variable by its definition, so
    /// that `∂f/∂w` with `w = vec(W)` differentiates with respect to W's entries.
    fn inline_reshapes(&mut self, mut e: Expr, span: Span) -> R<Expr> {
        match &mut e.kind {
            ExprKind::Def(d) => {
                let def = &self.program.defs[*d];
                if is_view(&def.expr) && matches!(view_base(&def.expr), Some(Base::Var(_))) {
                    return Ok(def.expr.clone());
                }
                Ok(e)
            }
            ExprKind::Var(_) => Ok(e),
            ExprKind::Transpose(x) | ExprKind::Subscript(x, _) => {
                let inner = std::mem::replace(x.as_mut(), placeholder());
                **x = self.inline_reshapes(inner, span)?;
                Ok(e)
            }
            ExprKind::Call(Builtin::Vec, args, _) if args.len() == 1 => {
                let inner = std::mem::replace(&mut args[0], placeholder());
                args[0] = self.inline_reshapes(inner, span)?;
                Ok(e)
            }
            _ => err(span, VIEW_ERROR),
        }
    }
}

#[path = "resolve_calls.rs"]
mod calls;
#[path = "resolve_points.rs"]
mod points;
#[path = "resolve_walk.rs"]
mod walk;

use walk::{index_set, is_view, occurrences, placeholder, subst_expr, view_base};

use crate::lang::suggest::{nearest_builtins, spelled_otherwise, split_name};

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
