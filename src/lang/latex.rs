//! LaTeX for statements, expressions and spaces, as the report typesets
//! them (pulldown-latex turns it into MathML).
//!
//! Names print in plain italic, a letter followed by digits with the digits
//! as a subscript (`W1` → `W_{1}`), Greek letters as commands (`\phi`).
//! The syntax tree has no parenthesis node: parentheses are inserted where
//! precedence requires them, and around a derivative's compound `Y` or `X`.
//! Labels are not part of the LaTeX; the report shows them separately.

use super::ast::{
    BinOp, Dim, DimFactor, Expr, ExprKind, Ident, Link, Rel, Rhs, Space, SpaceKind, Stmt, StmtKind,
    Sub,
};
use super::lexer::{ACCENTS, greek_command};

/// Printing precedences, loosest first.
/// `E |_{X=V}` applies to everything before it.
const AT: u8 = 0;
const ADD: u8 = 1;
/// `⊗` binds looser than products (spec §3.2): `A\,C \otimes B\,D`.
const KRON: u8 = 2;
const SUM: u8 = 3;
const PRODUCT: u8 = 4;
const PREFIX: u8 = 5;
const SCRIPT: u8 = 6;
const ATOM: u8 = 7;

/// Printed LaTeX and what its surroundings need to know.
struct Tex {
    s: String,
    prec: u8,
    /// Ends in a subscript / a superscript (another one needs braces).
    sub: bool,
    sup: bool,
}

impl Tex {
    fn new(s: String, prec: u8) -> Tex {
        Tex {
            s,
            prec,
            sub: false,
            sup: false,
        }
    }
}

/// The LaTeX of a statement: `\text{let } W \in \mathbb{R}^{n \times m}`,
/// `f \coloneqq W\,x`, `f = I\,W\,x`, `\text{show } …`.
pub fn stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Declare {
            names,
            space: sp,
            konst,
        } => {
            let names: Vec<String> = names.iter().map(|n| name(&n.name).s).collect();
            let konst = if *konst { " \\;\\text{const}" } else { "" };
            format!(
                "\\text{{let }} {} \\in {}{konst}",
                names.join(", "),
                space(sp)
            )
        }
        StmtKind::FnDecl {
            name: n,
            domain,
            codomain,
        } => format!(
            "\\text{{let }} {} : {} \\to {}",
            name(&n.name).s,
            space(domain),
            space(codomain)
        ),
        StmtKind::Define {
            name: n,
            indices,
            expr: e,
        } => {
            let lhs = if indices.is_empty() {
                name(&n.name).s
            } else {
                let items: Vec<String> = indices.iter().map(|i| name(&i.name).s).collect();
                format!(
                    "{}_{{{}}}",
                    script_base(name(&n.name), true),
                    concat(&items)
                )
            };
            format!("{lhs} \\coloneqq {}", expr(e))
        }
        StmtKind::Claim { head, links } => {
            let mut out = expr(head);
            for l in links {
                out.push_str(&format!(" {} {}", rel(l.rel), rhs(&l.rhs)));
            }
            out
        }
        StmtKind::Show { expr: e } => format!("\\text{{show }} {}", expr(e)),
    }
}

/// The LaTeX of one claim of a chain: `lhs rel rhs`.
pub fn link(lhs: &Expr, l: &Link) -> String {
    format!("{} {} {}", expr(lhs), rel(l.rel), rhs(&l.rhs))
}

/// The LaTeX of a relation symbol.
pub fn rel(r: Rel) -> &'static str {
    match r {
        Rel::Eq => "=",
        Rel::Approx => "\\approx",
        Rel::Ne => "\\neq",
        Rel::In => "\\in",
        Rel::Lt => "<",
        Rel::Le => "\\le",
        Rel::Gt => ">",
        Rel::Ge => "\\ge",
        Rel::Prec => "\\prec",
        Rel::Preceq => "\\preceq",
        Rel::Succ => "\\succ",
        Rel::Succeq => "\\succeq",
    }
}

/// The LaTeX of a space: `\mathbb{R}^{n \times m}`, `\mathrm{Sym}^{n}`.
pub fn space(s: &Space) -> String {
    let kind = match s.kind {
        SpaceKind::R => "\\mathbb{R}".to_string(),
        k => format!("\\mathrm{{{}}}", k.name()),
    };
    if s.axes.is_empty() {
        return kind;
    }
    let axes: Vec<String> = s.axes.iter().map(dim).collect();
    format!("{kind}^{{{}}}", axes.join(" \\times "))
}

/// The LaTeX of an expression.
pub fn expr(e: &Expr) -> String {
    tex(e).s
}

fn rhs(r: &Rhs) -> String {
    match r {
        Rhs::Expr(e) => expr(e),
        Rhs::Space(s) => space(s),
    }
}

fn dim(d: &Dim) -> String {
    let factors: Vec<String> = d
        .factors
        .iter()
        .map(|f| match f {
            DimFactor::Int(n) => n.to_string(),
            DimFactor::Sym(s) => name(s).s,
        })
        .collect();
    match factors.as_slice() {
        [one] => one.clone(),
        _ => format!("({})", factors.join(" \\times ")),
    }
}

fn tex(e: &Expr) -> Tex {
    match &e.kind {
        ExprKind::Num(v) => num(*v),
        ExprKind::Name(id) => name(&id.name),
        ExprKind::Matrix(rows) => matrix(rows),
        ExprKind::Neg(x) => Tex::new(format!("-{}", operand(x, PREFIX)), PREFIX),
        ExprKind::Binary { op, lhs, rhs, .. } => binary(*op, lhs, rhs),
        ExprKind::Transpose(x) => superscript(x, "\\top"),
        ExprKind::Inverse(x) => superscript(x, "-1"),
        ExprKind::InverseTranspose(x) => superscript(x, "-\\top"),
        ExprKind::Pow(x, k) => superscript(x, &expr(k)),
        ExprKind::Call { func, args } => call(func, args),
        ExprKind::Subscript { base, subs } => subscript(base, subs.iter()),
        ExprKind::Deriv { y, x } => match &y.kind {
            // `∂²f/∂x∂y^T`, however it was written.
            ExprKind::Deriv { y: f, x: x1 } if is_simple(f) => Tex::new(
                format!(
                    "\\frac{{\\partial^2 {}}}{{\\partial {} \\partial {}}}",
                    expr(f),
                    deriv_part(x1),
                    deriv_part(x)
                ),
                ATOM,
            ),
            _ => Tex::new(
                format!(
                    "\\frac{{\\partial {}}}{{\\partial {}}}",
                    deriv_part(y),
                    deriv_part(x)
                ),
                ATOM,
            ),
        },
        ExprKind::BoundedSum { index, upper, body } => {
            let body = match body.kind {
                ExprKind::Sum { .. } | ExprKind::BoundedSum { .. } => expr(body),
                _ => operand(body, PRODUCT),
            };
            Tex::new(
                format!(
                    "\\sum_{{{}=1}}^{{{}}} {body}",
                    name(&index.name).s,
                    dim(upper)
                ),
                SUM,
            )
        }
        ExprKind::At { expr: inner, binds } => {
            let binds: Vec<String> = binds
                .iter()
                .map(|(n, v)| format!("{} = {}", name(&n.name).s, expr(v)))
                .collect();
            Tex::new(
                format!("{} \\big|_{{{}}}", expr(inner), binds.join(", ")),
                AT,
            )
        }
        ExprKind::Differential(x) => differential(x),
        ExprKind::Sum { index, body } => {
            let body = match body.kind {
                ExprKind::Sum { .. } | ExprKind::BoundedSum { .. } => expr(body),
                _ => operand(body, PRODUCT),
            };
            Tex::new(format!("\\sum_{{{}}} {body}", name(&index.name).s), SUM)
        }
        ExprKind::Delta(a, b) => Tex {
            s: format!("\\delta_{{{}}}", subs_tex([a, b].into_iter())),
            prec: SCRIPT,
            sub: true,
            sup: false,
        },
    }
}

/// `x` printed for a place that needs at least precedence `min`; a
/// leading minus sign is parenthesised too (`a\,\left(-b\right)`).
fn operand(x: &Expr, min: u8) -> String {
    let t = tex(x);
    if t.prec < min || t.s.starts_with('-') {
        paren(&t.s)
    } else {
        t.s
    }
}

/// The left operand of a binary operator: only precedence matters.
fn left(x: &Expr, min: u8) -> String {
    let t = tex(x);
    if t.prec < min { paren(&t.s) } else { t.s }
}

fn paren(s: &str) -> String {
    format!("\\left({s}\\right)")
}

fn num(v: f64) -> Tex {
    let s = if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    };
    let prec = if s.starts_with('-') { PREFIX } else { ATOM };
    Tex::new(s, prec)
}

/// A name: `W`, `W_{1}`, `\phi`, `\mathrm{d}X`, `\mathit{Wx}`.
fn name(n: &str) -> Tex {
    if let Some(t) = accented_name(n) {
        return t;
    }
    let letters = n.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = &n[letters.len()..];
    let mut chars = letters.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('ℝ'), None, _) => Tex::new("\\mathbb{R}".into(), ATOM),
        (Some(c), None, _) if digits.is_empty() => Tex::new(letter(c), ATOM),
        (Some(c), None, _) => Tex {
            s: format!("{}_{{{digits}}}", letter(c)),
            prec: ATOM,
            sub: true,
            sup: false,
        },
        (Some('d'), Some(_), None) => {
            let rest = name(&n[1..]);
            Tex {
                s: format!("\\mathrm{{d}}{}", rest.s),
                ..rest
            }
        }
        _ => {
            let pieces: Vec<String> = n.chars().map(letter).collect();
            Tex::new(format!("\\mathit{{{}}}", concat(&pieces)), ATOM)
        }
    }
}

/// One letter: itself, or its Greek command.
fn letter(c: char) -> String {
    match greek_command(c) {
        Some(cmd) => format!("\\{cmd}"),
        None if c == 'ℓ' => "\\ell".to_string(),
        None => c.to_string(),
    }
}

/// `ŵ` (`w` + U+0302) → `\hat{w}`, `x̄1` → `\bar{x}_{1}`.
fn accented_name(n: &str) -> Option<Tex> {
    let mut chars = n.chars();
    let (c, a) = (chars.next()?, chars.next()?);
    let (_, command) = ACCENTS.iter().find(|(x, _)| *x == a)?;
    let digits: String = chars.collect();
    if !digits.chars().all(|d| d.is_ascii_digit()) {
        return None;
    }
    let s = format!("\\{command}{{{}}}", letter(c));
    Some(if digits.is_empty() {
        Tex::new(s, ATOM)
    } else {
        Tex {
            s: format!("{s}_{{{digits}}}"),
            prec: ATOM,
            sub: true,
            sup: false,
        }
    })
}

/// Pieces side by side, with a space after a command (`\mu j`).
fn concat(pieces: &[String]) -> String {
    let mut out = String::new();
    let mut after_command = false;
    for p in pieces {
        if after_command && p.starts_with(|c: char| c.is_ascii_alphabetic()) {
            out.push(' ');
        }
        out.push_str(p);
        after_command = p.starts_with('\\') && p.ends_with(|c: char| c.is_ascii_alphabetic());
    }
    out
}

fn matrix(rows: &[Vec<Expr>]) -> Tex {
    let rows: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(expr).collect::<Vec<_>>().join(" & "))
        .collect();
    let body = rows.join(" \\\\ ");
    Tex::new(format!("\\begin{{bmatrix}} {body} \\end{{bmatrix}}"), ATOM)
}

fn binary(op: BinOp, lhs: &Expr, rhs: &Expr) -> Tex {
    let (symbol, prec) = match op {
        BinOp::Add => (" + ", ADD),
        BinOp::Sub => (" - ", ADD),
        BinOp::Div => {
            let s = format!("\\frac{{{}}}{{{}}}", expr(lhs), expr(rhs));
            return Tex::new(s, PREFIX);
        }
        BinOp::Mul => ("\\,", PRODUCT),
        BinOp::Hadamard => (" \\odot ", PRODUCT),
        BinOp::HadamardDiv => (" \\oslash ", PRODUCT),
        BinOp::Kron => (" \\otimes ", KRON),
    };
    let l = match product_op(lhs) {
        // `(x^T ⊗ I) vec(W)`: mixed products get parentheses, for the reader.
        Some(inner) if prec == PRODUCT && inner != op => paren(&expr(lhs)),
        _ => left(lhs, prec),
    };
    let r = operand(rhs, prec + 1);
    let symbol = if op == BinOp::Mul && r.starts_with(|c: char| c.is_ascii_digit()) {
        " \\cdot "
    } else {
        symbol
    };
    Tex::new(format!("{l}{symbol}{r}"), prec)
}

/// The operator of a product printed inline (not `\frac`).
fn product_op(e: &Expr) -> Option<BinOp> {
    match &e.kind {
        ExprKind::Binary { op, .. } if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Div) => {
            Some(*op)
        }
        _ => None,
    }
}

/// `base` ready for a script: parenthesised when compound, braced when it
/// already carries a script of the same kind (or any, for a subscript).
fn script_base(base: Tex, for_sub: bool) -> String {
    if base.prec < SCRIPT {
        paren(&base.s)
    } else if base.sup || (for_sub && base.sub) {
        format!("{{{}}}", base.s)
    } else {
        base.s
    }
}

fn superscript(base: &Expr, script: &str) -> Tex {
    let b = tex(base);
    let keeps_sub = b.sub && b.prec >= SCRIPT && !b.sup;
    Tex {
        s: format!("{}^{{{script}}}", script_base(b, false)),
        prec: SCRIPT,
        sub: keeps_sub,
        sup: true,
    }
}

fn subscript<'e>(base: &Expr, subs: impl Iterator<Item = &'e Sub>) -> Tex {
    let b = match base.kind {
        ExprKind::Num(1.0) => "\\mathbf{1}".to_string(),
        _ => script_base(tex(base), true),
    };
    Tex {
        s: format!("{b}_{{{}}}", subs_tex(subs)),
        prec: SCRIPT,
        sub: true,
        sup: false,
    }
}

/// Subscript items: `ij` when each is one symbol, else `n_{1},m`.
fn subs_tex<'e>(subs: impl Iterator<Item = &'e Sub>) -> String {
    let items: Vec<(String, bool)> = subs
        .map(|s| match s {
            Sub::Letter(i) => {
                let single = i.name.chars().count() == 1;
                (name(&i.name).s, single)
            }
            Sub::Int(n, _) => (n.to_string(), *n < 10),
            Sub::Affine(e) => (expr(e), false),
        })
        .collect();
    let strings: Vec<String> = items.iter().map(|(s, _)| s.clone()).collect();
    if items.iter().all(|(_, single)| *single) {
        concat(&strings)
    } else {
        strings.join(",")
    }
}

/// `Y` or `X` of a derivative: parenthesised unless a name or call, with
/// any scripts.
fn deriv_part(e: &Expr) -> String {
    if is_simple(e) {
        expr(e)
    } else {
        paren(&expr(e))
    }
}

fn is_simple(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Call { .. } => true,
        ExprKind::Subscript { base: x, .. }
        | ExprKind::Transpose(x)
        | ExprKind::Inverse(x)
        | ExprKind::InverseTranspose(x)
        | ExprKind::Pow(x, _) => is_simple(x),
        _ => false,
    }
}

fn differential(x: &Expr) -> Tex {
    let inner = match x.kind {
        ExprKind::Name(_) => expr(x),
        _ => paren(&expr(x)),
    };
    Tex::new(format!("\\mathrm{{d}}{inner}"), PREFIX)
}

fn call(func: &Ident, args: &[Expr]) -> Tex {
    let f = match func.name.as_str() {
        "exp" | "log" | "det" | "sin" | "cos" | "tanh" => format!("\\{}", func.name),
        "vec" => "\\mathrm{vec}".to_string(),
        "pinv" if args.len() == 1 => {
            let base = script_base(tex(&args[0]), false);
            return Tex {
                s: format!("{base}^{{+}}"),
                prec: SCRIPT,
                sub: false,
                sup: true,
            };
        }
        n if is_symbol(n) => name(n).s,
        n => format!("\\operatorname{{{n}}}"),
    };
    let args: Vec<String> = args.iter().map(expr).collect();
    Tex::new(format!("{f}({})", args.join(", ")), ATOM)
}

/// One letter, optionally followed by digits.
fn is_symbol(n: &str) -> bool {
    let mut chars = n.chars();
    chars.next().is_some() && chars.all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::ast::Item;
    use crate::lang::parser::parse_block;

    fn stmts(src: &str) -> Vec<Stmt> {
        parse_block(src)
            .into_iter()
            .map(|item| match item {
                Item::Stmt(s) => s,
                Item::Error(e) => panic!("{src}: {e:?}"),
            })
            .collect()
    }

    fn latex(src: &str) -> String {
        match stmts(src).as_slice() {
            [s] => stmt(s),
            other => panic!("{other:?}"),
        }
    }

    /// The LaTeX of `show src`, without the `\text{show }`.
    fn ex(src: &str) -> String {
        latex(&format!("show {src}"))["\\text{show } ".len()..].to_string()
    }

    /// pulldown-latex understands `tex` and renders it to MathML.
    fn assert_renders(tex: &str) {
        let storage = pulldown_latex::Storage::new();
        let events: Vec<_> = pulldown_latex::Parser::new(tex, &storage).collect();
        if let Some(Err(e)) = events.iter().find(|e| e.is_err()) {
            panic!("{tex}: {e}");
        }
        let mut out = String::new();
        let config = pulldown_latex::RenderConfig::default();
        pulldown_latex::push_mathml(&mut out, events.into_iter(), config)
            .unwrap_or_else(|e| panic!("{tex}: {e}"));
    }

    #[test]
    fn statements() {
        assert_eq!(
            latex("let W ∈ R^{n×m}"),
            "\\text{let } W \\in \\mathbb{R}^{n \\times m}"
        );
        assert_eq!(
            latex("let x, y ∈ R^m const"),
            "\\text{let } x, y \\in \\mathbb{R}^{m} \\;\\text{const}"
        );
        assert_eq!(
            latex("let φ : R^{1×C} → R"),
            "\\text{let } \\phi : \\mathbb{R}^{1 \\times C} \\to \\mathbb{R}"
        );
        assert_eq!(latex("let f = W x"), "f \\coloneqq W\\,x");
        assert_eq!(latex("let L_i = φ(Z_i)"), "L_{i} \\coloneqq \\phi(Z_{i})");
        assert_eq!(latex("let W1_i = x"), "{W_{1}}_{i} \\coloneqq x");
        assert_eq!(
            latex("show ∂f/∂w"),
            "\\text{show } \\frac{\\partial f}{\\partial w}"
        );
        assert_eq!(
            latex("f = I W x = (x^T ⊗ I) vec(W)"),
            "f = I\\,W\\,x = \\left(x^{\\top} \\otimes I\\right)\\,\\mathrm{vec}(W)"
        );
        assert_eq!(latex("(1c) a ≈ b ≠ c"), "a \\approx b \\neq c");
        assert_eq!(
            latex("∂r/∂A ∈ R^{m×(n k)}"),
            "\\frac{\\partial r}{\\partial A} \\in \\mathbb{R}^{m \\times (n \\times k)}"
        );
        assert_eq!(
            latex("let A ∈ Sym^n"),
            "\\text{let } A \\in \\mathrm{Sym}^{n}"
        );
        assert_eq!(latex("let s ∈ R"), "\\text{let } s \\in \\mathbb{R}");
    }

    #[test]
    fn links() {
        let s = &stmts("f = W x ∈ R^n")[0];
        let StmtKind::Claim { head, links } = &s.kind else {
            panic!()
        };
        assert_eq!(link(head, &links[0]), "f = W\\,x");
        let StmtKind::Claim { head, .. } = &s.kind else {
            panic!()
        };
        let Rhs::Expr(mid) = &links[0].rhs else {
            panic!()
        };
        assert_eq!(link(mid, &links[1]), "W\\,x \\in \\mathbb{R}^{n}");
        assert_eq!(expr(head), "f");
    }

    #[test]
    fn names() {
        assert_eq!(ex("W1"), "W_{1}");
        assert_eq!(ex("Wx"), "\\mathit{Wx}");
        assert_eq!(ex("dX"), "\\mathrm{d}X");
        assert_eq!(ex("dW1"), "\\mathrm{d}W_{1}");
        assert_eq!(ex("\\alpha"), "\\alpha");
        assert_eq!(ex("αβ"), "\\mathit{\\alpha\\beta}");
        assert_eq!(ex("αb"), "\\mathit{\\alpha b}");
        assert_eq!(ex("I_n"), "I_{n}");
        assert_eq!(ex("1_n"), "\\mathbf{1}_{n}");
        assert_eq!(ex("1_N^T"), "\\mathbf{1}_{N}^{\\top}");
    }

    #[test]
    fn parentheses_follow_precedence() {
        assert_eq!(ex("W x + b"), "W\\,x + b");
        assert_eq!(ex("W (x + b)"), "W\\,\\left(x + b\\right)");
        assert_eq!(ex("(a + b)^T"), "\\left(a + b\\right)^{\\top}");
        assert_eq!(ex("a - (b - c)"), "a - \\left(b - c\\right)");
        assert_eq!(ex("(a - b) - c"), "a - b - c");
        assert_eq!(ex("a (b c)"), "a\\,\\left(b\\,c\\right)");
        assert_eq!(ex("-a b"), "-a\\,b");
        assert_eq!(ex("-(a b)"), "-\\left(a\\,b\\right)");
        assert_eq!(ex("a * -b"), "a\\,\\left(-b\\right)");
        assert_eq!(ex("a + -b"), "a + \\left(-b\\right)");
        assert_eq!(ex("2 x"), "2\\,x");
        assert_eq!(ex("x 2"), "x \\cdot 2");
        assert_eq!(ex("2 * 3"), "2 \\cdot 3");
        assert_eq!(ex("(P - Y)/N"), "\\frac{P - Y}{N}");
        assert_eq!(ex("a ⊙ b ⊘ c"), "\\left(a \\odot b\\right) \\oslash c");
        assert_eq!(ex("a ⊙ b ⊙ c"), "a \\odot b \\odot c");
        assert_eq!(ex("a ⊙ (b ⊘ c)"), "a \\odot \\left(b \\oslash c\\right)");
        assert_eq!(ex("a b ⊗ c"), "a\\,b \\otimes c");
        assert_eq!(
            ex("(A ⊗ B)(C ⊗ D)"),
            "\\left(A \\otimes B\\right)\\,\\left(C \\otimes D\\right)"
        );
        assert_eq!(ex("(A + B) ⊗ C"), "\\left(A + B\\right) \\otimes C");
        assert_eq!(
            ex("∂²f/∂x∂x^T"),
            "\\frac{\\partial^2 f}{\\partial x \\partial x^{\\top}}"
        );
        assert_eq!(
            ex("\\hat{w} + x̄ + ℓ + π"),
            "\\hat{w} + \\bar{x} + \\ell + \\pi"
        );
        assert_eq!(ex("X^+"), "X^{+}");
        assert_eq!(ex("∑_{i=1}^{n} x_i"), "\\sum_{i=1}^{n} x_{i}");
        assert_eq!(ex("a / b c"), "\\frac{a}{b}\\,c");
        assert_eq!(ex("(A B)_ik"), "\\left(A\\,B\\right)_{ik}");
        assert_eq!(ex("x^T^T"), "{x^{\\top}}^{\\top}");
        assert_eq!(ex("W_i^T"), "W_{i}^{\\top}");
        assert_eq!(ex("W^T_i"), "{W^{\\top}}_{i}");
        assert_eq!(ex("W1_i"), "{W_{1}}_{i}");
        assert_eq!(ex("W1^T"), "W_{1}^{\\top}");
        assert_eq!(ex("A^{-1} A^{-T} A^2"), "A^{-1}\\,A^{-\\top}\\,A^{2}");
    }

    #[test]
    fn sums_derivatives_and_the_rest() {
        assert_eq!(ex("∑_i L_i + 1"), "\\sum_{i} L_{i} + 1");
        assert_eq!(ex("(∑_i L_i) x"), "\\left(\\sum_{i} L_{i}\\right)\\,x");
        assert_eq!(
            ex("∑_i (a_i + b_i)"),
            "\\sum_{i} \\left(a_{i} + b_{i}\\right)"
        );
        assert_eq!(ex("∑_{ij} A_ij"), "\\sum_{i} \\sum_{j} A_{ij}");
        assert_eq!(ex("δ_ij"), "\\delta_{ij}");
        assert_eq!(ex("x_{\\mu\\nu}"), "x_{\\mu\\nu}");
        assert_eq!(ex("x_{\\mu j}"), "x_{\\mu j}");
        assert_eq!(ex("A_{1,2} A_{12} x_{n1}"), "A_{12}\\,A_{12}\\,x_{n_{1}}");
        assert_eq!(
            ex("∂(v_i A_ij v_j)/∂v_k"),
            "\\frac{\\partial \\left(v_{i}\\,A_{ij}\\,v_{j}\\right)}{\\partial v_{k}}"
        );
        assert_eq!(
            ex("∂f/∂vec(W)"),
            "\\frac{\\partial f}{\\partial \\mathrm{vec}(W)}"
        );
        assert_eq!(ex("∂f/∂W^T"), "\\frac{\\partial f}{\\partial W^{\\top}}");
        assert_eq!(ex("d(X^{-1})"), "\\mathrm{d}\\left(X^{-1}\\right)");
        assert_eq!(ex("d(X)"), "\\mathrm{d}X");
        assert_eq!(
            ex("[1 2; 3 4]"),
            "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"
        );
        assert_eq!(
            ex("tr(A) exp(x) logdet(A) φ(x)"),
            "\\operatorname{tr}(A)\\,\\exp(x)\\,\\operatorname{logdet}(A)\\,\\phi(x)"
        );
        assert_eq!(ex("0.5 x"), "0.5\\,x");
    }

    #[test]
    fn every_output_renders() {
        let src = "let W ∈ R^{n×m}\nlet x, y ∈ R^m const\nlet φ : R^{1×C} → R\n\
                   let A ∈ OneHot^{N×C}\nlet S ∈ SPD^{n1}\nlet L_i = φ(Z_i)\nlet W1_i = x\n\
                   f = I W x = (x^T ⊗ I) vec(W)\n∂r/∂A ∈ R^{(k×l×m)×n}\n\
                   ∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn = δ_im x_n\n\
                   ∂L/∂b = ∑_i ∂L_i/∂b = ∑_i ∂L_i/∂Z_i\n∂L/∂b = 1_N^T ∂L/∂Z\n\
                   d(X^{-1}) = -X^{-1} dX X^{-1}\n(P - Y)/N ≈ 2^n det(A)\nshow [1 2; 3 4]\n\
                   x^T^T = W1^T_i ≠ (A B)_ik ⊙ a ⊘ b\nΑ ο Ω = αβ + Wx\n\
                   ∑_{ij} A_{1,2} x_{\\mu\\nu} = A^{1/2} A^{-1} A^{-T} sigmoid(x)\n\
                   d(X)/d(Y) = \\frac{a}{b} 2 * 3 - -x";
        for s in stmts(src) {
            assert_renders(&stmt(&s));
        }
    }

    #[test]
    fn everything_the_parser_accepts_renders() {
        let pieces = [
            "(",
            ")",
            "[",
            "]",
            "_i",
            "^T",
            "^{-1}",
            "^2",
            "'",
            "-",
            "+",
            "*",
            "/",
            "⊗",
            "⊙",
            "=",
            "≈",
            "∈ R^{n×m}",
            " x",
            " W1",
            " φ",
            " 2",
            " 0.5",
            ",",
            ";",
            "∂f/∂",
            "∑_i ",
            "δ_ij",
            "d(",
            "1_n",
            "vec(",
            "\\frac{a}{b}",
            " ",
        ];
        let mut state = 11u64;
        for _ in 0..3000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            let len = (state >> 40) % 14;
            let src: String = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    pieces[((state >> 33) % pieces.len() as u64) as usize]
                })
                .collect();
            for item in parse_block(&src) {
                if let Item::Stmt(s) = item {
                    assert_renders(&stmt(&s));
                }
            }
        }
    }
}
