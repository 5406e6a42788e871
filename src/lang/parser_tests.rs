//! Unit tests of the parser.

use super::*;

/// A compact rendering of an expression, to compare trees.
fn sx(e: &Expr) -> String {
    let list = |es: &[Expr], sep: &str| es.iter().map(sx).collect::<Vec<_>>().join(sep);
    match &e.kind {
        ExprKind::Num(v) => format!("{v}"),
        ExprKind::Name(i) => i.name.clone(),
        ExprKind::Matrix(rows) => {
            let rows: Vec<String> = rows.iter().map(|r| list(r, " ")).collect();
            format!("[{}]", rows.join("; "))
        }
        ExprKind::Neg(x) => format!("(neg {})", sx(x)),
        ExprKind::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", op.symbol(), sx(lhs), sx(rhs))
        }
        ExprKind::Transpose(x) => format!("(T {})", sx(x)),
        ExprKind::Inverse(x) => format!("(inv {})", sx(x)),
        ExprKind::InverseTranspose(x) => format!("(invT {})", sx(x)),
        ExprKind::Pow(x, k) => format!("(^ {} {})", sx(x), sx(k)),
        ExprKind::Call { func, args } => format!("{}({})", func.name, list(args, ", ")),
        ExprKind::Subscript { base, subs } => format!("(_ {} {})", sx(base), subs_sx(subs)),
        ExprKind::Deriv { y, x } => format!("(∂ {} {})", sx(y), sx(x)),
        ExprKind::Differential(x) => format!("(d {})", sx(x)),
        ExprKind::Sum { index, body } => format!("(∑{} {})", index.name, sx(body)),
        ExprKind::Delta(a, b) => format!("(δ {})", subs_sx(&[a.clone(), b.clone()])),
        ExprKind::BoundedSum { index, upper, body } => {
            let f: Vec<String> = upper
                .factors
                .iter()
                .map(|f| match f {
                    DimFactor::Int(n) => n.to_string(),
                    DimFactor::Sym(s) => s.clone(),
                })
                .collect();
            format!("(∑{}..{} {})", index.name, f.join("·"), sx(body))
        }
        ExprKind::At { expr, binds } => {
            let b: Vec<String> = binds
                .iter()
                .map(|(n, v)| format!("{}={}", n.name, sx(v)))
                .collect();
            format!("(at {} {})", sx(expr), b.join(","))
        }
    }
}

fn subs_sx(subs: &[Sub]) -> String {
    let items: Vec<String> = subs
        .iter()
        .map(|s| match s {
            Sub::Letter(i) => i.name.clone(),
            Sub::Int(n, _) => format!("#{n}"),
            Sub::Affine(e) => format!("<{}>", sx(e)),
        })
        .collect();
    items.join(" ")
}

fn space_sx(s: &Space) -> String {
    let axes: Vec<String> = s
        .axes
        .iter()
        .map(|d| {
            let f: Vec<String> = d
                .factors
                .iter()
                .map(|f| match f {
                    DimFactor::Int(n) => n.to_string(),
                    DimFactor::Sym(s) => s.clone(),
                })
                .collect();
            f.join("·")
        })
        .collect();
    format!("{}[{}]", s.kind.name(), axes.join("×"))
}

fn rel_sx(r: Rel) -> &'static str {
    r.symbol()
}

fn stmt_sx(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Declare {
            names,
            space,
            konst,
        } => {
            let names: Vec<&str> = names.iter().map(|n| n.name.as_str()).collect();
            let konst = if *konst { " const" } else { "" };
            format!("let {} ∈ {}{konst}", names.join(", "), space_sx(space))
        }
        StmtKind::FnDecl {
            name,
            domain,
            codomain,
        } => format!(
            "let {} : {} → {}",
            name.name,
            space_sx(domain),
            space_sx(codomain)
        ),
        StmtKind::Define {
            name,
            indices,
            expr,
        } => {
            let idx: Vec<&str> = indices.iter().map(|i| i.name.as_str()).collect();
            format!("let {}[{}] := {}", name.name, idx.join(" "), sx(expr))
        }
        StmtKind::Claim { head, links } => {
            let mut out = sx(head);
            for l in links {
                let rhs = match &l.rhs {
                    Rhs::Expr(e) => sx(e),
                    Rhs::Space(s) => space_sx(s),
                };
                out.push_str(&format!(" {} {rhs}", rel_sx(l.rel)));
            }
            out
        }
        StmtKind::Show { expr } => format!("show {}", sx(expr)),
    }
}

/// The single statement of `src`.
fn one(src: &str) -> Stmt {
    match parse_block(src).as_slice() {
        [Item::Stmt(s)] => s.clone(),
        other => panic!("{src:?}: expected one statement, got {other:?}"),
    }
}

fn parsed(src: &str) -> String {
    stmt_sx(&one(src))
}

/// The expression of `show src`.
fn ex(src: &str) -> String {
    match one(&format!("show {src}")).kind {
        StmtKind::Show { expr } => sx(&expr),
        k => panic!("{k:?}"),
    }
}

/// The single error of `src`.
fn err(src: &str) -> Diagnostic {
    match parse_block(src).as_slice() {
        [Item::Error(e)] => e.clone(),
        other => panic!("{src:?}: expected one error, got {other:?}"),
    }
}

fn at(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

fn summary(src: &str) -> Vec<String> {
    parse_block(src)
        .iter()
        .map(|item| match item {
            Item::Stmt(s) => stmt_sx(s),
            Item::Error(e) => format!("error: {}", e.message),
        })
        .collect()
}

// -- statements --------------------------------------------------------

#[test]
fn declarations() {
    assert_eq!(parsed("let W ∈ R^{n×m}"), "let W ∈ R[n×m]");
    assert_eq!(parsed("let x, y ∈ R^m"), "let x, y ∈ R[m]");
    assert_eq!(parsed("let A ∈ Sym^n"), "let A ∈ Sym[n]");
    assert_eq!(parsed("let A ∈ R^{m×n} const"), "let A ∈ R[m×n] const");
    assert_eq!(
        parsed("let \\mathbf{W} \\in \\mathbb{R}^{n \\times m}"),
        "let W ∈ R[n×m]"
    );
    assert_eq!(parsed("let x in R^3"), "let x ∈ R[3]");
    assert_eq!(parsed("let v ∈ ℝ^{n1}"), "let v ∈ R[n1]");
    assert_eq!(parsed("let s ∈ R"), "let s ∈ R[]");
    assert_eq!(parsed("let Y ∈ OneHot^{N×C}"), "let Y ∈ OneHot[N×C]");
    assert_eq!(parsed("let S ∈ \\mathrm{SPD}^n"), "let S ∈ SPD[n]");
    assert_eq!(parsed("let Q ∈ Orth^3"), "let Q ∈ Orth[3]");
    assert_eq!(parsed("let D ∈ Diag^n"), "let D ∈ Diag[n]");
    assert_eq!(parsed("let P ∈ Pos^{p×q}"), "let P ∈ Pos[p×q]");
}

#[test]
fn dimension_lists() {
    let space = |s: &str| parsed(&format!("let A ∈ {s}"))["let A ∈ ".len()..].to_string();
    assert_eq!(space("R^{m×(n k)}"), "R[m×n·k]");
    assert_eq!(space("R^{m×(n×k)}"), "R[m×n·k]");
    assert_eq!(space("R^{m×(n*k)}"), "R[m×n·k]");
    assert_eq!(space("R^{(k×l×m)×n}"), "R[k·l·m×n]");
    assert_eq!(space("R^{m×n×k}"), "R[m×n×k]");
    assert_eq!(space("R^{2x3}"), "R[2×3]");
    assert_eq!(space("R^{2xn}"), "R[2×n]");
    assert_eq!(space("R^{n x m}"), "R[n×m]");
    assert_eq!(space("R^{n*m}"), "R[n×m]");
    assert_eq!(space("R^{(m×n)×(k×l)}"), "R[m·n×k·l]");
    assert_eq!(space("R^{1×C}"), "R[1×C]");
}

#[test]
fn dimension_errors_suggest_the_split() {
    let src = "let W ∈ R^{nxm}";
    let e = err(src);
    assert_eq!(
        e.message,
        "dimension 'nxm' is not a dimension symbol (one letter, optionally digits); did you mean R^{n×m}?"
    );
    assert_eq!(at(src, e.span), "nxm");
    let e = err("let W ∈ R^{nm}");
    assert!(
        e.message
            .ends_with("did you mean R^{n×m} (two axes) or R^{(n m)} (one axis of their product)?"),
        "{}",
        e.message
    );
    assert!(
        err("let W ∈ R^nxm")
            .message
            .ends_with("did you mean R^{n×m}?")
    );
    assert!(
        err("let W ∈ \\mathbb{R}^{nxm}")
            .message
            .ends_with("did you mean \\mathbb{R}^{n×m}?")
    );
    assert!(
        err("let W ∈ R^{m×(nk)}")
            .message
            .ends_with("did you mean R^{m×(n k)}?")
    );
    assert!(
        err("let W ∈ R^{2xnm}")
            .message
            .ends_with("did you mean R^{2×n×m}?")
    );
    assert!(
        err("let W ∈ R^{n m}")
            .message
            .starts_with("two dimensions need '×'")
    );
    assert_eq!(err("let W ∈ R^{}").message, "empty dimensions");
    assert_eq!(err("let W ∈ R^{n×m").message, "unclosed '{' opened here");
    assert_eq!(err("let W ∈ R^{(n×m}").message, "unclosed '(' opened here");
    assert!(err("let W ∈ R^{2.5}").message.contains("'2.5'"));
    assert!(err("let W ∈ R^{n+m}").message.starts_with("unexpected '+'"));
    assert!(
        err("let W ∈ Q^n")
            .message
            .starts_with("expected a space (R, Sym")
    );
}

#[test]
fn function_declarations() {
    for arrow in ["→", "->", "\\to"] {
        assert_eq!(
            parsed(&format!("let φ : R^{{1×C}} {arrow} R")),
            "let φ : R[1×C] → R[]"
        );
    }
    assert_eq!(
        parsed("let \\psi : R^{k×l} → R^{m×n}"),
        "let ψ : R[k×l] → R[m×n]"
    );
    assert!(err("let φ : R^n R").message.starts_with("expected '→'"));
}

#[test]
fn definitions() {
    assert_eq!(parsed("let f = W x"), "let f[] := (· W x)");
    assert_eq!(parsed("let L_i = φ(Z_i)"), "let L[i] := φ((_ Z i))");
    assert_eq!(parsed("let w = vec(W)"), "let w[] := vec(W)");
    assert_eq!(parsed("let A = [1 2; 3 4]"), "let A[] := [1 2; 3 4]");
    assert_eq!(parsed("let f := W x"), "let f[] := (· W x)");
    assert_eq!(parsed("let A_{ij} = B_ji"), "let A[i j] := (_ B j i)");
    assert!(err("let L_1 = x").message.starts_with("an indexed family"));
    let e = err("let f = a = b");
    assert!(e.message.starts_with("a definition has a single '='"));
    assert_eq!(e.span, Span::new(10, 11));
    assert!(
        err("let f(x) = x")
            .message
            .starts_with("a definition names a value")
    );
    assert!(
        err("let = 3")
            .message
            .starts_with("expected a name after 'let'")
    );
    assert!(
        err("let x")
            .message
            .starts_with("expected '∈', ':' or '=' after 'x'")
    );
}

#[test]
fn show() {
    assert_eq!(parsed("show ∂f/∂w"), "show (∂ f w)");
    assert!(
        err("show")
            .message
            .starts_with("expected an expression after 'show'")
    );
}

#[test]
fn claims_and_every_relation() {
    assert_eq!(parsed("f = I W x"), "f = (· (· I W) x)");
    assert_eq!(parsed("a ≈ b"), "a ≈ b");
    assert_eq!(parsed("a ~= b \\approx c"), "a ≈ b ≈ c");
    assert_eq!(parsed("a ≠ b != c \\neq d \\ne e"), "a ≠ b ≠ c ≠ d ≠ e");
    assert_eq!(parsed("∂r/∂A ∈ R^{m×(n k)}"), "(∂ r A) ∈ R[m×n·k]");
    assert_eq!(parsed("x in R^n"), "x ∈ R[n]");
    assert_eq!(parsed("x \\in \\mathbb{R}^{n}"), "x ∈ R[n]");
    assert_eq!(parsed("a = b ∈ R^n"), "a = b ∈ R[n]");
    let e = err("W x");
    assert_eq!(
        e.message,
        "a claim needs a relation (=, ≈, ≠, ∈); to name a value write `let NAME = …`"
    );
    assert_eq!(e.span, Span::new(0, 3));
    assert!(
        err("x ∈ R^n = y")
            .message
            .starts_with("nothing can follow a space")
    );
}

#[test]
fn relation_spans() {
    let src = "f = a ≈ b";
    let StmtKind::Claim { links, .. } = one(src).kind else {
        panic!()
    };
    assert_eq!(at(src, links[0].rel_span), "=");
    assert_eq!(at(src, links[1].rel_span), "≈");
}

#[test]
fn continuation_lines() {
    let src = "f = W x\n  = I W x\n  = (x^T ⊗ I) vec(W)";
    let s = one(src);
    assert_eq!(
        stmt_sx(&s),
        "f = (· W x) = (· (· I W) x) = (· (⊗ (T x) I) vec(W))"
    );
    assert_eq!(s.span, Span::new(0, src.len()));
    let StmtKind::Claim { links, .. } = &s.kind else {
        panic!()
    };
    assert_eq!(links[1].rel_span, Span::new(10, 11));
    // blank lines and comments between are ignored
    assert_eq!(parsed("a = b\n\n# why\n  ≈ c # because"), "a = b ≈ c");
    // ASCII and LaTeX relations continue too
    assert_eq!(parsed("a = b\n!= c\n\\in R"), "a = b ≠ c ∈ R[]");
}

#[test]
fn continuation_errors() {
    assert_eq!(
        summary("= a"),
        [
            "error: a line that starts with a relation continues the claim before it, but there is no statement before it"
        ]
    );
    assert_eq!(
        summary("let f = W x\n = y"),
        [
            "let f[] := (· W x)",
            "error: a line that starts with a relation continues the claim before it, but the statement before it is a definition"
        ]
    );
    // a continuation belongs to its statement's error
    assert_eq!(
        summary("a = (b\n = c\nd = e"),
        ["error: unclosed '(' opened here", "d = e"]
    );
    // an error in a continuation line makes the statement an error
    let src = "a = b\n = c +";
    let e = err(src);
    assert_eq!(e.message, "expected an expression after '+'");
    assert_eq!(at(src, e.span), "+");
    assert_eq!(
        summary("a = b\n(2) = c"),
        [
            "a = b",
            "error: a label goes on the first line of a chain, not on a continuation line"
        ]
    );
}

#[test]
fn labels() {
    let s = one("(1c) ∂f_i/∂W_mn = δ_im x_n");
    assert_eq!(s.label.as_deref(), Some("1c"));
    assert_eq!(s.span.start, 5);
    assert_eq!(one("(2.2) x = y").label.as_deref(), Some("2.2"));
    assert_eq!(one("  (3) x = y").label.as_deref(), Some("3"));
    assert_eq!(one("x = y").label, None);
    // only at the start of a line: a later statement has none
    let items = parse_block("(1) a = b; c = d");
    let labels: Vec<Option<String>> = items
        .iter()
        .map(|i| match i {
            Item::Stmt(s) => s.label.clone(),
            Item::Error(_) => panic!(),
        })
        .collect();
    assert_eq!(labels, [Some("1".to_string()), None]);
    // without a space it is a factor
    assert_eq!(parsed("(2)x = y"), "(· 2 x) = y");
    assert_eq!(
        summary("(1)"),
        ["error: a label must be followed by a statement on the same line"]
    );
}

#[test]
fn semicolons_comments_and_blank_lines() {
    assert_eq!(
        summary("let x ∈ R^n; let y ∈ R^n # two\n\n  x = y ; ;"),
        ["let x ∈ R[n]", "let y ∈ R[n]", "x = y"]
    );
    assert_eq!(
        summary("let A = [1 2; 3 4]; A = A"),
        ["let A[] := [1 2; 3 4]", "A = A"]
    );
    assert_eq!(summary("# only a comment\n\n"), Vec::<String>::new());
}

#[test]
fn statement_spans_are_byte_offsets() {
    let src = "let x ∈ R^n\n(1) φ(x) = y  # c";
    let items = parse_block(src);
    let Item::Stmt(s) = &items[1] else { panic!() };
    assert_eq!(at(src, s.span), "φ(x) = y");
}

// -- expressions -------------------------------------------------------

#[test]
fn precedence() {
    assert_eq!(ex("W x + b"), "(+ (· W x) b)");
    assert_eq!(ex("-a b"), "(· (neg a) b)");
    assert_eq!(ex("a - b"), "(- a b)");
    assert_eq!(ex("a -b"), "(- a b)");
    assert_eq!(ex("a * -b"), "(· a (neg b))");
    assert_eq!(ex("x^T ⊗ I"), "(⊗ (T x) I)");
    // ⊗ binds looser than every product (spec §3.2).
    assert_eq!(ex("a ⊙ b ⊘ c ⊗ d / e"), "(⊗ (⊘ (⊙ a b) c) (/ d e))");
    assert_eq!(ex("A C ⊗ B D"), "(⊗ (· A C) (· B D))");
    assert_eq!(ex("(A ⊗ B)(C ⊗ D)"), "(· (⊗ A B) (⊗ C D))");
    assert_eq!(ex("B ⊗ c a^T"), "(⊗ B (· c (T a)))");
    assert_eq!(ex("A ⊗ B + C"), "(+ (⊗ A B) C)");
    assert_eq!(ex("A ⊗ B ⊗ C"), "(⊗ (⊗ A B) C)");
    assert_eq!(ex("a + b c - d"), "(- (+ a (· b c)) d)");
    assert_eq!(ex("-x^T"), "(neg (T x))");
    assert_eq!(ex("- - x"), "(neg (neg x))");
    assert_eq!(ex("2^n det(A)"), "(· (^ 2 n) det(A))");
    assert_eq!(ex("(P - Y)/N"), "(/ (- P Y) N)");
    assert_eq!(ex("a (b + c)"), "(· a (+ b c))");
    assert_eq!(ex("W (x)"), "(· W x)");
    assert_eq!(ex("a .* b ./ c"), "(⊘ (⊙ a b) c)");
    assert_eq!(ex("a · b ⋅ c \\cdot d * e"), "(· (· (· (· a b) c) d) e)");
    assert_eq!(
        ex("a ∘ b \\odot c \\oslash d \\otimes e"),
        "(⊗ (⊘ (⊙ (⊙ a b) c) d) e)"
    );
    assert_eq!(ex("a − b"), "(- a b)");
}

#[test]
fn transposes_inverses_and_powers() {
    for t in [
        "x^T",
        "xᵀ",
        "x'",
        "x^\\top",
        "x^{T}",
        "x^{\\top}",
        "x^ T",
        "x^\\intercal",
    ] {
        assert_eq!(ex(t), "(T x)", "{t}");
    }
    assert_eq!(ex("x^Tx"), "(· (T x) x)");
    assert_eq!(ex("A^{-1}"), "(inv A)");
    assert_eq!(ex("A^-1"), "(inv A)");
    assert_eq!(ex("A^{-T}"), "(invT A)");
    assert_eq!(ex("A^-T"), "(invT A)");
    assert_eq!(ex("A^{-\\top}"), "(invT A)");
    assert_eq!(ex("A^2"), "(^ A 2)");
    assert_eq!(ex("A^12"), "(^ A 12)");
    assert_eq!(ex("A^k"), "(^ A k)");
    assert_eq!(ex("A^{1/2}"), "(^ A (/ 1 2))");
    assert_eq!(ex("A^{-2}"), "(^ A (neg 2))");
    assert_eq!(ex("A^-2"), "(^ A -2)");
    assert_eq!(ex("A^{k}"), "(^ A k)");
    assert_eq!(ex("A^\\alpha"), "(^ A α)");
    assert_eq!(ex("x''"), "(T (T x))");
}

#[test]
fn subscripts() {
    assert_eq!(ex("Z_i"), "(_ Z i)");
    assert_eq!(ex("W_{ij}"), "(_ W i j)");
    assert_eq!(ex("W_{i,j}"), "(_ W i j)");
    assert_eq!(ex("W_{i j}"), "(_ W i j)");
    assert_eq!(ex("W_ij"), "(_ W i j)");
    assert_eq!(ex("W_mn"), "(_ W m n)");
    assert_eq!(ex("x_n1"), "(_ x n1)");
    assert_eq!(ex("A_{1,2}"), "(_ A #1 #2)");
    assert_eq!(ex("A_{12}"), "(_ A #12)");
    assert_eq!(ex("A_12"), "(_ A #1 #2)");
    assert_eq!(ex("A_1"), "(_ A #1)");
    assert_eq!(ex("W_i^T"), "(T (_ W i))");
    assert_eq!(ex("W^T_i"), "(_ (T W) i)");
    assert_eq!(ex("(A B)_ik"), "(_ (· A B) i k)");
    assert_eq!(ex("1_n"), "(_ 1 n)");
    assert_eq!(ex("\\mathbf{1}_n"), "(_ 1 n)");
    assert_eq!(ex("1_N^T"), "(T (_ 1 N))");
    assert_eq!(ex("I_n"), "(_ I n)");
    assert_eq!(ex("I_{3}"), "(_ I #3)");
    assert_eq!(ex("x_\\alpha"), "(_ x α)");
    assert_eq!(ex("x_{\\mu\\nu}"), "(_ x μ ν)");
    assert_eq!(ex("W_{i+1}"), "(_ W <(+ i 1)>)");
    assert_eq!(
        ex("(P ⊗ R)_{p(i-1)+k, q(j-1)+l}"),
        "(_ (⊗ P R) <(+ p((- i 1)) k)> <(+ q((- j 1)) l)>)"
    );
    assert!(
        err("show W_{i=1}")
            .message
            .starts_with("a subscript holds index letters")
    );
    assert_eq!(err("show W_{}").message, "empty subscript");
}

#[test]
fn subscript_spans() {
    let src = "show W_mn";
    let StmtKind::Show { expr } = one(src).kind else {
        panic!()
    };
    let ExprKind::Subscript { subs, .. } = expr.kind else {
        panic!()
    };
    assert_eq!(at(src, subs[0].span()), "m");
    assert_eq!(at(src, subs[1].span()), "n");
    assert_eq!(at(src, expr.span), "W_mn");
}

#[test]
fn primaries() {
    assert_eq!(ex("2"), "2");
    assert_eq!(ex("0.5"), "0.5");
    assert_eq!(ex("1e-3"), "0.001");
    assert_eq!(ex("W1 b2 Wx"), "(· (· W1 b2) Wx)");
    assert_eq!(ex("φ"), "φ");
    assert_eq!(
        ex("\\phi \\psi \\sigma \\alpha \\delta"),
        "(· (· (· (· φ ψ) σ) α) δ)"
    );
    assert_eq!(ex("\\mathbf{W}\\mathbf{x}"), "(· W x)");
    assert_eq!(ex("\\boldsymbol{W} \\mathit{x}"), "(· W x)");
    assert_eq!(ex("{a + b} c"), "(· (+ a b) c)");
    assert_eq!(ex("\\left( a + b \\right) c"), "(· (+ a b) c)");
    assert_eq!(ex("\\bigl( a \\bigr)"), "a");
    assert_eq!(
        ex("a \\, b \\; c \\quad d \\qquad e \\! f \\: g"),
        "(· (· (· (· (· (· a b) c) d) e) f) g)"
    );
    assert_eq!(ex("dX"), "dX");
}

#[test]
fn calls() {
    assert_eq!(ex("vec(W)"), "vec(W)");
    assert_eq!(ex("kron(A, B)"), "kron(A, B)");
    assert_eq!(ex("W(x)"), "W(x)");
    assert_eq!(ex("\\mathrm{vec}(W)"), "vec(W)");
    assert_eq!(ex("\\operatorname{tr}(A)"), "tr(A)");
    assert_eq!(ex("\\text{vec}(W)"), "vec(W)");
    assert_eq!(ex("\\operatorname{tr} (A)"), "tr(A)");
    for f in ["exp", "log", "det", "tr", "sin", "cos", "tanh"] {
        assert_eq!(ex(&format!("\\{f}(x)")), format!("{f}(x)"));
    }
    assert_eq!(ex("f\\left(x\\right)"), "f(x)");
    assert_eq!(ex("vec(W)^T"), "(T vec(W))");
    assert_eq!(ex("sum(A)"), "sum(A)");
    let e = err("show f(a, b");
    assert_eq!(e.message, "unclosed '(' opened here");
    assert_eq!(e.span, Span::new(6, 7));
    assert!(
        err("show f()")
            .message
            .starts_with("expected an expression after '(', found ')'")
    );
}

#[test]
fn derivatives() {
    assert_eq!(ex("∂f/∂W"), "(∂ f W)");
    assert_eq!(ex("\\partial f/\\partial W"), "(∂ f W)");
    assert_eq!(ex("\\partial f / \\partial W"), "(∂ f W)");
    assert_eq!(ex("d(f)/d(W)"), "(∂ f W)");
    assert_eq!(ex("\\frac{\\partial f}{\\partial W}"), "(∂ f W)");
    assert_eq!(
        ex("\\frac{\\partial \\mathbf{r}}{\\partial \\mathbf{A}}"),
        "(∂ r A)"
    );
    assert_eq!(ex("\\frac{d(f)}{d(W)}"), "(∂ f W)");
    assert_eq!(ex("∂L_i/∂Z_i"), "(∂ (_ L i) (_ Z i))");
    assert_eq!(ex("∂f_i/∂W_mn"), "(∂ (_ f i) (_ W m n))");
    assert_eq!(ex("∂f/∂W^T"), "(∂ f (T W))");
    assert_eq!(ex("∂f/∂vec(W)"), "(∂ f vec(W))");
    assert_eq!(
        ex("∂(v_i A_ij v_j)/∂v_k"),
        "(∂ (· (· (_ v i) (_ A i j)) (_ v j)) (_ v k))"
    );
    assert_eq!(ex("∂L/∂Z ∂Z/∂b"), "(· (∂ L Z) (∂ Z b))");
    assert_eq!(ex("∂f/∂x^T x"), "(· (∂ f (T x)) x)");
    assert_eq!(ex("d(X^{-1})"), "(d (inv X))");
    assert_eq!(ex("d(X Y) - dX Y"), "(- (d (· X Y)) (· dX Y))");
    assert_eq!(ex("d (X)"), "(· d X)");
    assert_eq!(ex("\\frac{a}{b}"), "(/ a b)");
    assert_eq!(ex("\\frac{a + b}{2} c"), "(· (/ (+ a b) 2) c)");
    assert!(
        err("show ∂f")
            .message
            .starts_with("expected '/' (a derivative is written ∂Y/∂X)")
    );
    assert!(err("show ∂f/x").message.starts_with("expected '∂'"));
    // The operator form, second derivatives, evaluation at a point.
    assert_eq!(ex("∂/∂x f g"), "(∂ (· f g) x)");
    assert_eq!(ex("\\frac{\\partial}{\\partial X} E"), "(∂ E X)");
    assert_eq!(ex("∂²f/∂x∂y^T"), "(∂ (∂ f x) (T y))");
    assert_eq!(
        ex("\\frac{\\partial^2 f}{\\partial x \\partial x^\\top}"),
        "(∂ (∂ f x) (T x))"
    );
    assert_eq!(ex("∂²f/∂X_ij∂X_kl"), "(∂ (∂ f (_ X i j)) (_ X k l))");
    assert_eq!(ex("∂J/∂w |_{w = v}"), "(at (∂ J w) w=v)");
    assert_eq!(ex("E \\big|_{X=V, Y=U}"), "(at E X=V,Y=U)");
    assert_eq!(
        ex("X^+ X^\\dagger X^{+}"),
        "(· (· pinv(X) pinv(X)) pinv(X))"
    );
    assert!(err("show |x|").message.contains("abs(x)"));
    assert!(err("show x²").message.contains("x^2"));
    assert!(
        err("show ∂/∂x")
            .message
            .starts_with("expected an expression")
    );
}

#[test]
fn deltas() {
    assert_eq!(ex("δ_ij"), "(δ i j)");
    assert_eq!(ex("\\delta_{ij}"), "(δ i j)");
    assert_eq!(ex("δ_{i,j}"), "(δ i j)");
    assert_eq!(ex("δ_im x_n"), "(· (δ i m) (_ x n))");
    assert_eq!(ex("δ"), "δ");
    let e = err("show δ_i");
    assert!(
        e.message
            .starts_with("δ (the Kronecker delta) takes exactly two indices")
    );
    assert_eq!(e.span, Span::new(5, 9));
}

#[test]
fn sums() {
    assert_eq!(ex("∑_i L_i + 1"), "(+ (∑i (_ L i)) 1)");
    assert_eq!(
        ex("∑_i ∂L_i/∂Z_i ∂Z_i/∂b"),
        "(∑i (· (∂ (_ L i) (_ Z i)) (∂ (_ Z i) b)))"
    );
    for s in ["sum_i", "\\sum_i", "\\sum_{i}", "Σ_i", "∑_{i}"] {
        assert_eq!(ex(&format!("{s} x_i")), "(∑i (_ x i))", "{s}");
    }
    assert_eq!(ex("∑_{ij} A_ij"), "(∑i (∑j (_ A i j)))");
    assert_eq!(ex("2 ∑_i x_i y_i"), "(· 2 (∑i (· (_ x i) (_ y i))))");
    assert_eq!(ex("-∑_i x_i"), "(neg (∑i (_ x i)))");
    assert_eq!(ex("\\Sigma_{ij}"), "(_ Σ i j)");
    assert_eq!(ex("\\sum_{i=1}^N x_i"), "(∑i..N (_ x i))");
    assert_eq!(ex("∑_{i=1}^{n} δ_ii"), "(∑i..n (δ i i))");
    assert!(
        err("show \\sum_{i=0}^N x_i")
            .message
            .starts_with("a sum's lower bound is 1")
    );
    assert!(
        err("show \\sum_i^N x_i")
            .message
            .starts_with("a sum with an upper bound needs its lower bound")
    );
    assert!(err("show ∑ x").message.starts_with("expected its index"));
    assert!(
        err("show ∑_1 x")
            .message
            .starts_with("a sum's index is a letter")
    );
}

#[test]
fn matrices() {
    assert_eq!(ex("[1 2; 3 4]"), "[1 2; 3 4]");
    assert_eq!(ex("[1, -2; x 0]"), "[1 (neg 2); x 0]");
    assert_eq!(ex("[a -b]"), "[a (neg b)]");
    assert_eq!(ex("[a - b]"), "[(- a b)]");
    assert_eq!(ex("[a-b]"), "[(- a b)]");
    assert_eq!(ex("[2x y]"), "[(· 2 x) y]");
    assert_eq!(ex("[W x, b]"), "[(· W x) b]");
    assert_eq!(ex("[(W x) b]"), "[(· W x) b]");
    assert_eq!(ex("[x' y']"), "[(T x) (T y)]");
    assert_eq!(ex("[f(a b) c]"), "[f((· a b)) c]");
    assert_eq!(ex("[a * b c]"), "[(· a b) c]");
    assert_eq!(
        ex("\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"),
        "[1 2; 3 4]"
    );
    assert_eq!(ex("\\begin{bmatrix} a b & c \\end{bmatrix}"), "[(· a b) c]");
    assert_eq!(ex("[1 2] x"), "(· [1 2] x)");
    assert!(
        err("show [1 2; 3]")
            .message
            .starts_with("row 2 has 1 entries but row 1 has 2")
    );
    assert_eq!(err("show [1 2; 3 4").message, "unclosed '[' opened here");
    assert_eq!(err("show []").message, "empty matrix row");
    assert_eq!(err("show [1,]").message, "expected an entry after ','");
    assert!(err("show [1 = 2]").message.starts_with("unexpected '='"));
}

// -- errors ------------------------------------------------------------

#[test]
fn errors_have_messages_and_spans() {
    let src = "f = a +";
    let e = err(src);
    assert_eq!(e.message, "expected an expression after '+'");
    assert_eq!(at(src, e.span), "+");
    let src = "f = (a + b";
    let e = err(src);
    assert_eq!(e.message, "unclosed '(' opened here");
    assert_eq!(at(src, e.span), "(");
    let src = "f = a ) b";
    let e = err(src);
    assert_eq!(e.message, "unexpected ')'");
    assert_eq!(at(src, e.span), ")");
    let src = "f = \\foo x";
    let e = err(src);
    assert_eq!(e.message, "unknown LaTeX command '\\foo'");
    assert_eq!(at(src, e.span), "\\foo");
    let src = "f = a × b";
    assert!(
        err(src)
            .message
            .starts_with("'×' goes between the dimensions")
    );
    let src = "f = a + ) b";
    let e = err(src);
    assert_eq!(e.message, "expected an expression after '+', found ')'");
    assert_eq!(at(src, e.span), ")");
    assert_eq!(
        err("f = (a]").message,
        "expected ')' to close the '(', found ']'"
    );
}

#[test]
fn an_error_does_not_stop_the_block() {
    assert_eq!(
        summary("let x ∈ R^n\nx = (\nlet y ∈ R^n; y = ) ; z = z\nshow y"),
        [
            "let x ∈ R[n]",
            "error: expected an expression after '('",
            "let y ∈ R[n]",
            "error: expected an expression after '=', found ')'",
            "z = z",
            "show y"
        ]
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("f = {}x{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(err(&deep).message, "expression nested too deeply");
    let minus = format!("f = {}x", "-".repeat(100));
    assert_eq!(err(&minus).message, "expression nested too deeply");
    let long = format!("f = x{}", " + x".repeat(600));
    assert!(err(&long).message.contains("too long"));
}

/// A small deterministic generator, so the garbage is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn garbage_never_panics() {
    // '|' separates the pieces the garbage is made of.
    let pieces: Vec<&str> = "(|)|[|]|{|}|\\left(|\\right)|_|^|'|ᵀ|-|+|*|/|./|.*|=|≈|~|~=|!|!=|∈|in|R|ℝ|×|\
         x|nxm|2|1e|1e-|0.5|.|,|;|:|->|→|∂|∑|Σ|sum|δ|d|let|show|const|W|φ|é|漢|🙂|\\|\
         \\frac|\\partial|\\mathbf{|\\mathbf{W}|\\mathbb{R}|\\begin{bmatrix}|\\end{bmatrix}|\\\\|&|#|\n| |  |\
         (1a) |\t|\r|\\sum_|_{|^{|^-|T|\\top|\\foo|\\,|$|\u{0}|ϕ|₁|(1)\\quad "
        .split('|')
        .collect();
    let mut rng = Lcg(7);
    for _ in 0..3000 {
        let len = rng.next(24);
        let src: String = (0..len).map(|_| pieces[rng.next(pieces.len())]).collect();
        for item in parse_block(&src) {
            let span = match &item {
                Item::Stmt(s) => s.span,
                Item::Error(e) => e.span,
            };
            assert!(span.start <= span.end && span.end <= src.len(), "{src:?}");
            assert!(src.is_char_boundary(span.start) && src.is_char_boundary(span.end));
            if let Item::Error(e) = &item {
                assert!(!e.message.is_empty());
            }
        }
    }
    for src in [
        "",
        "\n\n",
        "(((((",
        ")))))",
        "]]]][[[",
        "{{{",
        "}}}",
        "🙂🙂 = 漢",
        "∂∂∂/∂",
        "= = =",
        "let let let",
    ] {
        parse_block(src);
    }
}

// -- the spec's appendix -------------------------------------------------

const SPEC_BLOCKS: &[&str] = &[
    "f = W x\n  = I W x\n  = (x^T ⊗ I) vec(W)",
    "let W ∈ R^{n×m}\nlet x, y ∈ R^m\nlet A ∈ Sym^n\nlet A ∈ R^{m×n} const\nlet φ : R^{1×C} → R\n\
     let f = W x\nlet L_i = φ(Z_i)\nlet w = vec(W)\nlet A = [1 2; 3 4]\nf = I W x = (x^T ⊗ I) vec(W)\n\
     ∂r/∂A ∈ R^{m×(n k)}\nshow ∂f/∂w",
    "d(X^{-1}) = -X^{-1} dX X^{-1}\nd(X Y) = dX Y\nd(A X) = A dX\n(P - Y)/N = 2^n det(A)",
    "let A ∈ R^{n×k}\nlet φ : R^{n×k} → R^m\nlet r = φ(A)\n(2.2) ∂r/∂A ∈ R^{m×(n×k)}\n\
     (3a) ∂r/∂A ∈ R^{m×n×k}\n∂r_i/∂A ∈ R^{n×k}",
    "let W ∈ R^{k×l}\nlet ψ : R^{k×l} → R^{m×n}\nlet A = ψ(W)\n(1c) ∂A_ij/∂W ∈ R^{k×l}\n\
     ∂A/∂W ∈ R^{(m×n)×(k×l)}",
    "(1c) ∂A/∂W ∈ R^{(k×l×m)×n}",
    "let W ∈ R^{n×m}\nlet x ∈ R^m\nlet f = W x\n(1b) f_i = W_ij x_j\n\
     (1c) ∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn = δ_im x_n",
    "let w = vec(W)\n(1) f = I W x = (x^T ⊗ I) vec(W) = (x^T ⊗ I) w\n(2) ∂f/∂w = x^T ⊗ I",
    "let X ∈ R^{N×D}\nlet W ∈ R^{D×C}\nlet b ∈ R^{1×C}\nlet B = 1_N b\nlet Z = X W + B\n\
     let φ : R^{1×C} → R\nlet L_i = φ(Z_i)\nlet L = ∑_i L_i\n\
     (2a) ∂L_i/∂b = ∂L_i/∂Z_i ∂Z_i/∂b = ∂L_i/∂Z_i I = ∂L_i/∂Z_i\n∂L_i/∂b ∈ R^{1×C}\n\
     (2b) ∂L/∂b = ∑_i ∂L_i/∂b = ∑_i ∂L_i/∂Z_i\n∂L/∂b = 1_N^T ∂L/∂Z",
];

#[test]
fn every_spec_block_parses() {
    for block in SPEC_BLOCKS {
        for item in parse_block(block) {
            assert!(matches!(item, Item::Stmt(_)), "{block}\n{item:?}");
        }
    }
}

#[test]
fn spec_appendix_trees() {
    assert_eq!(
        summary(SPEC_BLOCKS[8])[8..],
        [
            "(∂ (_ L i) b) = (· (∂ (_ L i) (_ Z i)) (∂ (_ Z i) b)) \
             = (· (∂ (_ L i) (_ Z i)) I) = (∂ (_ L i) (_ Z i))",
            "(∂ (_ L i) b) ∈ R[1×C]",
            "(∂ L b) = (∑i (∂ (_ L i) b)) = (∑i (∂ (_ L i) (_ Z i)))",
            "(∂ L b) = (· (T (_ 1 N)) (∂ L Z))",
        ]
    );
    assert_eq!(
        summary(SPEC_BLOCKS[6])[4],
        "(∂ (_ f i) (_ W m n)) = (· (∂ (_ f i) (_ W p q)) (∂ (_ W p q) (_ W m n))) \
         = (· (· (· (δ i p) (_ x q)) (δ p m)) (δ q n)) = (· (δ i m) (_ x n))"
    );
}
