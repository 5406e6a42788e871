//! Small HTML and number-formatting helpers shared by the renderers.

use std::collections::BTreeSet;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A heading's anchor: lowercase letters and digits (any script), words
/// joined by `-`; `section` when nothing is left.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '_' {
            dash = true;
        }
        // other punctuation (".", "(", "$", …) is dropped, as GitHub does
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

/// Hands out ids unique within one page: the first use of `base` gets
/// `base`, later ones `base-1`, `base-2`, …
#[derive(Default, Debug)]
pub struct IdSet {
    used: BTreeSet<String>,
}

impl IdSet {
    pub fn reserve(&mut self, id: &str) {
        self.used.insert(id.to_string());
    }
    pub fn contains(&self, id: &str) -> bool {
        self.used.contains(id)
    }
    pub fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let mut k = 1;
        loop {
            let cand = format!("{base}-{k}");
            if self.used.insert(cand.clone()) {
                return cand;
            }
            k += 1;
        }
    }
}

/// `x` to `sig` significant digits, trailing zeros dropped: `1.235`,
/// `-0.0001234`, `1.2e-7`. Plain text.
pub fn fmt_sig(x: f64, sig: usize) -> String {
    let (mantissa, exp) = match sig_parts(x, sig) {
        Ok(p) => p,
        Err(s) => return s.to_string(),
    };
    match exp {
        Some(e) => format!("{mantissa}e{e}"),
        None => mantissa,
    }
}

/// Like [`fmt_sig`], as LaTeX: `1.2 \times 10^{-7}`, `\infty`, `\mathrm{NaN}`.
pub fn latex_sig(x: f64, sig: usize) -> String {
    match sig_parts(x, sig) {
        Err("NaN") => r"\mathrm{NaN}".to_string(),
        Err("inf") => r"\infty".to_string(),
        Err(_) => r"-\infty".to_string(),
        Ok((m, Some(e))) => format!(r"{m} \times 10^{{{e}}}"),
        Ok((m, None)) => m,
    }
}

/// Mantissa text and, for very small or large magnitudes, the exponent.
fn sig_parts(x: f64, sig: usize) -> Result<(String, Option<i32>), &'static str> {
    if x.is_nan() {
        return Err("NaN");
    }
    if x.is_infinite() {
        return Err(if x > 0.0 { "inf" } else { "-inf" });
    }
    if x == 0.0 {
        return Ok(("0".to_string(), None));
    }
    let sig = sig.max(1);
    // Round first through scientific formatting, so 9.99995 → 1e1 is handled.
    let sci = format!("{:.*e}", sig - 1, x);
    let (m, e) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let e: i32 = e.parse().expect("exponent is an integer");
    if (-4..6).contains(&e) {
        let decimals = (sig as i32 - 1 - e).max(0) as usize;
        let rounded: f64 = sci.parse().expect("scientific format parses");
        let fixed = format!("{:.*}", decimals, rounded);
        Ok((trim_zeros(&fixed), None))
    } else {
        Ok((trim_zeros(m), Some(e)))
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".to_string()
        } else {
            t.to_string()
        }
    } else {
        s.to_string()
    }
}

/// A relative link from a page `depth` folders below the site root to the
/// root: `""`, `"../"`, `"../../"`, …
pub fn root_prefix(depth: usize) -> String {
    "../".repeat(depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape(r#"a<b & "c" 'd'>"#),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("1.3.2 Vectorization"), "132-vectorization");
        assert_eq!(
            slug("Derivative of Vector wrt Matrix - Alternative"),
            "derivative-of-vector-wrt-matrix-alternative"
        );
        assert_eq!(slug("  Ähnlich  Θ  "), "ähnlich-θ");
        assert_eq!(slug("$$"), "section");
        let mut ids = IdSet::default();
        assert_eq!(ids.unique("a"), "a");
        assert_eq!(ids.unique("a"), "a-1");
        assert_eq!(ids.unique("a"), "a-2");
    }

    #[test]
    fn numbers() {
        assert_eq!(fmt_sig(1.23456, 4), "1.235");
        assert_eq!(fmt_sig(-0.5, 4), "-0.5");
        assert_eq!(fmt_sig(2.0, 4), "2");
        assert_eq!(fmt_sig(12345.678, 4), "12350");
        assert_eq!(fmt_sig(0.000123456, 4), "0.0001235");
        assert_eq!(fmt_sig(1.2e-7, 4), "1.2e-7");
        assert_eq!(fmt_sig(9.99996, 4), "10");
        assert_eq!(fmt_sig(0.0, 4), "0");
        assert_eq!(fmt_sig(-1e-20, 4), "-1e-20");
        assert_eq!(latex_sig(3.0e8, 4), r"3 \times 10^{8}");
        assert_eq!(latex_sig(f64::NAN, 4), r"\mathrm{NaN}");
    }
}
