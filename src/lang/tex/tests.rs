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
    assert_eq!(text("\\sum_{i=1}^{N} x_i").trim(), "\\sum_{i} x_i");
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
fn never_panics() {
    for t in [
        "\\", "{", "}", "\\frac{", "_", "^{", "\\begin{", "\\nabla_", "\\|", "é\\é", "\\tag{", "$",
    ] {
        let _ = read(t, &known(&[]));
    }
}
