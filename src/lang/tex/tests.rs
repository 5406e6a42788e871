use super::*;

fn known(names: &'static [&'static str]) -> impl Fn(&str) -> bool {
    move |n| names.contains(&n)
}

fn text(tex: &str) -> String {
    read(tex, &known(&["W", "x", "f", "V1"])).unwrap().text
}

#[test]
fn letters_are_symbols() {
    assert_eq!(text("Wx").trim(), "W x");
    assert_eq!(text("\\mathbf{XW}").trim(), "X W");
    assert_eq!(text("\\mathbf V_1 \\mathbf x").trim(), "V1 x");
    assert_eq!(text("\\mathbf W_1").trim(), "W_1");
    assert_eq!(text("\\mathbf{x}^\\top \\mathbf{x}").trim(), "x^T x");
    assert_eq!(
        text("\\operatorname{vec}(\\mathbf{W})").trim(),
        "\\operatorname{vec}(W)"
    );
    assert_eq!(text("\\text{vec}(W)").trim(), "\\operatorname{vec}(W)");
    assert_eq!(text("\\mathrm{Tr}(W)").trim(), "\\operatorname{tr}(W)");
}

#[test]
fn derivatives() {
    assert_eq!(
        text("\\frac{d f}{d \\mathbf{x}}").trim(),
        "\\frac{\\partial f}{\\partial x}"
    );
    assert_eq!(
        text("\\frac{\\mathrm{d}f}{\\mathrm{d}x}").trim(),
        "\\frac{\\partial f}{\\partial x}"
    );
    assert_eq!(
        text("\\nabla_{\\mathbf x} f = y").trim(),
        "\\frac{\\partial f}{\\partial x} = y"
    );
    assert_eq!(text("d\\mathbf{X}").trim(), "dX");
}

#[test]
fn rows_tags_and_punctuation() {
    let t = text("\\begin{aligned} f &= Wx \\\\ &= I W x, \\tag{2a}\\end{aligned}");
    let lines: Vec<&str> = t.lines().map(str::trim).collect();
    assert_eq!(lines, vec!["f = W x", "= I W x"]);
    let t = text("f = Wx \\tag{1c}.");
    assert_eq!(t.trim(), "(1c) f = W x");
    let t = text("a = b,\\quad c = d \\text{and} e = f.");
    let lines: Vec<&str> = t.lines().map(str::trim).collect();
    assert_eq!(lines, vec!["a = b", "c = d", "e = f"]);
}

#[test]
fn decorations_change_nothing() {
    assert_eq!(
        text("\\left( \\underbrace{W x}_{\\text{f}} \\right) \\color{red} \\,\\!\\;").trim(),
        "( (W x) )"
    );
    assert_eq!(text("\\sum_{i} x_i").trim(), "\\sum_{i} x_i");
    assert_eq!(text("\\|\\mathbf x\\|_2^2").trim(), "norm(x)^2");
    assert_eq!(
        text("\\mathbf{X} \\in \\mathbb{R}^{N \\times D}").trim(),
        "X \\in ℝ^{N \\times D}"
    );
}

#[test]
fn unsupported_constructs_named() {
    let r = |t: &str| read(t, &known(&[])).unwrap_err().reason;
    assert_eq!(r("\\int_0^1 f"), "\\int");
    assert_eq!(r("x_1 + \\cdots + x_n"), "\\cdots");
    assert_eq!(r("\\begin{cases} a \\end{cases}"), "\\begin{cases}");
    assert_eq!(r("|x|"), "|…|");
    assert_eq!(r("\\mathbb{E}[x]"), "\\mathbb{E}");
}

#[test]
fn map_points_into_the_tex() {
    let tex = "\\begin{aligned}\n f &= Wx \\\\\n   &= I W x\n\\end{aligned}";
    let r = read(tex, &known(&["W", "x", "f"])).unwrap();
    let second = r.text.lines().nth(1).unwrap();
    let eq = r.text.find(second).unwrap() + second.find('=').unwrap();
    let off = r.tex_offset(eq);
    assert_eq!(&tex[off..off + 1], "=");
    assert_eq!(tex[..off].matches('\n').count(), 2);
    assert_eq!(r.map.len(), r.text.len() + 1);
}

#[test]
fn deep_nesting_is_unsupported_not_a_crash() {
    let deep = "{".repeat(100_000) + "x" + &"}".repeat(100_000);
    assert_eq!(
        read(&deep, &known(&[])).unwrap_err().reason,
        "nested too deeply"
    );
    let fracs = "\\frac{".repeat(5000);
    assert!(read(&fracs, &known(&[])).is_err());
}

#[test]
fn never_panics() {
    for t in [
        "\\", "{", "}", "\\frac{", "_", "^{", "\\begin{", "\\nabla_", "\\|", "é\\é", "\\tag{", "$",
    ] {
        let _ = read(t, &known(&[]));
    }
}

#[test]
fn operator_form() {
    assert_eq!(
        text("\\frac{\\partial}{\\partial \\mathbf{x}}(\\mathbf{x}^T \\mathbf{x}) = 2\\mathbf{x}")
            .trim(),
        "\\frac{\\partial ((x^T x))}{\\partial x} = 2 x"
    );
    // Without parentheses the operator takes the whole product after it,
    // up to the relation (not only the next factor).
    let t = text("\\frac{\\partial}{\\partial \\mathbf w} \\mathbf w^T \\mathbf w = 2 \\mathbf w");
    assert!(t.contains("(w^T w)"), "{t}");
    let t = text("\\frac{\\partial}{\\partial x} x^T A x + c = d");
    assert!(t.contains("(x^T A x)") && t.contains("+ c"), "{t}");
}

#[test]
fn label_at_row_start() {
    assert_eq!(text("(2b)\\quad f = Wx").trim(), "(2b) f = W x");
}

#[test]
fn declarations_annotations_and_questions() {
    let t = read(
        "\\mathbf W_1\\in\\mathbb R^{D\\times H},\\quad \\mathbf b_1\\in\\mathbb R^{1\\times H}.",
        &known(&[]),
    )
    .unwrap()
    .text;
    let lines: Vec<&str> = t.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        vec!["W1 \\in ℝ^{D \\times H}", "b1 \\in ℝ^{1 \\times H}"]
    );
    let t = text(
        "\\begin{aligned} f &= Wx && \\text{the output, } n \\times 1 \\\\ &= IWx && \\text{again} \\end{aligned}",
    );
    let lines: Vec<&str> = t.lines().map(str::trim).collect();
    assert_eq!(lines, vec!["f = W x", "= I W x"]);
    assert_eq!(
        text("\\frac{\\partial\\, W x}{\\partial W} \\;?").trim(),
        "\\frac{\\partial (W x)}{\\partial W}"
    );
}

#[test]
fn functions_without_parentheses() {
    assert_eq!(
        text("\\log P_{ic} + \\exp(x)").trim(),
        "\\log(P_{ic}) + \\exp(x)"
    );
    assert_eq!(
        text("\\operatorname{tr} \\mathbf W").trim(),
        "\\operatorname{tr}(W)"
    );
}

#[test]
fn matrices_of_entries_are_illustrations() {
    let r = |t: &str| {
        read(t, &known(&["b"]))
            .map(|r| r.text)
            .map_err(|u| u.reason)
    };
    assert_eq!(
        r("\\begin{bmatrix} b_1 & b_2 \\end{bmatrix}").unwrap_err(),
        "matrix of entries (an illustration)"
    );
    assert!(r("\\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}").is_ok());
}

#[test]
fn spacing_before_a_function_argument() {
    assert_eq!(
        text("\\operatorname{vec}\\!\\left(W\\right)^{T}").trim(),
        "\\operatorname{vec} (W)^T"
    );
}

/// Random TeX-like text through the reader: never a panic.
#[test]
fn random_tex_never_panics() {
    const PIECES: &[&str] = &[
        "\\frac",
        "{",
        "}",
        "\\mathbf",
        "W",
        "x",
        "_",
        "^",
        "\\\\",
        "&",
        "=",
        "\\left(",
        "\\right)",
        "\\begin{aligned}",
        "\\end{aligned}",
        "\\begin{bmatrix}",
        "\\end{bmatrix}",
        "\\tag{",
        "\\nabla",
        "\\partial",
        "d",
        "\\text{",
        "and",
        ",",
        "\\quad",
        "\\|",
        "é",
        "∂",
        " ",
        "\\sum",
        "1",
        "\\log",
        "\\operatorname{vec}",
        "\\underbrace",
        "\\",
        "(",
        ")",
        "\\!",
        "\\in",
        "\\mathbb{R}",
        "T",
        "\\top",
        "\\hat",
        "\\limits",
        "i=0",
        "N-1",
        "|",
        "\\Big|",
        "i \\in [N]",
        "\\mathbb R_{>0}",
        ":",
    ];
    let mut state: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..3000 {
        let mut t = String::new();
        let len = (state >> 60) as usize + 1;
        for _ in 0..len * 3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            t.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
        }
        if let Ok(r) = read(&t, &known(&["W", "x", "W1"])) {
            assert_eq!(r.map.len(), r.text.len() + 1, "{t}");
            for &m in &r.map {
                assert!(m <= t.len() && t.is_char_boundary(m), "{t}");
            }
            let _ = crate::lang::parser::parse_block(&r.text);
        }
    }
}

/// Random notes with display and inline math through the note and lang
/// stages: never a panic, and every located position is inside the file.
#[test]
fn random_prose_notes_never_panic() {
    const PIECES: &[&str] = &[
        "$$",
        "$",
        "\n",
        "\n\n",
        "> ",
        "- ",
        "```",
        "\\mathbf W",
        "\\in \\mathbb R^{n \\times m}",
        " = ",
        "x",
        "\\\\",
        "&=",
        "\\begin{aligned}",
        "\\end{aligned}",
        "% check",
        "% check: off",
        "é",
        "\\frac{\\partial f}{\\partial x}",
        "W x",
        ",\\quad ",
        "\\tag{1}",
        "f",
        "\\sum_i",
        "x_i",
        "\\\\$",
        "\\newcommand{\\v}[1]{\\mathbf{#1}}",
        "\\v{x}",
        "\\v",
        "\\DeclareMathOperator{\\Tr}{tr}",
        "\\Tr(W)",
        "\\def\\a{\\a\\a}",
        "\\a",
        "\\sum_{i=1}^{n}",
        "\\sum_{i=0}^{n-1} x_{i+1}",
        "\\hat{\\mathbf w}",
        "\\Big|_{x = W}",
    ];
    let mut state: u64 = 0x2545f4914f6cdd1d;
    for _ in 0..800 {
        let mut t = String::new();
        for _ in 0..24 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            t.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
        }
        let note = crate::note::parse_note("t.md".into(), "t.md".into(), t.clone());
        assert_eq!(note.masked.len(), note.source.len());
        let compiled = crate::lang::compile::compile(
            &note,
            &crate::config::CheckSettings::default(),
            &Default::default(),
        );
        let lines = t.lines().count().max(1) + 1;
        for e in &compiled.equations {
            for s in &e.stmts {
                assert!(s.line >= 1 && s.line <= lines, "{t:?}");
            }
        }
    }
}

#[test]
fn every_environment_and_spelling_of_section_6() {
    let rows = |t: &str| -> Vec<String> {
        text(t)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(
        rows("\\begin{eqnarray} f &=& Wx \\\\ &=& IWx \\end{eqnarray}"),
        ["f = W x", "= I W x"]
    );
    assert_eq!(
        rows("\\begin{gather*} f = Wx \\\\ W x = f \\end{gather*}"),
        ["f = W x", "W x = f"]
    );
    assert_eq!(
        rows("\\begin{equation}\\begin{split} f &= Wx \\\\ &= IWx \\end{split}\\end{equation}"),
        ["f = W x", "= I W x"]
    );
    assert_eq!(rows("\\begin{align*} f &= Wx \\end{align*}"), ["f = W x"]);
    assert_eq!(
        rows(
            "\\boldsymbol{W} \\bm{x} = \\mathit{f}, \\quad \\overbrace{W x}^{\\text{f}} = {\\color{red} f}"
        ),
        ["W x = f", "(W x) = f"]
    );
    assert_eq!(
        rows("\\text{(2a)}\\quad f = \\textcolor{blue}{W} x"),
        ["(2a) f = W x"]
    );
    assert_eq!(rows("\\mathbf{1}_N^\\top \\mathbf W"), ["1_N^T W"]);
    assert_eq!(
        rows("\\delta_{im} x_n \\cdot W^{-1} \\odot W"),
        ["\\delta_{im} x_n \\cdot W^{-1} \\odot W"]
    );
    assert_eq!(rows("\\Big( W \\bigr) \\; \\qquad \\! x"), ["( W ) x"]);
    assert_eq!(rows("\\mathit{Wx} \\tag*{3}"), ["(3) W x"]);
}

#[test]
fn a_word_tag_is_only_typeset() {
    let t = text("f = W x \\tag{ridge}");
    assert!(!t.contains("ridge"), "{t}");
    assert!(text("f = W x \\tag{2a}").contains("(2a)"));
}

#[test]
fn sum_bounds_map_onto_the_language() {
    let r = |t: &str| read(t, &known(&["N", "x", "K"])).map(|r| r.text.trim().to_string());
    assert_eq!(
        r("\\sum_{i=1}^{N} x_i = 1").unwrap(),
        "\\sum_{i=1}^{N} x_i = 1"
    );
    assert_eq!(
        r("\\sum_{i=1}^N x_i = 1").unwrap(),
        "\\sum_{i=1}^{N} x_i = 1"
    );
    assert_eq!(
        r("\\sum^{N}_{i=1} x_i = 1").unwrap(),
        "\\sum_{i=1}^{N} x_i = 1"
    );
    assert_eq!(
        r("\\sum\\limits_{i=0}^{N-1} x_i = 1").unwrap(),
        "\\sum_{i=1}^{N} x_i = 1"
    );
    assert_eq!(
        r("\\sum_{i=1}^{3} x_i = 1").unwrap(),
        "\\sum_{i=1}^{3} x_i = 1"
    );
    assert_eq!(
        r("\\sum_{i \\in [N]} x_i = 1").unwrap(),
        "\\sum_{i=1}^{N} x_i = 1"
    );
    assert_eq!(
        r("\\sum_{i,j=1}^{N} K_{ij} = 1").unwrap(),
        "\\sum_{i=1}^{N} \\sum_{j=1}^{N} K_{ij} = 1"
    );
    assert_eq!(r("\\sum_{ij} K_{ij} = 1").unwrap(), "\\sum_{ij} K_{ij} = 1");
    assert_eq!(r("\\sum_i x_i = 1").unwrap(), "\\sum_{i} x_i = 1");
    // Bounds that are not the whole range, or not the language's: unchecked.
    let why = |t: &str| r(t).unwrap_err().reason;
    assert_eq!(
        why("\\sum_{i=2}^{N} x_i = 1"),
        "\\sum_{i=2}^{N}: part of the range"
    );
    assert_eq!(
        why("\\sum_{i=1}^{N-1} x_i = 1"),
        "\\sum_{i=1}^{N-1}: the upper bound is not a dimension"
    );
    assert_eq!(
        why("\\sum_{i=0}^{N} x_i = 1"),
        "\\sum_{i=0}^{N}: part of the range"
    );
    assert_eq!(
        why("\\sum_{i=1}^{M} x_i = 1"),
        "\\sum_{i=1}^{M}: undeclared M"
    );
    assert_eq!(why("\\sum_{i=1} x_i = 1"), "\\sum_{i=1}: no upper bound");
    assert_eq!(why("\\sum^{N} x_i = 1"), "\\sum^{N} without its index");
    assert_eq!(
        why("\\sum_i^N x_i = 1"),
        "\\sum_{i}^{N}: an upper bound needs the lower one"
    );
    assert_eq!(
        why("\\sum_{i=1}^{\\infty} x_i = 1"),
        "\\sum_{i=1}^{\\infty}: the upper bound is not a dimension"
    );
    assert!(why("\\sum_{i=0}^{N-1} x_{i+1} = 1").contains("affine"));
    assert!(
        why("\\sum_{j \\neq i} x_j = 1").contains("\\neq"),
        "{}",
        why("\\sum_{j \\neq i} x_j = 1")
    );
}

#[test]
fn accents_positive_reals_evaluation_bars_and_a_closing_colon() {
    let r = |t: &str| read(t, &known(&["J", "w"])).map(|r| r.text.trim().to_string());
    assert_eq!(r("\\hat{\\mathbf w} = w").unwrap(), "\\hat{w} = w");
    assert_eq!(
        r("\\tilde{\\boldsymbol{\\beta}} = w").unwrap(),
        "\\tilde{\\beta} = w"
    );
    assert_eq!(r("\\bar w = w").unwrap(), "\\bar{w} = w");
    assert_eq!(r("\\hat{x y}").unwrap_err().reason, "\\hat");
    assert_eq!(
        r("\\lambda \\in \\mathbb R_{>0}").unwrap(),
        "\\lambda \\in Pos"
    );
    assert_eq!(
        r("\\lambda \\in \\mathbb{R}_+").unwrap(),
        "\\lambda \\in Pos"
    );
    assert_eq!(r("w \\in \\mathbb{R}^n").unwrap(), "w \\in ℝ^n");
    assert_eq!(
        r("J\\Big|_{\\mathbf w = \\hat{\\mathbf w}} \\le J").unwrap(),
        "J |_{w = \\hat{w}} \\le J"
    );
    assert_eq!(r("|w| = 1").unwrap_err().reason, "|…|");
    assert_eq!(r("J = w :").unwrap(), "J = w");
}

#[test]
fn square_brackets_group_like_parentheses() {
    // stansbury/theclevermachine, the normal equations: `\left[ e^T e \right]`
    // is a group, never the claim language's matrix literal `[a b]`.
    assert_eq!(
        text("\\frac{\\partial}{\\partial x} \\left[ x^T x \\right] = 2x").trim(),
        "\\frac{\\partial (( x^T x ))}{\\partial x} = 2 x"
    );
    assert_eq!(text("f [W x + x]").trim(), "f (W x + x)");
    // In a subscript the brackets stay (`i \in [N]` is a sum's range).
    assert!(text("x_{[1]}").contains('['));
}

#[test]
fn a_caption_column_before_double_ampersand_is_skipped() {
    // WWWonderer/tech_blog: `&\text{Prediction:} &&\hat{y} = Xw`.
    let t = text(
        "\\begin{aligned}\n&\\text{Prediction:} &&W = x \\\\\n&\\text{Loss:} && f = x\n\\end{aligned}",
    );
    let rows: Vec<&str> = t.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(rows, ["W = x", "f = x"]);
    // After math, `&&` still starts an annotation, which is skipped.
    let t = text("W &= x && \\text{by definition}");
    assert_eq!(t.trim(), "W = x");
}

#[test]
fn euler_powers_when_no_name_e() {
    // yanfenglee/dl_demo: `a_j = \frac{e^{z_j}}{\sum_k e^{z_k}}`.
    assert_eq!(text("e^{x} = f").trim(), "\\exp(x) = f");
    assert_eq!(text("x = e^t").trim(), "x = \\exp(t)");
    assert_eq!(text("e^{-2x}").trim(), "\\exp(-2 x)");
    // A transpose, a number's power, a subscript: the name e.
    assert_eq!(text("e^T e").trim(), "e^T e");
    assert_eq!(text("e^\\top e").trim(), "e^T e");
    assert_eq!(text("e^2").trim(), "e^2");
    assert!(!text("e^{x}_i").contains("exp"));
    // `\mathbf e^{x}`: the style's argument ends at `e`.
    assert!(!text("\\mathbf e^{x}").contains("exp"));
    // A note that declares e keeps its name.
    let t = read("e^{x}", &known(&["e", "x"])).unwrap().text;
    assert!(!t.contains("exp"), "{t}");
}

#[test]
fn a_braced_sum_is_read_as_shown() {
    // WWWonderer/tech_blog: `- \underbrace{w^TX^Ty - y^TXw}_{scalars} + y^Ty`
    // shows a - b - c, and means it (it was read a - (b - c): a true row
    // failed).
    assert_eq!(
        text("W - \\underbrace{x - f}_{scalars} + x").trim(),
        "W -  x - f + x"
    );
    // A braced product is one factor either way.
    assert_eq!(text("2 \\underbrace{W x}_{y}").trim(), "2 (W x)");
    // Beside a factor the grouping is unclear: unchecked.
    let u = read("2 \\underbrace{W + x}_{y} = f", &known(&["W", "x", "f"])).unwrap_err();
    assert!(u.reason.contains("underbrace"), "{}", u.reason);
    let u = read("\\underbrace{W + x}_{y} f = f", &known(&["W", "x", "f"])).unwrap_err();
    assert!(u.reason.contains("underbrace"), "{}", u.reason);
}

#[test]
fn a_zero_term_adds_nothing() {
    // WWWonderer/tech_blog: `&= 2X^TXw - 2X^Ty + 0 \\`.
    assert_eq!(text("f = W x - x + 0").trim(), "f = W x - x");
    assert_eq!(text("f = W x + 0.").trim(), "f = W x");
    assert_eq!(text("f = W x - 0 + x").trim(), "f = W x + x");
    // Not a term of its own: kept.
    assert_eq!(text("f = W x + 0.5").trim(), "f = W x + 0.5");
    assert_eq!(text("f = 0").trim(), "f = 0");
    assert_eq!(text("f = x + 0 x").trim(), "f = x + 0 x");
}

#[test]
fn calligraphic_capitals_are_names_of_their_own() {
    assert_eq!(text("\\mathcal{L} = f").trim(), "ℒ = f");
    assert_eq!(text("\\mathcal L_n").trim(), "ℒ_n");
    assert_eq!(text("\\mathcal{A}").trim(), "𝒜");
    assert_eq!(
        text("\\nabla_x \\mathcal{L}").trim(),
        "\\frac{\\partial ℒ}{\\partial x}"
    );
    // Not one capital: unsupported, with the construct as the reason.
    let u = read("\\mathcal{LL} = x", &known(&["x"])).unwrap_err();
    assert_eq!(u.reason, "\\mathcal{LL}");
}

#[test]
fn references_inside_an_equation_are_annotations() {
    assert_eq!(
        text("W x \\overset{\\eqref{eq:a}}{=} x \\qquad \\eqref{eq:b}").trim(),
        "W x  = x"
    );
    assert!(!text("W = x \\quad (\\ref{c})").contains("ref"));
}

#[test]
fn a_partial_numerator_is_the_whole_product() {
    assert_eq!(
        text("\\frac{\\partial \\mathbf{x}^T\\mathbf{A}}{\\partial \\mathbf{x}} = A").trim(),
        "\\frac{\\partial (x^T A)}{\\partial x} = A"
    );
    // One atom, a power of ∂, a group: as written.
    assert_eq!(
        text("\\frac{\\partial f_i}{\\partial x}").trim(),
        "\\frac{\\partial f_i}{\\partial x}"
    );
    assert!(text("\\frac{\\partial^2 f}{\\partial x^2}").starts_with("\\frac{\\partial^2 f}"));
    assert!(text("\\frac{\\partial (W x)}{\\partial x}").starts_with("\\frac{\\partial (W x)}"));
}
