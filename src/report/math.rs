//! LaTeX → MathML at build time (pulldown-latex), so that reading the site
//! needs neither JavaScript nor a web font: the browser's native MathML lays
//! the formulas out.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage, push_mathml};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::html::escape;

/// Deepest nesting of groups `{…}` and `\\left … \\right` that [`to_mathml`] typesets.
const MAX_TEX_DEPTH: usize = 200;

/// The deepest nesting of `{` and `\\left` in `latex` (escaped braces aside).
fn tex_depth(latex: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let b = latex.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if b[i + 1..].starts_with(b"left") => {
                depth += 1;
                i += 4;
            }
            b'\\' if b[i + 1..].starts_with(b"right") => {
                depth = depth.saturating_sub(1);
                i += 5;
            }
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        max = max.max(depth);
        i += 1;
    }
    max
}

/// Typesets `latex` as a `<math>` element (`display="block"` when `display`),
/// with the LaTeX source kept as
/// `<semantics>…<annotation encoding="application/x-tex">…</annotation></semantics>`.
///
/// `Err` carries the parser's message when the LaTeX is not understood.
pub fn to_mathml(latex: &str, display: bool) -> Result<String, String> {
    // Typesetting time grows with the square of the nesting depth: refuse
    // absurd depths (a hostile or broken note) instead of hanging.
    if tex_depth(latex) > MAX_TEX_DEPTH {
        return Err(format!(
            "the formula nests more than {MAX_TEX_DEPTH} levels deep; it is not typeset"
        ));
    }
    // Notes repeat their formulas (the same identities in many notes, a
    // symbol in many sentences): typeset each once per process, up to a
    // budget of memory.
    type Typeset = Result<Arc<str>, String>;
    #[derive(Default)]
    struct Memo {
        map: HashMap<(bool, Box<str>), Typeset>,
        bytes: usize,
    }
    static MEMO: OnceLock<Mutex<Memo>> = OnceLock::new();
    const BUDGET: usize = 16 << 20;
    let memo = MEMO.get_or_init(Mutex::default);
    let key = (display, Box::<str>::from(latex));
    if let Some(hit) = memo.lock().ok().and_then(|m| m.map.get(&key).cloned()) {
        return hit.map(|m| m.to_string());
    }
    let typeset = typeset(latex, display);
    let size = latex.len() + typeset.as_ref().map_or_else(String::len, String::len);
    if let Ok(mut m) = memo.lock()
        && m.bytes + size <= BUDGET
    {
        let value = typeset.as_deref().map(Arc::from).map_err(Clone::clone);
        if m.map.insert(key, value).is_none() {
            m.bytes += size;
        }
    }
    typeset
}

fn typeset(latex: &str, display: bool) -> Result<String, String> {
    // pulldown-latex writes the annotation verbatim: escape it ourselves.
    let annotation = escape(latex);
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        annotation: Some(&annotation),
        // Errors never reach the renderer (see below); keep it neutral anyway.
        error_color: (178, 34, 34),
        xml: false,
        ..RenderConfig::default()
    };
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let storage = Storage::new();
        let mut events = Vec::new();
        for ev in Parser::new(latex, &storage) {
            match ev {
                Ok(e) => events.push(e),
                Err(e) => return Err(first_line(&e.to_string())),
            }
        }
        let mut out = String::new();
        push_mathml(
            &mut out,
            events.into_iter().map(Ok::<_, pulldown_latex::ParserError>),
            config,
        )
        .map_err(|e| e.to_string())?;
        Ok(out)
    }));
    match rendered {
        Ok(r) => r,
        Err(_) => Err("the LaTeX renderer gave up on this formula".to_string()),
    }
}

/// [`to_mathml`], or on error the source in `<code class="math-error">` whose
/// `title` says what went wrong: a formula never fails the page.
pub fn render_math(latex: &str, display: bool) -> String {
    match to_mathml(latex, display) {
        Ok(m) => m,
        Err(msg) => math_error(latex, display, &msg),
    }
}

/// The fallback rendering of LaTeX that could not be typeset.
pub fn math_error(latex: &str, display: bool, msg: &str) -> String {
    let (open, close) = if display {
        ("<pre class=\"math-error-block\">", "</pre>")
    } else {
        ("", "")
    };
    let delim = if display { "$$" } else { "$" };
    format!(
        "{open}<code class=\"math-error\" title=\"LaTeX error: {}\">{delim}{}{delim}</code>{close}",
        escape(msg),
        escape(latex)
    )
}

/// The error's headline, without pulldown-latex's multi-line context drawing.
fn first_line(msg: &str) -> String {
    msg.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid LaTeX")
        .trim_end_matches(':')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_nesting_is_refused_quickly() {
        assert_eq!(tex_depth(r"\left( {a} \right) \{ x"), 2);
        let deep = format!("{}x{}", "{".repeat(100_000), "}".repeat(100_000));
        let started = std::time::Instant::now();
        let e = to_mathml(&deep, true).unwrap_err();
        assert!(e.contains("nests more than 200 levels"), "{e}");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(to_mathml(&format!("{}x{}", "{".repeat(50), "}".repeat(50)), false).is_ok());
    }

    #[test]
    fn keeps_source_as_annotation() {
        let m = to_mathml(r"a < b", false).unwrap();
        assert!(m.starts_with("<math display=\"inline\"><semantics>"), "{m}");
        assert!(
            m.contains("<annotation encoding=\"application/x-tex\">a &lt; b</annotation>"),
            "{m}"
        );
        assert!(m.ends_with("</semantics></math>"));
        let d = to_mathml(r"x", true).unwrap();
        assert!(d.starts_with("<math display=\"block\">"));
    }

    #[test]
    fn seed_notes_commands_render() {
        let cases = [
            r"\mathbf{r} = \begin{bmatrix} r_1 \\ r_2 \end{bmatrix}",
            r"\begin{aligned} (1) \quad \mathbf{f} &= \mathbf{W}\mathbf{x} \\ &= \mathbf{I}\mathbf{W}\mathbf{x} \\ &= (\mathbf{x}^T \otimes \mathbf{I}) \text{vec}(\mathbf{W}) \end{aligned}",
            r"\frac{\partial \mathbf{r}}{\partial \mathbf{A}} \in \mathbb{R}^{m \times (n \times k)}",
            r"(2) \quad \text{Thus, } \frac{\partial \mathbf{f}}{\partial \mathbf{w}} = (\mathbf{x}^T \otimes \mathbf{I})",
            r"\sum_i \frac{\partial L_i}{\partial \mathbf{Z}_i}",
            r"3^{rd}",
            r"\delta_{im} \delta_{jn} x_j = \delta_{im} x_n",
            r"\frac{\partial f_i}{\partial W_{mn}}",
            // What generated claim LaTeX is likely to use.
            r"\operatorname{vec}(W) \odot \mathrm{tr}(A^{\top}) \cdot \left( x \right) \approx y \neq z",
            r"\varphi : \mathbb{R}^{1 \times C} \to \mathbb{R}",
            r"\begin{bmatrix} 1.234 & -0.5 \\ 2 & 3 \end{bmatrix}",
            r"\mathbf{1}_N^{\top} \mathrm{Sym}^{n} \oslash \psi \phi \sigma",
        ];
        for c in cases {
            let m = to_mathml(c, true).unwrap_or_else(|e| panic!("{c}: {e}"));
            assert!(!m.contains("merror"), "{c}: {m}");
        }
    }

    #[test]
    fn error_falls_back_to_code() {
        let bad = r"\frac{a}{b";
        assert!(to_mathml(bad, false).is_err());
        let html = render_math(bad, false);
        assert!(html.starts_with("<code class=\"math-error\" title=\"LaTeX error: "));
        assert!(html.contains(r"$\frac{a}{b$"));
        let html = render_math(r"\nosuchcommand <x>", true);
        assert!(html.contains("&lt;x&gt;"), "{html}");
    }
}
