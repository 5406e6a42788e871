//! A small SVG element writer, in the manner of typst-svg: elements are
//! opened and closed on a buffer, attribute values and text are escaped,
//! numbers are written compactly and deterministically (at most one
//! decimal, no trailing zeros, never `-0`).

/// An SVG document being written.
#[derive(Default)]
pub struct Writer {
    out: String,
    open: Vec<&'static str>,
}

/// An element whose start tag is being written: add attributes, then end
/// it with [`Elem::close`] (no content), [`Elem::text`] or [`Elem::open`].
#[must_use = "an element must be closed, given text or opened"]
pub struct Elem<'w> {
    w: &'w mut Writer,
    name: &'static str,
}

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::with_capacity(4096),
            open: Vec::new(),
        }
    }

    /// Starts `<name`.
    pub fn elem(&mut self, name: &'static str) -> Elem<'_> {
        self.out.push('<');
        self.out.push_str(name);
        Elem { w: self, name }
    }

    /// Ends the innermost element opened with [`Elem::open`].
    pub fn end(&mut self) {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// The document, every open element ended.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.out
    }
}

impl Elem<'_> {
    /// `k="v"` with `v` escaped.
    pub fn attr(self, k: &str, v: &str) -> Self {
        self.w.out.push(' ');
        self.w.out.push_str(k);
        self.w.out.push_str("=\"");
        escape_into(&mut self.w.out, v);
        self.w.out.push('"');
        self
    }

    /// `k="n"` with `n` written by [`num`].
    pub fn num(self, k: &str, n: f64) -> Self {
        self.w.out.push(' ');
        self.w.out.push_str(k);
        self.w.out.push_str("=\"");
        num_into(&mut self.w.out, n);
        self.w.out.push('"');
        self
    }

    /// `k="…"` when `v` is `Some`.
    pub fn attr_opt(self, k: &str, v: Option<&str>) -> Self {
        match v {
            Some(v) => self.attr(k, v),
            None => self,
        }
    }

    /// `/>`.
    pub fn close(self) {
        self.w.out.push_str("/>");
    }

    /// `>`: children follow, until [`Writer::end`].
    pub fn open(self) {
        self.w.out.push('>');
        self.w.open.push(self.name);
    }

    /// `>text</name>`, `text` escaped.
    pub fn text(self, text: &str) {
        self.w.out.push('>');
        escape_into(&mut self.w.out, text);
        self.w.out.push_str("</");
        self.w.out.push_str(self.name);
        self.w.out.push('>');
    }
}

/// `s` with `& < > "` escaped (for text and attribute values).
pub fn escape_into(out: &mut String, s: &str) {
    // The text between special characters is copied in one piece.
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(rep);
        from = i + 1;
    }
    out.push_str(&s[from..]);
}

/// `n` with at most one decimal and no trailing zero: `3`, `2.5`, `-0.2`;
/// `0` for `-0` and for anything not finite.
pub fn num(n: f64) -> String {
    let mut s = String::new();
    num_into(&mut s, n);
    s
}

fn num_into(out: &mut String, n: f64) {
    if !n.is_finite() {
        out.push('0');
        return;
    }
    let tenths = (n * 10.0).round() as i64;
    if tenths == 0 {
        out.push('0');
        return;
    }
    if tenths < 0 {
        out.push('-');
    }
    let a = tenths.unsigned_abs();
    push_digits(out, a / 10);
    if !a.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (a % 10) as u8));
    }
}

/// The decimal digits of `n` (as `write!` prints them, without its cost).
fn push_digits(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[at..].iter().map(|&d| char::from(d)));
}

/// Whether [`num`] writes `n` with a leading `-`.
fn negative(n: f64) -> bool {
    n.is_finite() && ((n * 10.0).round() as i64) < 0
}

/// Path data built from commands with compact numbers.
#[derive(Default)]
pub struct PathData(String);

impl PathData {
    pub fn new() -> Self {
        PathData(String::new())
    }

    fn cmd(&mut self, c: char, args: &[f64]) {
        self.0.push(c);
        for (i, &a) in args.iter().enumerate() {
            if i > 0 && !(a < 0.0 && negative(a)) {
                self.0.push(' ');
            }
            num_into(&mut self.0, a);
        }
    }

    pub fn move_to(&mut self, x: f64, y: f64) -> &mut Self {
        self.cmd('M', &[x, y]);
        self
    }
    pub fn line_to(&mut self, x: f64, y: f64) -> &mut Self {
        self.cmd('L', &[x, y]);
        self
    }
    pub fn h(&mut self, dx: f64) -> &mut Self {
        self.cmd('h', &[dx]);
        self
    }
    pub fn v(&mut self, dy: f64) -> &mut Self {
        self.cmd('v', &[dy]);
        self
    }
    /// A zero-length segment: a dot when stroked with round caps.
    pub fn dot(&mut self, x: f64, y: f64) -> &mut Self {
        self.move_to(x, y);
        self.0.push_str("h0");
        self
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact_and_deterministic() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(-0.26), "-0.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(1.05), "1.1");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-12.34), "-12.3");
    }

    #[test]
    fn numbers_match_the_formatter_they_replace() {
        // The digits and the separator are written by hand: as `write!` did.
        let mut x: f64 = -1.0e6;
        while x < 1.0e6 {
            for v in [x, x * 1.37, x / 3.0, 1e15 + x, -1e15 - x] {
                let t = (v * 10.0).round() as i64;
                let a = t.unsigned_abs();
                let mut want = String::new();
                if t != 0 {
                    want = format!("{}{}", if t < 0 { "-" } else { "" }, a / 10);
                    if !a.is_multiple_of(10) {
                        want.push_str(&format!(".{}", a % 10));
                    }
                } else {
                    want.push('0');
                }
                assert_eq!(num(v), want, "{v}");
                assert_eq!(negative(v), want.starts_with('-'), "{v}");
            }
            x += 977.3;
        }
        let mut s = String::new();
        escape_into(&mut s, "é<\"&>x");
        assert_eq!(s, "é&lt;&quot;&amp;&gt;x");
    }

    #[test]
    fn elements_escape_and_nest() {
        let mut w = Writer::new();
        w.elem("g").attr("class", "a\"b").open();
        w.elem("text").num("x", 1.5).text("x < y & z");
        w.elem("rect").num("width", 2.0).close();
        let s = w.finish();
        assert_eq!(
            s,
            "<g class=\"a&quot;b\"><text x=\"1.5\">x &lt; y &amp; z</text><rect width=\"2\"/></g>"
        );
        roxmltree::Document::parse(&s).unwrap();
    }

    #[test]
    fn path_data_is_compact() {
        let mut p = PathData::new();
        p.move_to(1.0, 2.0)
            .h(3.5)
            .v(4.0)
            .move_to(-1.0, -2.0)
            .line_to(5.0, 6.0)
            .dot(7.0, 8.0);
        assert_eq!(p.as_str(), "M1 2h3.5v4M-1-2L5 6M7 8h0");
    }
}
