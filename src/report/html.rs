//! Small HTML and number-formatting helpers shared by the renderers.

use std::collections::BTreeSet;
use std::fmt::Write as _;

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
///
/// The digits come from one scientific formatting into a stack buffer
/// (correctly rounded, so 9.99995 → 1e1 is handled); the fixed form is
/// those digits with the point moved, which is what formatting the rounded
/// value with `sig - 1 - e` decimals gives for `sig` ≤ 15.
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
    if sig > 15 {
        return Ok(sig_parts_slow(x, sig));
    }
    let mut buf = StackBuf::default();
    if write!(buf, "{:.*e}", sig - 1, x).is_err() {
        return Ok(sig_parts_slow(x, sig));
    }
    let sci = buf.as_str();
    let (m, e) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let e: i32 = e.parse().expect("exponent is an integer");
    if !(-4..6).contains(&e) {
        return Ok((trim_zeros(m).to_string(), Some(e)));
    }
    let (neg, m) = match m.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, m),
    };
    // The significant digits, without the point (`d` or `d.ddd`).
    let (lead, tail) = (&m[..1], m.get(2..).unwrap_or(""));
    let n_digits = 1 + tail.len();
    let digit = |k: usize| if k == 0 { lead } else { &tail[k - 1..k] };
    let mut out = String::with_capacity(sig + 8);
    if neg {
        out.push('-');
    }
    if e >= 0 {
        let int_len = e as usize + 1;
        for k in 0..int_len {
            out.push_str(if k < n_digits { digit(k) } else { "0" });
        }
        if n_digits > int_len {
            out.push('.');
            out.push_str(&tail[int_len - 1..]);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-e - 1) {
            out.push('0');
        }
        out.push_str(lead);
        out.push_str(tail);
    }
    let t = trim_zeros(&out).len();
    out.truncate(t);
    if out == "-0" {
        out = "0".to_string();
    }
    Ok((out, None))
}

/// The formatting [`sig_parts`] stands for: round through scientific
/// notation, parse, format with the decimals the magnitude calls for.
fn sig_parts_slow(x: f64, sig: usize) -> (String, Option<i32>) {
    let sci = format!("{:.*e}", sig - 1, x);
    let (m, e) = sci
        .split_once('e')
        .expect("scientific format has an exponent");
    let e: i32 = e.parse().expect("exponent is an integer");
    if (-4..6).contains(&e) {
        let decimals = (sig as i32 - 1 - e).max(0) as usize;
        let rounded: f64 = sci.parse().expect("scientific format parses");
        let fixed = format!("{:.*}", decimals, rounded);
        let t = trim_zeros(&fixed);
        (if t == "-0" { "0" } else { t }.to_string(), None)
    } else {
        let t = trim_zeros(m);
        (if t == "-0" { "0" } else { t }.to_string(), Some(e))
    }
}

/// A small formatting buffer on the stack.
struct StackBuf {
    bytes: [u8; 48],
    len: usize,
}

impl Default for StackBuf {
    fn default() -> Self {
        StackBuf {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl StackBuf {
    fn as_str(&self) -> &str {
        // Only whole `str`s are ever written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// `1.2300` → `1.23`, `2.000` → `2`; text without a point unchanged.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A relative link from a page `depth` folders below the site root to the
/// root: `""`, `"../"`, `"../../"`, …
pub fn root_prefix(depth: usize) -> String {
    "../".repeat(depth)
}

/// A link to the site page `rel` (`/`-separated, relative to where the
/// link stands): `./` and the path percent-encoded, so that no file name
/// can make a link a `javascript:` URL, a query, a fragment or a broken
/// one: `javascript:alert(1).html` → `./javascript%3Aalert(1).html`.
pub fn page_href(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len() + 2);
    out.push_str("./");
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/()!*,;=+@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_hrefs_are_encoded_relative_paths() {
        assert_eq!(
            page_href("javascript:alert(1).html"),
            "./javascript%3Aalert(1).html"
        );
        assert_eq!(page_href("a b/c.html"), "./a%20b/c.html");
        assert_eq!(
            page_href("q?x#y%z\n\"'<>.html"),
            "./q%3Fx%23y%25z%0A%22%27%3C%3E.html"
        );
        assert_eq!(page_href("é.html"), "./%C3%A9.html");
    }

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

    #[test]
    fn fast_digits_match_the_formatting_they_replace() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut values = vec![
            9.99995,
            9.9995,
            0.00099995,
            99999.5,
            999999.0,
            1e-5,
            1.0,
            -1.0,
            0.5,
            123456.0,
            12345.678,
            1e-4,
            9.9999e-5,
            5e-5,
            0.00012345,
            1e6,
            5.55e5,
            0.1 + 0.2,
            13.0 / 1.24,
            f64::MIN_POSITIVE,
            5e-324,
            f64::MAX,
        ];
        for _ in 0..20_000 {
            let bits = next();
            let mant = (bits >> 11) as f64 / (1u64 << 53) as f64;
            let exp = ((bits & 0xff) as i32 % 24) - 12;
            let sign = if bits & 0x100 != 0 { -1.0 } else { 1.0 };
            values.push(sign * mant * 10f64.powi(exp));
            values.push(f64::from_bits(bits));
        }
        for v in values {
            if !v.is_finite() || v == 0.0 {
                continue;
            }
            for sig in 1..=15 {
                assert_eq!(
                    sig_parts(v, sig).unwrap(),
                    sig_parts_slow(v, sig),
                    "{v:e} to {sig} digits"
                );
            }
        }
    }
}
