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
                Ok(e) => events.push(defuse(e)),
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
        Ok(escape_stray_markup(&out))
    }));
    match rendered {
        Ok(r) => r,
        Err(_) => Err("the LaTeX renderer gave up on this formula".to_string()),
    }
}

/// pulldown-latex writes a function name (`\operatorname{…}`, `\mathop{…}`)
/// verbatim into `<mi>`: one holding markup characters is typeset as text
/// instead, which it escapes. (Single characters such as the relation `<`
/// are escaped afterwards by [`escape_stray_markup`].)
fn defuse(ev: pulldown_latex::event::Event<'_>) -> pulldown_latex::event::Event<'_> {
    use pulldown_latex::event::{Content, Event};
    match ev {
        Event::Content(Content::Function(name)) if name.contains(['<', '>', '&', '"', '\'']) => {
            Event::Content(Content::Text(name))
        }
        other => other,
    }
}

/// The MathML elements pulldown-latex writes.
const MATHML_TAGS: &[&str] = &[
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "mspace",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mfrac",
    "msqrt",
    "mroot",
    "mtable",
    "mtr",
    "mtd",
    "mlabeledtr",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
    "mmultiscripts",
    "mprescripts",
    "none",
];

/// Escapes every `<`, `>` and `&` of the MathML that is not part of one of
/// pulldown-latex's own tags or a character reference: the renderer writes
/// single characters (the relation `<`, `\&`) raw, which would otherwise
/// be markup to an HTML or XML reader.
pub fn escape_stray_markup(mathml: &str) -> String {
    let b = mathml.as_bytes();
    let mut out = String::with_capacity(mathml.len() + 16);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => match tag_len(&mathml[i..]) {
                Some(n) => {
                    out.push_str(&mathml[i..i + n]);
                    i += n;
                }
                None => {
                    out.push_str("&lt;");
                    i += 1;
                }
            },
            b'>' => {
                out.push_str("&gt;");
                i += 1;
            }
            b'&' => {
                let n = entity_len(&mathml[i..]).unwrap_or(0);
                if n > 0 {
                    out.push_str(&mathml[i..i + n]);
                    i += n;
                } else {
                    out.push_str("&amp;");
                    i += 1;
                }
            }
            _ => {
                let start = i;
                while i < b.len() && !matches!(b[i], b'<' | b'>' | b'&') {
                    i += 1;
                }
                out.push_str(&mathml[start..i]);
            }
        }
    }
    out
}

/// Length of the MathML tag `s` starts with: `<name attr="v" …>`, `</name>`
/// or `<name … />`, `name` one of [`MATHML_TAGS`], attribute values
/// quoted and free of `<`, `>`.
fn tag_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    if !MATHML_TAGS.contains(&&s[name_start..i]) {
        return None;
    }
    loop {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        match *b.get(i)? {
            b'>' => return Some(i + 1),
            b'/' if !closing && b.get(i + 1) == Some(&b'>') => return Some(i + 2),
            c if !closing && c.is_ascii_alphabetic() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
                    i += 1;
                }
                if b.get(i) != Some(&b'=') || b.get(i + 1) != Some(&b'"') {
                    return None;
                }
                i += 2;
                while *b.get(i)? != b'"' {
                    if matches!(b[i], b'<' | b'>') {
                        return None;
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => return None,
        }
    }
}

/// Length of the character reference `s` starts with (`&amp;`, `&#10;`,
/// `&#x3c;`), if it is one.
fn entity_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let end = b.iter().take(12).position(|&c| c == b';')?;
    let body = &s[1..end];
    let ok = match body.strip_prefix('#') {
        Some(num) => match num.strip_prefix(['x', 'X']) {
            Some(h) => !h.is_empty() && h.bytes().all(|c| c.is_ascii_hexdigit()),
            None => !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()),
        },
        None => !body.is_empty() && body.bytes().all(|c| c.is_ascii_alphanumeric()),
    };
    ok.then_some(end + 1)
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

    #[test]
    fn note_text_never_becomes_markup() {
        let payloads = [
            r"\operatorname{<img src=x onerror=alert(1)>}",
            r"\mathop{<img src=x onerror=alert(1)>}",
            r"\operatorname*{<img src=x onerror=alert(1)>}",
            r"\text{<script>alert(1)</script>}",
            r"\mathrm{<img src=x onerror=alert(1)>}",
            r"\operatorname{</mi></mrow></semantics></math><img src=x onerror=alert(1)>}",
            r"\text{</math><img src=x onerror=alert(1)>}",
            r"\operatorname{a]]>b} < c > d \& e",
            r#"\operatorname{"><img onerror=alert(1)>}"#,
            r"\operatorname{{{ x }}} {% raw %}",
        ];
        for p in payloads {
            let Ok(m) = to_mathml(p, false) else {
                continue;
            };
            // Parsed as XML, the only elements are MathML ones.
            let doc = roxmltree::Document::parse(&m).unwrap_or_else(|e| panic!("{p}: {e}\n{m}"));
            for n in doc.descendants().filter(|n| n.is_element()) {
                let name = n.tag_name().name();
                assert!(MATHML_TAGS.contains(&name), "{p}: <{name}> in {m}");
                for a in n.attributes() {
                    assert!(!a.name().starts_with("on"), "{p}: {m}");
                }
            }
            assert!(!m.contains("<img") && !m.contains("<script"), "{p}: {m}");
        }
        let m = to_mathml(r"\operatorname{<b>}", false).unwrap();
        assert!(m.contains("&lt;b&gt;"), "{m}");
        let m = to_mathml(r"a < b \& c", false).unwrap();
        assert!(m.contains("<mo>&lt;</mo>") && m.contains("&amp;"), "{m}");
        roxmltree::Document::parse(&m).unwrap();
    }
}
