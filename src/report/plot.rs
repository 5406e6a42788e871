//! Figures as inline SVG, laid out as plotters' SVG backend draws them.
//!
//! Every figure is an `<svg class="plot …" role="img">` with a `<title>`
//! and a `<desc>` that says in words what the figure shows. Text is SVG
//! `<text>` (plotters without its font features only estimates text
//! extents): no font file is embedded or loaded, the page's stylesheet picks
//! the family. Axes, ticks and labels are drawn in a sentinel colour that
//! is rewritten to `currentColor`, so they follow the page's text colour in
//! dark mode; verdict colours become `c-<status>` classes that `style.css`
//! colours from its variables. Data colours (the diverging blue–white–red
//! scale) are the same in both schemes.
//!
//! All layout is integer pixels computed here, so output is deterministic.
//!
//! Speed (a site has thousands of figures): plotters' output is finished in
//! one pass over its tags (`finish`); heatmaps and bar charts, made of
//! rectangles, lines and labels only, skip plotters and are written
//! straight in their finished form by a `Canvas` (the same bytes: the
//! tests compare both ways on random figures); the frame of the
//! finite-difference figure (caption, grid, log axes, labels) depends only
//! on the axis ranges and is drawn once per process for each.

use std::fmt::Write as _;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::html::{escape, fmt_sig};
use crate::check::verdict::{Counts, DerivativeFigure, Matrix, Status};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Rewritten to `currentColor` (axes, ticks, labels).
const FG: RGBColor = RGBColor(1, 2, 3);
/// Rewritten to `currentColor` with a dash pattern (strokes only).
const DASHED: RGBColor = RGBColor(1, 2, 4);
/// Rewritten to the figure's colour-bar gradient (fills only).
const GRADIENT: RGBColor = RGBColor(1, 2, 5);
/// Rewritten to `currentColor` plus a class (`c-pass`, …, `c-curve`).
const CLASSED: [(RGBColor, &str); 7] = [
    (RGBColor(1, 3, 1), "c-pass"),
    (RGBColor(1, 3, 2), "c-fail"),
    (RGBColor(1, 3, 3), "c-error"),
    (RGBColor(1, 3, 4), "c-xfail"),
    (RGBColor(1, 3, 5), "c-xpass"),
    (RGBColor(1, 3, 6), "c-curve"),
    (RGBColor(1, 3, 7), "c-ref"),
];
const CURVE: RGBColor = CLASSED[5].0;
const REFERENCE: RGBColor = CLASSED[6].0;

/// Errors below this are drawn at this value on a log axis.
pub const LOG_FLOOR: f64 = 1e-17;

/// The order statuses are listed and stacked in (as in the count lists).
pub const STATUS_ORDER: [Status; 5] = [
    Status::Pass,
    Status::Fail,
    Status::Error,
    Status::Xfail,
    Status::Xpass,
];

/// Words for a status in charts and count lists.
pub fn status_words(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Xfail => "expected fail",
        Status::Xpass => "unexpected pass",
    }
}

fn status_colour(s: Status) -> RGBColor {
    let i = match s {
        Status::Pass => 0,
        Status::Fail => 1,
        Status::Error => 2,
        Status::Xfail => 3,
        Status::Xpass => 4,
    };
    CLASSED[i].0
}

fn count_of(c: &Counts, s: Status) -> usize {
    match s {
        Status::Pass => c.pass,
        Status::Fail => c.fail,
        Status::Error => c.error,
        Status::Xfail => c.xfail,
        Status::Xpass => c.xpass,
    }
}

/// A text style of `px` CSS pixels (the SVG backend divides by 1.24).
fn font(px: f64) -> TextStyle<'static> {
    ("sans-serif", px * 1.24).into_font().color(&FG)
}

fn font_at(px: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    font(px).pos(Pos::new(h, v))
}

/// A rough width of `text` at `px`, for layout (no font metrics exist).
fn text_width(text: &str, px: f64) -> i32 {
    (text.chars().count() as f64 * px * 0.56).ceil() as i32
}

fn stroke(c: RGBColor, alpha: f64, width: u32) -> ShapeStyle {
    ShapeStyle {
        color: c.mix(alpha),
        filled: false,
        stroke_width: width,
    }
}

fn fill(c: RGBColor) -> ShapeStyle {
    ShapeStyle {
        color: c.to_rgba(),
        filled: true,
        stroke_width: 0,
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<(), String> {
    r.map(|_| ()).map_err(|e| e.to_string())
}

/// Draws with `draw` on a `w`×`h` SVG and returns the finished element.
fn svg(
    w: u32,
    h: u32,
    meta: &Meta,
    draw: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<String, String> {
    let mut raw = String::new();
    {
        let root = SVGBackend::with_string(&mut raw, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    #[cfg(test)]
    if tests::REFERENCE.get() {
        return Ok(tests::finish_reference(&raw, meta));
    }
    Ok(finish(&raw, meta))
}

/// What wraps a figure's drawing.
struct Meta<'a> {
    class: &'a str,
    title: &'a str,
    desc: &'a str,
    /// `<defs>` content, when the figure uses the colour-bar gradient.
    gradient_id: Option<&'a str>,
}

/// The opening of a finished figure: `<svg …>` with its accessibility
/// attributes (`open` is plotters' attribute text without `xmlns`), the
/// title, the description and the gradient, then a newline.
fn svg_head(out: &mut String, open: &str, meta: &Meta) {
    let _ = write!(
        out,
        "<svg class=\"plot {}\" role=\"img\" aria-label=\"{}\"{open} fill=\"currentColor\" font-family=\"sans-serif\">",
        meta.class,
        escape(meta.title)
    );
    let _ = write!(
        out,
        "<title>{}</title><desc>{}</desc>",
        escape(meta.title),
        escape(meta.desc)
    );
    if let Some(id) = meta.gradient_id {
        let _ = write!(
            out,
            "<defs><linearGradient id=\"{}\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">",
            escape(id)
        );
        for k in 0..=10 {
            let t = k as f64 / 5.0 - 1.0;
            let _ = write!(
                out,
                "<stop offset=\"{}\" stop-color=\"{}\"/>",
                k as f64 / 10.0,
                hex(diverging(t))
            );
        }
        out.push_str("</linearGradient></defs>");
    }
    out.push('\n');
}

/// Rewrites plotters' SVG in one pass: attributes for accessibility,
/// sentinel colours to `currentColor` and classes, no redundant attributes
/// (`opacity="1"`, `stroke-width="1"`, a trailing `stroke="none"`; on
/// `<text>` the family, colour and start anchor the `<svg>` already gives),
/// font sizes rounded, `<text>` content without plotters' newlines.
fn finish(raw: &str, meta: &Meta) -> String {
    let (open, body) = match raw.find(">\n") {
        Some(i) if raw.starts_with("<svg") => (&raw[4..i], &raw[i + 2..]),
        _ => ("", raw),
    };
    // Inline in HTML an `<svg>` is in the SVG namespace without `xmlns`.
    let open = open.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
    let mut out = String::with_capacity(raw.len() + meta.desc.len() + 1024);
    svg_head(&mut out, &open, meta);
    let gradient = meta.gradient_id.map(|id| format!("url(#{})", escape(id)));
    rewrite_body(body, gradient.as_deref(), &mut out);
    let keep = out.trim_end().len();
    out.truncate(keep);
    out
}

/// The class of a sentinel colour written `#RRGGBB`.
fn classed(value: &str) -> Option<&'static str> {
    let b = value.as_bytes();
    if b.len() != 7 || &b[..5] != b"#0103" || b[5] != b'0' {
        return None;
    }
    match b[6] {
        b'1' => Some("c-pass"),
        b'2' => Some("c-fail"),
        b'3' => Some("c-error"),
        b'4' => Some("c-xfail"),
        b'5' => Some("c-xpass"),
        b'6' => Some("c-curve"),
        b'7' => Some("c-ref"),
        _ => None,
    }
}

/// One tag of plotters' output: `<name k="v" …>` or `<name k="v" …/>`.
/// Returns the name, whether it closes itself and its length in bytes;
/// `None` for anything else (copied as it is).
fn parse_tag<'s>(
    s: &'s str,
    attrs: &mut Vec<(&'s str, &'s str)>,
) -> Option<(&'s str, bool, usize)> {
    attrs.clear();
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() && !matches!(b[i], b' ' | b'>' | b'/') {
        i += 1;
    }
    let name = &s[1..i];
    loop {
        match b.get(i)? {
            b'>' => return Some((name, false, i + 1)),
            b'/' if b.get(i + 1) == Some(&b'>') => return Some((name, true, i + 2)),
            b' ' => {
                let k0 = i + 1;
                let eq = k0 + s[k0..].find('=')?;
                if b.get(eq + 1) != Some(&b'"') || s[k0..eq].contains([' ', '>', '"']) {
                    return None;
                }
                let v0 = eq + 2;
                let v1 = v0 + s[v0..].find('"')?;
                attrs.push((&s[k0..eq], &s[v0..v1]));
                i = v1 + 1;
            }
            _ => return None,
        }
    }
}

/// The body of plotters' SVG (after its `<svg …>` line), finished into `out`.
fn rewrite_body(body: &str, gradient: Option<&str>, out: &mut String) {
    let mut attrs: Vec<(&str, &str)> = Vec::with_capacity(16);
    let mut sizes = FontSizes::default();
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("</") {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            let tag = &rest[..end];
            // `label\n</text>` → `label</text>`.
            if tag == "</text>" && out.ends_with('\n') {
                out.pop();
            }
            out.push_str(tag);
            rest = &rest[end..];
            continue;
        }
        let Some((name, self_closing, len)) = parse_tag(rest, &mut attrs) else {
            out.push_str(rest);
            return;
        };
        emit_tag(out, name, &attrs, self_closing, gradient, &mut sizes);
        rest = &rest[len..];
        // `<text …>\nlabel` → `<text …>label`.
        if name == "text" {
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    out.push_str(rest);
}

/// Rounded font sizes by plotters' text for them (a figure uses a few).
#[derive(Default)]
struct FontSizes(Vec<(String, String)>);

impl FontSizes {
    fn rounded(&mut self, raw: &str) -> &str {
        let i = match self.0.iter().position(|(r, _)| r == raw) {
            Some(i) => i,
            None => {
                self.0.push((raw.to_string(), round_font_size(raw)));
                self.0.len() - 1
            }
        };
        &self.0[i].1
    }
}

/// One of plotters' tags (`<name k="v" …>`, or `…/>` when `self_closing`),
/// finished: sentinel colours to `currentColor` and classes, no redundant
/// attributes (`opacity="1"`, `stroke-width="1"`, a trailing
/// `stroke="none"`; on `<text>` the family, colour and start anchor the
/// `<svg>` already gives), font sizes rounded.
fn emit_tag(
    out: &mut String,
    name: &str,
    attrs: &[(&str, &str)],
    self_closing: bool,
    gradient: Option<&str>,
    sizes: &mut FontSizes,
) {
    let is_text = name == "text";
    let redundant = |k: &str, v: &str| v == "1" && (k == "opacity" || k == "stroke-width");
    // ` stroke="none"/>` → `/>` once the redundant attributes are gone.
    let last_kept = attrs.iter().rposition(|&(k, v)| !redundant(k, v));
    let drop_last = self_closing && last_kept.is_some_and(|i| attrs[i] == ("stroke", "none"));
    out.push('<');
    out.push_str(name);
    for (i, &(k, v)) in attrs.iter().enumerate() {
        if redundant(k, v) || (drop_last && Some(i) == last_kept) {
            continue;
        }
        if is_text
            && ((k == "font-family" && v == "sans-serif") || (k == "text-anchor" && v == "start"))
        {
            continue;
        }
        let colour_key = k == "fill" || k == "stroke";
        if v == "#010203" {
            // Text inherits `currentColor` from the `<svg>`.
            if !(is_text && k == "fill") {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"currentColor\"");
            }
        } else if k == "stroke" && v == "#010204" {
            out.push_str(" stroke=\"currentColor\" stroke-dasharray=\"5 4\"");
        } else if let (true, Some(g)) = (k == "fill" && v == "#010205", gradient) {
            out.push_str(" fill=\"");
            out.push_str(g);
            out.push('"');
        } else if let (true, Some(class)) = (colour_key, classed(v)) {
            if !(is_text && k == "fill") {
                out.push(' ');
                out.push_str(k);
                out.push_str("=\"currentColor\"");
            }
            out.push_str(" class=\"");
            out.push_str(class);
            out.push('"');
        } else if k == "font-size" {
            out.push_str(" font-size=\"");
            out.push_str(sizes.rounded(v));
            out.push('"');
        } else {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(v);
            out.push('"');
        }
    }
    out.push_str(if self_closing { "/>" } else { ">" });
}

// ---- drawing straight into finished SVG -----------------------------------

/// The shapes the heatmaps and bar charts are drawn with, on a root
/// drawing area: a [`Canvas`] writes them as finished SVG directly; in
/// tests, plotters draws them (the reference).
trait Draw {
    fn rect(&mut self, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Result<(), String>;
    fn path(&mut self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), String>;
    fn text(&mut self, text: String, pos: (i32, i32), style: TextStyle) -> Result<(), String>;
}

impl Draw for &Area<'_> {
    fn rect(&mut self, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Result<(), String> {
        ok(self.draw(&Rectangle::new([a, b], style)))
    }
    fn path(&mut self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), String> {
        ok(self.draw(&PathElement::new(points, style)))
    }
    fn text(&mut self, text: String, pos: (i32, i32), style: TextStyle) -> Result<(), String> {
        ok(self.draw(&Text::new(text, pos, style)))
    }
}

/// A `w`×`h` figure written straight as finished SVG: each shape as
/// plotters' SVG backend writes it on a root drawing area (points clamped
/// to the area, the same attributes in the same order, numbers formatted
/// the same way), then finished by [`emit_tag`] as [`finish`] would.
struct Canvas {
    w: i32,
    h: i32,
    out: String,
    gradient: Option<String>,
    sizes: FontSizes,
    floats: Floats,
    /// Attribute values of the shape being written.
    scratch: String,
}

impl Canvas {
    fn new(w: u32, h: u32, meta: &Meta) -> Self {
        let mut out = String::with_capacity(4096 + meta.desc.len());
        svg_head(
            &mut out,
            &format!(" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\""),
            meta,
        );
        Canvas {
            w: w as i32,
            h: h as i32,
            out,
            gradient: meta.gradient_id.map(|id| format!("url(#{})", escape(id))),
            sizes: FontSizes::default(),
            floats: Floats::default(),
            scratch: String::with_capacity(256),
        }
    }

    fn clamp(&self, p: (i32, i32)) -> (i32, i32) {
        (p.0.min(self.w).max(0), p.1.min(self.h).max(0))
    }

    /// Writes the tag whose attribute values are in `scratch` at `ends`.
    fn emit(&mut self, name: &str, keys: &[&str], ends: &[usize], self_closing: bool) {
        let mut attrs: [(&str, &str); 12] = [("", ""); 12];
        let mut start = 0;
        for (i, (&k, &end)) in keys.iter().zip(ends).enumerate() {
            attrs[i] = (k, &self.scratch[start..end]);
            start = end;
        }
        emit_tag(
            &mut self.out,
            name,
            &attrs[..keys.len()],
            self_closing,
            self.gradient.as_deref(),
            &mut self.sizes,
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// Appends `v` as `{v}` formats it and returns the end of the value in `s`.
fn int(s: &mut String, v: i64) -> usize {
    if v < 0 {
        s.push('-');
    }
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits.
    s.push_str(std::str::from_utf8(&digits[k..]).unwrap_or_default());
    s.len()
}

/// Appends `#RRGGBB` (upper case, as plotters writes colours).
fn colour_hex(s: &mut String, (r, g, b): (u8, u8, u8)) -> usize {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    s.push('#');
    for c in [r, g, b] {
        s.push(HEX[(c >> 4) as usize] as char);
        s.push(HEX[(c & 15) as usize] as char);
    }
    s.len()
}

/// `{v}` of the few floats a figure writes (opacities, font sizes), each
/// formatted once.
#[derive(Default)]
struct Floats(Vec<(u64, String)>);

impl Floats {
    fn push(&mut self, s: &mut String, v: f64) -> usize {
        match self.0.iter().find(|(bits, _)| *bits == v.to_bits()) {
            Some((_, text)) => s.push_str(text),
            None => {
                let text = v.to_string();
                s.push_str(&text);
                self.0.push((v.to_bits(), text));
            }
        }
        s.len()
    }
}

impl Draw for Canvas {
    fn rect(&mut self, a: (i32, i32), b: (i32, i32), style: ShapeStyle) -> Result<(), String> {
        let (a, b) = (self.clamp(a), self.clamp(b));
        let (a, b) = ((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1)));
        let c = style.color;
        if c.3 == 0.0 {
            return Ok(());
        }
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        let mut ends = [0usize; 7];
        ends[0] = int(&mut s, a.0 as i64);
        ends[1] = int(&mut s, a.1 as i64);
        ends[2] = int(&mut s, (b.0 - a.0) as i64);
        ends[3] = int(&mut s, (b.1 - a.1) as i64);
        ends[4] = self.floats.push(&mut s, c.3);
        if style.filled {
            ends[5] = colour_hex(&mut s, (c.0, c.1, c.2));
            s.push_str("none");
            ends[6] = s.len();
        } else {
            s.push_str("none");
            ends[5] = s.len();
            ends[6] = colour_hex(&mut s, (c.0, c.1, c.2));
        }
        self.scratch = s;
        self.emit(
            "rect",
            &["x", "y", "width", "height", "opacity", "fill", "stroke"],
            &ends,
            true,
        );
        self.out.push('\n');
        Ok(())
    }

    fn path(&mut self, points: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), String> {
        let c = style.color;
        if c.3 == 0.0 {
            return Ok(());
        }
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        let mut ends = [0usize; 5];
        s.push_str("none");
        ends[0] = s.len();
        ends[1] = self.floats.push(&mut s, c.3);
        ends[2] = colour_hex(&mut s, (c.0, c.1, c.2));
        ends[3] = int(&mut s, style.stroke_width.into());
        for p in points {
            let (x, y) = self.clamp(p);
            let _ = write!(s, "{x},{y} ");
        }
        ends[4] = s.len();
        self.scratch = s;
        self.emit(
            "polyline",
            &["fill", "opacity", "stroke", "stroke-width", "points"],
            &ends,
            true,
        );
        self.out.push('\n');
        Ok(())
    }

    fn text(&mut self, text: String, pos: (i32, i32), style: TextStyle) -> Result<(), String> {
        let color = style.color;
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (x0, y0) = self.clamp(pos);
        let mut s = std::mem::take(&mut self.scratch);
        s.clear();
        let mut keys = [""; 10];
        let mut ends = [0usize; 10];
        let mut n = 0;
        let mut push = |k: &'static str, end: usize| {
            keys[n] = k;
            ends[n] = end;
            n += 1;
        };
        push("x", int(&mut s, x0.into()));
        push("y", int(&mut s, y0.into()));
        s.push_str(match style.pos.v_pos {
            VPos::Top => "0.76em",
            VPos::Center => "0.5ex",
            VPos::Bottom => "-0.5ex",
        });
        push("dy", s.len());
        s.push_str(match style.pos.h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "middle",
        });
        push("text-anchor", s.len());
        s.push_str(style.font.get_family().as_str());
        push("font-family", s.len());
        push(
            "font-size",
            self.floats.push(&mut s, style.font.get_size() / 1.24),
        );
        push("opacity", self.floats.push(&mut s, color.alpha));
        push("fill", colour_hex(&mut s, color.rgb));
        match style.font.get_style() {
            FontStyle::Normal => {}
            FontStyle::Bold => {
                s.push_str("bold");
                push("font-weight", s.len());
            }
            other => {
                s.push_str(other.as_str());
                push("font-style", s.len());
            }
        }
        let rotate = match style.font.get_transform() {
            FontTransform::Rotate90 => Some(90),
            FontTransform::Rotate180 => Some(180),
            FontTransform::Rotate270 => Some(270),
            _ => None,
        };
        if let Some(deg) = rotate {
            let _ = write!(s, "rotate({deg}, {x0}, {y0})");
            push("transform", s.len());
        }
        self.scratch = s;
        self.emit("text", &keys[..n], &ends[..n], false);
        // plotters' escaping of the label.
        for ch in text.chars() {
            match ch {
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '&' => self.out.push_str("&amp;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&apos;"),
                c => self.out.push(c),
            }
        }
        self.out.push_str("</text>\n");
        Ok(())
    }
}

/// A `w`×`h` figure drawn by `draw`, finished.
fn figure(
    w: u32,
    h: u32,
    meta: &Meta,
    draw: impl FnOnce(&mut dyn Draw) -> Result<(), String>,
) -> Result<String, String> {
    #[cfg(test)]
    if tests::REFERENCE.get() {
        return svg(w, h, meta, |root| {
            let mut area = root;
            draw(&mut area)
        });
    }
    let mut canvas = Canvas::new(w, h, meta);
    draw(&mut canvas)?;
    Ok(canvas.finish())
}

/// `13.000000000000002` → `13` (two decimals, at most 4 significant digits).
fn round_font_size(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(x) => fmt_sig((x * 100.0).round() / 100.0, 4),
        Err(_) => v.to_string(),
    }
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

// ---- the diverging colour scale ----------------------------------------------

/// ColorBrewer RdBu, white in the middle: index 0 is 0, index 5 is ±1.
const REDS: [(u8, u8, u8); 6] = [
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];
const BLUES: [(u8, u8, u8); 6] = [
    (0xf7, 0xf7, 0xf7),
    (0xd1, 0xe5, 0xf0),
    (0x92, 0xc5, 0xde),
    (0x43, 0x93, 0xc3),
    (0x21, 0x66, 0xac),
    (0x05, 0x30, 0x61),
];

/// The colour of `t` ∈ [−1, 1] (clamped): blue negative, white 0, red positive.
pub fn diverging(t: f64) -> RGBColor {
    if !t.is_finite() {
        return RGBColor(0x96, 0x96, 0x96);
    }
    let t = t.clamp(-1.0, 1.0);
    let stops = if t >= 0.0 { &REDS } else { &BLUES };
    let x = t.abs() * 5.0;
    let i = (x.floor() as usize).min(4);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// `t` rounded to one of 65 levels, so equal neighbours merge into one rect.
fn quantise(t: f64) -> f64 {
    if t.is_finite() {
        (t.clamp(-1.0, 1.0) * 32.0).round() / 32.0
    } else {
        t
    }
}

/// Text on a cell of colour `c`: dark on light cells, white on dark ones.
fn ink_on(c: RGBColor) -> RGBColor {
    let l = 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    if l > 140.0 {
        RGBColor(0x1d, 0x1d, 0x1f)
    } else {
        RGBColor(0xff, 0xff, 0xff)
    }
}

// ---- heatmaps ---------------------------------------------------------------

/// One heatmap panel: a title over a matrix.
pub struct Panel<'m> {
    pub title: String,
    pub matrix: &'m Matrix,
}

fn dims(m: &Matrix) -> (usize, usize) {
    let rows = m.data.len();
    let cols = m.data.iter().map(Vec::len).max().unwrap_or(0);
    (rows, cols)
}

/// Largest finite magnitude over all panels.
fn max_abs(panels: &[&Panel]) -> f64 {
    panels
        .iter()
        .flat_map(|p| p.matrix.data.iter().flatten())
        .filter(|v| v.is_finite())
        .fold(0.0f64, |a, v| a.max(v.abs()))
}

fn count_non_finite(panels: &[&Panel]) -> usize {
    panels
        .iter()
        .flat_map(|p| p.matrix.data.iter().flatten())
        .filter(|v| !v.is_finite())
        .count()
}

/// `a − b` entrywise, when the shapes agree.
pub fn difference(a: &Matrix, b: &Matrix) -> Option<Matrix> {
    if dims(a) != dims(b) || a.data.iter().zip(&b.data).any(|(x, y)| x.len() != y.len()) {
        return None;
    }
    let data: Vec<Vec<f64>> = a
        .data
        .iter()
        .zip(&b.data)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p - q).collect())
        .collect();
    Some(Matrix {
        rows: a.rows,
        cols: a.cols,
        data,
    })
}

/// Labelled positions 1, s, 2s, … (1-based) on an axis of `n` cells of
/// `cell` pixels, at least `gap` pixels apart.
fn ticks(n: usize, cell: i32, gap: i32) -> Vec<usize> {
    let step = [1usize, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|&s| s as i32 * cell >= gap)
        .unwrap_or(100);
    let mut v = vec![1];
    let mut k = step;
    while k <= n {
        if k != 1 && (k - v[v.len() - 1]) as i32 * cell >= gap {
            v.push(k);
        }
        k += step;
    }
    v
}

struct HeatLayout {
    cell: i32,
    stacked: bool,
}

fn heat_layout(n_panels: usize, rows: usize, cols: usize) -> HeatLayout {
    let (r, c) = (rows.max(1) as f64, cols.max(1) as f64);
    let fit = |w: f64, h: f64| ((w / c).min(h / r).floor() as i32).clamp(2, 40);
    if n_panels <= 1 {
        return HeatLayout {
            cell: fit(440.0, 260.0),
            stacked: false,
        };
    }
    let side = fit(165.0, 230.0);
    let stacked = fit(520.0, 90.0);
    // Side by side reads best; stack only when the panels would be slivers.
    if side < 10 && stacked > side {
        HeatLayout {
            cell: stacked,
            stacked: true,
        }
    } else {
        HeatLayout {
            cell: side,
            stacked: false,
        }
    }
}

/// Heatmaps of the panels side by side (or stacked, for wide matrices), on
/// one symmetric blue–white–red scale with a colour bar; `None` when there
/// is nothing to draw. `id` must be unique in the page (the gradient's id).
pub fn heatmaps(panels: &[Panel], title: &str, desc: &str, id: &str) -> Option<String> {
    let panels: Vec<&Panel> = panels
        .iter()
        .filter(|p| {
            let (r, c) = dims(p.matrix);
            r > 0 && c > 0
        })
        .collect();
    if panels.is_empty() {
        return None;
    }
    let (rows, cols) = panels.iter().fold((0, 0), |(r, c), p| {
        let (pr, pc) = dims(p.matrix);
        (r.max(pr), c.max(pc))
    });
    let lay = heat_layout(panels.len(), rows, cols);
    let cell = lay.cell;
    let annotate = cell >= 34;
    let scale = max_abs(&panels);
    let norm = if scale > 0.0 { scale } else { 1.0 };

    // Geometry of one panel slot.
    let row_digits = rows.to_string().len() as i32;
    let left = 18 + 7 * row_digits + 6; // axis title + tick labels + gap
    let title_h = 20;
    let bottom = 34; // column ticks + axis title
    let (pw, ph) = (cols as i32 * cell, rows as i32 * cell);
    let slot_w = panels
        .iter()
        .map(|p| left + pw.max(text_width(&p.title, 12.0) + 4))
        .max()
        .unwrap_or(0)
        .max(left + 60);
    let slot_h = title_h + ph + bottom;
    let gap = 22;
    let n = panels.len() as i32;
    let head = 24; // the figure's title
    let bar_h = 46; // colour bar, its labels and caption
    let (w, h) = if lay.stacked {
        (slot_w.max(300), head + n * slot_h + (n - 1) * 8 + bar_h)
    } else {
        ((n * slot_w + (n - 1) * gap).max(300), head + slot_h + bar_h)
    };

    let nf = count_non_finite(&panels);
    let mut full_desc = desc.to_string();
    if nf > 0 {
        let _ = write!(full_desc, " {nf} entries are not finite numbers (grey).");
    }
    let meta = Meta {
        class: "heatmap figure-heatmaps",
        title,
        desc: &full_desc,
        gradient_id: Some(id),
    };
    figure(w as u32, h as u32, &meta, |d| {
        d.text(
            title.to_string(),
            (0, 2),
            font_at(13.0, HPos::Left, VPos::Top),
        )?;
        for (k, p) in panels.iter().enumerate() {
            let k = k as i32;
            let (x0, y0) = if lay.stacked {
                (0, head + k * (slot_h + 8))
            } else {
                (k * (slot_w + gap), head)
            };
            let (px, py) = (x0 + left, y0 + title_h);
            let (pr, pc) = dims(p.matrix);
            let (pw, ph) = (pc as i32 * cell, pr as i32 * cell);
            d.text(
                p.title.clone(),
                (px, y0 + 14),
                font_at(12.0, HPos::Left, VPos::Bottom),
            )?;
            // White background, then runs of equal colour per row.
            d.rect((px, py), (px + pw, py + ph), fill(diverging(0.0)))?;
            for (r, row) in p.matrix.data.iter().enumerate() {
                let y = py + r as i32 * cell;
                let mut c = 0;
                while c < row.len() {
                    let t = quantise(row[c] / norm);
                    let mut end = c + 1;
                    while end < row.len() && quantise(row[end] / norm).to_bits() == t.to_bits() {
                        end += 1;
                    }
                    if t != 0.0 {
                        d.rect(
                            (px + c as i32 * cell, y),
                            (px + end as i32 * cell, y + cell),
                            fill(diverging(t)),
                        )?;
                    }
                    c = end;
                }
                if annotate {
                    for (c, &v) in row.iter().enumerate() {
                        let Some((label, size)) = cell_label(v, cell - 4) else {
                            continue;
                        };
                        let ink = ink_on(diverging(quantise(v / norm)));
                        d.text(
                            label,
                            (px + c as i32 * cell + cell / 2, y + cell / 2),
                            ("sans-serif", size * 1.24)
                                .into_font()
                                .color(&ink)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )?;
                    }
                }
            }
            d.rect((px, py), (px + pw, py + ph), stroke(FG, 0.55, 1))?;
            // Row ticks on the left, column ticks below.
            for i in ticks(pr, cell, 13) {
                let y = py + (i as i32 - 1) * cell + cell / 2;
                d.text(
                    i.to_string(),
                    (px - 4, y),
                    font_at(10.0, HPos::Right, VPos::Center),
                )?;
            }
            for j in ticks(pc, cell, 7 * pc.to_string().len() as i32 + 6) {
                let x = px + (j as i32 - 1) * cell + cell / 2;
                d.text(
                    j.to_string(),
                    (x, py + ph + 3),
                    font_at(10.0, HPos::Center, VPos::Top),
                )?;
            }
            d.text(
                "column".to_string(),
                (px + pw / 2, py + ph + 30),
                font_at(10.5, HPos::Center, VPos::Bottom),
            )?;
            d.text(
                "row".to_string(),
                (x0 + 2, py + ph / 2),
                font_at(10.5, HPos::Center, VPos::Top).transform(FontTransform::Rotate270),
            )?;
        }
        // The colour bar.
        let bw = 200.min(w - 130);
        let by = h - bar_h + 8;
        let bx = left;
        d.rect((bx, by), (bx + bw, by + 10), fill(GRADIENT))?;
        d.rect((bx, by), (bx + bw, by + 10), stroke(FG, 0.55, 1))?;
        let (lo, hi) = if scale > 0.0 {
            (minus(&format!("−{}", fmt_sig(scale, 3))), fmt_sig(scale, 3))
        } else {
            ("−0".to_string(), "0".to_string())
        };
        for (x, label, anchor) in [
            (bx, lo, HPos::Left),
            (bx + bw / 2, "0".to_string(), HPos::Center),
            (bx + bw, hi, HPos::Right),
        ] {
            d.path(vec![(x, by + 10), (x, by + 14)], stroke(FG, 0.7, 1))?;
            d.text(label, (x, by + 16), font_at(10.0, anchor, VPos::Top))?;
        }
        let caption = if scale > 0.0 {
            "one shared scale"
        } else {
            "every entry is 0"
        };
        d.text(
            caption.to_string(),
            (bx + bw + 10, by + 5),
            font_at(10.5, HPos::Left, VPos::Center),
        )?;
        Ok(())
    })
    .ok()
}

/// A cell's value as text and its font size, fitted to `width` pixels:
/// 3 significant digits, else 2, else a smaller font; `None` if nothing fits.
fn cell_label(v: f64, width: i32) -> Option<(String, f64)> {
    for (sig, px) in [(3, 10.0), (2, 10.0), (2, 8.5)] {
        let t = minus(&fmt_sig(v, sig));
        if text_width(&t, px) <= width {
            return Some((t, px));
        }
    }
    None
}

/// `-1.5` → `−1.5` (a real minus sign), `1e-7` kept.
fn minus(s: &str) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s.to_string(),
    }
}

// ---- the finite-difference check ----------------------------------------------

/// `10⁻⁶` for a power of ten, else `1.5e-6`.
pub fn step_text(h: f64) -> String {
    if h > 0.0 && h.is_finite() {
        let e = h.log10().round();
        if ((h / 10f64.powf(e)) - 1.0).abs() < 1e-9 {
            return pow10(e as i32);
        }
    }
    fmt_sig(h, 2)
}

fn pow10(e: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if e < 0 {
        s.push('⁻');
    }
    for d in e.unsigned_abs().to_string().bytes() {
        s.push(SUP[(d - b'0') as usize]);
    }
    s
}

/// The relative error of the central difference against the exact
/// derivative over the steps, log-log, with the step the check uses marked.
/// `None` when the curve has no usable point.
pub fn fd_plot(fig: &DerivativeFigure, title: &str) -> Option<String> {
    let pts: Vec<(f64, f64)> = fig
        .fd_curve
        .iter()
        .filter(|(h, e)| h.is_finite() && *h > 0.0 && !e.is_nan())
        .map(|&(h, e)| (h, if e.is_finite() { e.max(LOG_FLOOR) } else { 1.0 }))
        .collect();
    if pts.is_empty() {
        return None;
    }
    let lg = |v: f64| v.log10();
    let hmin = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let hmax = pts.iter().map(|p| p.0).fold(0.0, f64::max);
    let emin = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let emax = pts.iter().map(|p| p.1).fold(0.0, f64::max);
    let x_lo = 10f64.powf(lg(hmin).floor() - 0.3);
    let x_hi = 10f64.powf(lg(hmax).ceil() + 0.3);
    let mut y_lo = lg(emin).floor() - 0.5;
    let mut y_hi = lg(emax).ceil() + 0.5;
    if y_hi - y_lo < 4.0 {
        let mid = (y_hi + y_lo) / 2.0;
        y_lo = mid - 2.0;
        y_hi = mid + 2.0;
    }
    let (y_lo, y_hi) = (10f64.powf(y_lo), 10f64.powf(y_hi));

    let step = fig.step_used;
    let at_step = pts
        .iter()
        .min_by(|a, b| {
            (lg(a.0) - lg(step))
                .abs()
                .total_cmp(&(lg(b.0) - lg(step)).abs())
        })
        .filter(|p| (lg(p.0) - lg(step)).abs() < 0.05)
        .copied();
    let best = pts
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .expect("not empty");
    let zeros = fig
        .fd_curve
        .iter()
        .filter(|(_, e)| *e < LOG_FLOOR && *e >= 0.0)
        .count();

    let mut desc = format!(
        "Log-log plot of the relative error of the central difference against the exact derivative, for steps h from {} to {}. Smallest error {} at h = {}.",
        step_text(hmax),
        step_text(hmin),
        fmt_sig(best.1, 2),
        step_text(best.0)
    );
    if let (Some(&first), Some(&last)) = (pts.first(), pts.last()) {
        let _ = write!(
            desc,
            " Error {} at h = {} and {} at h = {}.",
            fmt_sig(first.1, 2),
            step_text(first.0),
            fmt_sig(last.1, 2),
            step_text(last.0)
        );
    }
    if step.is_finite() && step > 0.0 {
        let _ = write!(desc, " The check uses h = {}", step_text(step));
        match at_step {
            Some(p) => {
                let _ = write!(desc, ", where the error is {}.", fmt_sig(p.1, 2));
            }
            None => desc.push('.'),
        }
    }
    if zeros > 0 {
        let _ = write!(
            desc,
            " {zeros} errors of exactly 0 are drawn at {}.",
            fmt_sig(LOG_FLOOR, 1)
        );
    }

    let meta = Meta {
        class: "figure-fd",
        title,
        desc: &desc,
        gradient_id: None,
    };
    let (w, h) = (560u32, 320u32);
    let frame = FdFrame {
        title,
        w,
        h,
        x: (x_lo, x_hi),
        y: (y_lo, y_hi),
    };
    let series = |chart: &mut FdChart| -> Result<(), String> {
        // Reference slopes: truncation ∝ h² from the largest step, rounding
        // ∝ 1/h from the smallest, where the curve shows them.
        let first = pts[0];
        let last = pts[pts.len() - 1];
        let (big, small) = if first.0 >= last.0 {
            (first, last)
        } else {
            (last, first)
        };
        // A reference line between two points, labelled at its middle.
        let reference = |chart: &mut FdChart,
                         line: [(f64, f64); 2],
                         label: &'static str,
                         pos: HPos|
         -> Result<(), String> {
            ok(chart.draw_series(std::iter::once(PathElement::new(
                line.to_vec(),
                stroke(REFERENCE, 0.9, 1),
            ))))?;
            let mid = (
                (line[0].0 * line[1].0).sqrt(),
                (line[0].1 * line[1].1).sqrt(),
            );
            ok(chart.draw_series(std::iter::once(Text::new(
                label,
                (
                    if matches!(pos, HPos::Right) {
                        mid.0 / 1.6
                    } else {
                        mid.0 * 1.6
                    },
                    mid.1 * 1.6,
                ),
                font_at(11.0, pos, VPos::Bottom),
            ))))
        };
        if big.1 > 1e-12 && big.1 > 1e3 * emin {
            let h_end = (big.0 * 10f64.powf(-3.0)).max((big.1 / y_lo).sqrt().recip() * big.0);
            let line = [
                (big.0, big.1 * 2.5),
                (h_end, big.1 * 2.5 * (h_end / big.0).powi(2)),
            ];
            reference(chart, line, "∝ h²", HPos::Right)?;
        }
        if small.1 > 10.0 * LOG_FLOOR && small.1 > 1e2 * emin {
            let h_end = small.0 * 1e4;
            let line = [
                (small.0, small.1 * 2.5),
                (h_end, small.1 * 2.5 * small.0 / h_end),
            ];
            reference(chart, line, "∝ 1/h", HPos::Left)?;
        }

        // The step the check uses.
        if step.is_finite() && step > x_lo && step < x_hi {
            ok(chart.draw_series(std::iter::once(PathElement::new(
                vec![(step, y_lo), (step, y_hi)],
                stroke(DASHED, 0.75, 1),
            ))))?;
            let right_half = lg(step) > (lg(x_lo) + lg(x_hi)) / 2.0 + 0.8;
            let text = format!("h used = {}", step_text(step));
            let (pos, anchor) = if right_half {
                ((step / 1.3, y_hi / 1.6), HPos::Right)
            } else {
                ((step * 1.3, y_hi / 1.6), HPos::Left)
            };
            ok(chart.draw_series(std::iter::once(Text::new(
                text,
                pos,
                font_at(11.0, anchor, VPos::Top),
            ))))?;
        }

        ok(chart.draw_series(std::iter::once(PathElement::new(
            pts.clone(),
            stroke(CURVE, 1.0, 2),
        ))))?;
        ok(chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, fill(CURVE)))))?;
        if let Some(p) = at_step {
            ok(chart.draw_series(std::iter::once(Circle::new(p, 6, stroke(FG, 1.0, 2)))))?;
        }
        Ok(())
    };
    #[cfg(test)]
    if tests::REFERENCE.get() {
        return svg(w, h, &meta, |root| {
            let mut chart = frame.chart(root)?;
            frame.mesh(&mut chart)?;
            series(&mut chart)
        })
        .ok();
    }
    frame.draw(&meta, series).ok()
}

type FdChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<LogCoord<f64>, LogCoord<f64>>>;

/// The frame of the finite-difference figure: size, caption, log-log axes.
struct FdFrame<'t> {
    title: &'t str,
    w: u32,
    h: u32,
    x: (f64, f64),
    y: (f64, f64),
}

impl FdFrame<'_> {
    fn chart<'a, 'b>(&self, root: &Area<'b>) -> Result<FdChart<'a, 'b>, String> {
        ChartBuilder::on(root)
            .caption(self.title, font(13.0))
            .margin_top(4)
            .margin_right(16)
            .margin_left(4)
            .x_label_area_size(42)
            .y_label_area_size(58)
            .build_cartesian_2d(
                (self.x.0..self.x.1).log_scale(),
                (self.y.0..self.y.1).log_scale(),
            )
            .map_err(|e| e.to_string())
    }

    fn mesh(&self, chart: &mut FdChart) -> Result<(), String> {
        let label = |v: &f64| pow10(v.log10().round() as i32);
        chart
            .configure_mesh()
            .x_labels(14)
            .y_labels(12)
            .x_label_formatter(&label)
            .y_label_formatter(&label)
            .bold_line_style(stroke(FG, 0.1, 1))
            .light_line_style(TRANSPARENT)
            .axis_style(stroke(FG, 0.8, 1))
            .label_style(font(10.5))
            .axis_desc_style(font(12.0))
            .x_desc("step h")
            .y_desc("relative error")
            .draw()
            .map_err(|e| e.to_string())
    }

    /// The figure: the frame (caption, grid, axes, labels) depends only on
    /// the title, the size and the axis ranges, so it is drawn and finished
    /// once per process for each of them; the data are drawn on a fresh
    /// chart with the same frame and appended.
    fn draw(
        &self,
        meta: &Meta,
        series: impl Fn(&mut FdChart) -> Result<(), String>,
    ) -> Result<String, String> {
        let frame = self.finished_frame()?;
        let mut raw = String::new();
        {
            let root = SVGBackend::with_string(&mut raw, (self.w, self.h)).into_drawing_area();
            let mut chart = self.chart(&root)?;
            series(&mut chart)?;
            root.present().map_err(|e| e.to_string())?;
        }
        // `<svg …>\n`, the caption (drawn again with the chart), the data.
        let split = raw.find(">\n").and_then(|i| {
            let body = &raw[i + 2..];
            let caption_end = body.find("</text>\n")? + "</text>\n".len();
            (raw.starts_with("<svg")
                && body.starts_with("<text")
                && body[..caption_end] == *frame.caption)
                .then_some((&raw[4..i], &body[caption_end..]))
        });
        let Some((open, data)) = split else {
            // Not plotters' usual output: draw the whole figure in one go.
            return svg(self.w, self.h, meta, |root| {
                let mut chart = self.chart(root)?;
                self.mesh(&mut chart)?;
                series(&mut chart)
            });
        };
        let open = open.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
        let mut out =
            String::with_capacity(frame.finished.len() + data.len() + meta.desc.len() + 512);
        svg_head(&mut out, &open, meta);
        out.push_str(&frame.finished);
        rewrite_body(data, None, &mut out);
        let keep = out.trim_end().len();
        out.truncate(keep);
        Ok(out)
    }

    /// The frame drawn alone: plotters' caption element and the finished
    /// caption, grid, axes and labels; kept for the process.
    fn finished_frame(&self) -> Result<std::sync::Arc<FdFrameText>, String> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock};
        type Key = (String, u32, u32, [u64; 4]);
        static FRAMES: OnceLock<Mutex<HashMap<Key, Arc<FdFrameText>>>> = OnceLock::new();
        let key: Key = (
            self.title.to_string(),
            self.w,
            self.h,
            [
                self.x.0.to_bits(),
                self.x.1.to_bits(),
                self.y.0.to_bits(),
                self.y.1.to_bits(),
            ],
        );
        let frames = FRAMES.get_or_init(Mutex::default);
        if let Some(f) = frames.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(f);
        }
        let mut raw = String::new();
        {
            let root = SVGBackend::with_string(&mut raw, (self.w, self.h)).into_drawing_area();
            let mut chart = self.chart(&root)?;
            self.mesh(&mut chart)?;
            root.present().map_err(|e| e.to_string())?;
        }
        let body = raw.find(">\n").map_or("", |i| &raw[i + 2..]);
        let body = body.strip_suffix("</svg>\n").unwrap_or(body);
        let caption_end = body.find("</text>\n").map_or(0, |i| i + "</text>\n".len());
        let mut finished = String::with_capacity(body.len());
        rewrite_body(body, None, &mut finished);
        let f = Arc::new(FdFrameText {
            caption: body[..caption_end].to_string(),
            finished,
        });
        if let Ok(mut m) = frames.lock()
            && m.len() < 512
        {
            m.insert(key, Arc::clone(&f));
        }
        Ok(f)
    }
}

/// A drawn frame of the finite-difference figure.
struct FdFrameText {
    /// Plotters' caption element, as the data's chart draws it again.
    caption: String,
    /// Caption, grid, axes and labels, finished.
    finished: String,
}

// ---- verdict charts -----------------------------------------------------------

/// One bar per status with its name and count as text: the note's verdicts.
pub fn verdict_bars(c: &Counts, title: &str) -> String {
    let total = c.total();
    let mut desc = format!("{total} checked claims: ");
    desc.push_str(
        &STATUS_ORDER
            .iter()
            .map(|&s| format!("{} {}", count_of(c, s), status_words(s)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    desc.push('.');
    let meta = Meta {
        class: "verdict-chart",
        title,
        desc: &desc,
        gradient_id: None,
    };
    let row_h = 19;
    let head = 22;
    let label_w = 150;
    let bar_max = 250;
    let w = label_w + bar_max + 50;
    let h = head + row_h * STATUS_ORDER.len() as i32 + 2;
    let max = STATUS_ORDER
        .iter()
        .map(|&s| count_of(c, s))
        .max()
        .unwrap_or(0)
        .max(1);
    figure(w as u32, h as u32, &meta, |d| {
        d.text(
            title.to_string(),
            (0, 2),
            font_at(13.0, HPos::Left, VPos::Top),
        )?;
        for (i, &s) in STATUS_ORDER.iter().enumerate() {
            let n = count_of(c, s);
            let y = head + i as i32 * row_h;
            let mid = y + row_h / 2;
            let label = format!(
                "{} {}",
                super::blocks::badge_info(s).symbol,
                status_words(s)
            );
            let alpha = if n == 0 { 0.55 } else { 1.0 };
            d.text(
                label,
                (label_w - 8, mid),
                ("sans-serif", 11.5 * 1.24)
                    .into_font()
                    .color(&FG.mix(alpha))
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            )?;
            let bw = if n == 0 {
                0
            } else {
                ((n as f64 / max as f64) * bar_max as f64).round().max(2.0) as i32
            };
            if bw > 0 {
                d.rect(
                    (label_w, y + 3),
                    (label_w + bw, y + row_h - 3),
                    fill(status_colour(s)),
                )?;
            }
            d.path(
                vec![(label_w, y + 1), (label_w, y + row_h - 1)],
                stroke(FG, 0.5, 1),
            )?;
            d.text(
                n.to_string(),
                (label_w + bw + 5, mid),
                ("sans-serif", 11.5 * 1.24)
                    .into_font()
                    .color(&FG.mix(alpha))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
        }
        Ok(())
    })
    .unwrap_or_default()
}

/// One stacked bar per note, the counts named in words beside each bar.
pub fn site_bars(rows: &[(String, Counts)], title: &str) -> String {
    let mut desc = format!("Verdicts of the claims of {} notes. ", rows.len());
    for (name, c) in rows {
        let _ = write!(desc, "{name}: {}. ", counts_words(c));
    }
    let desc = desc.trim_end().to_string();
    let meta = Meta {
        class: "verdict-chart site-chart",
        title,
        desc: &desc,
        gradient_id: None,
    };
    let row_h = 24;
    let head = 24;
    let label_w = 340;
    let bar_max = 320;
    let text_w = 240;
    let w = label_w + bar_max + text_w;
    let h = head + row_h * rows.len().max(1) as i32 + 4;
    let max = rows
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    figure(w as u32, h as u32, &meta, |d| {
        d.text(
            title.to_string(),
            (0, 2),
            font_at(13.0, HPos::Left, VPos::Top),
        )?;
        for (i, (name, c)) in rows.iter().enumerate() {
            let y = head + i as i32 * row_h;
            let mid = y + row_h / 2;
            d.text(
                ellipsis(name, label_w - 12, 12.0),
                (label_w - 10, mid),
                font_at(12.0, HPos::Right, VPos::Center),
            )?;
            let mut x = label_w;
            for &s in &STATUS_ORDER {
                let n = count_of(c, s);
                if n == 0 {
                    continue;
                }
                let bw = ((n as f64 / max as f64) * bar_max as f64).round().max(2.0) as i32;
                d.rect((x, y + 5), (x + bw, y + row_h - 5), fill(status_colour(s)))?;
                x += bw;
            }
            d.path(
                vec![(label_w, y + 2), (label_w, y + row_h - 2)],
                stroke(FG, 0.5, 1),
            )?;
            d.text(
                counts_words(c),
                (x + 6, mid),
                font_at(11.0, HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    })
    .unwrap_or_default()
}

/// `25 pass, 6 expected fail` (nonzero counts only), `no claims`.
pub fn counts_words(c: &Counts) -> String {
    let parts: Vec<String> = STATUS_ORDER
        .iter()
        .filter(|&&s| count_of(c, s) > 0)
        .map(|&s| format!("{} {}", count_of(c, s), status_words(s)))
        .collect();
    if parts.is_empty() {
        "no claims".to_string()
    } else {
        parts.join(", ")
    }
}

/// `text`, shortened with `…` to about `width` pixels at `px`.
fn ellipsis(text: &str, width: i32, px: f64) -> String {
    if text_width(text, px) <= width {
        return text.to_string();
    }
    let keep = ((width as f64 / (px * 0.56)) as usize).saturating_sub(1);
    if text.chars().count() <= keep + 4 {
        // The estimate is generous: a few characters over still fit.
        return text.to_string();
    }
    let mut s: String = text.chars().take(keep).collect();
    s = s.trim_end().to_string();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        /// Finish figures with [`finish_reference`] (the post-processing
        /// `finish` replaced), to compare the two.
        pub(super) static REFERENCE: Cell<bool> = const { Cell::new(false) };
    }

    /// Both ways of finishing the figure `make` draws: (one pass, reference).
    fn both(make: impl Fn() -> String) -> (String, String) {
        REFERENCE.set(false);
        let fast = make();
        // Again, with whatever the first drawing left in the frame cache.
        assert_eq!(make(), fast);
        REFERENCE.set(true);
        let reference = make();
        REFERENCE.set(false);
        (fast, reference)
    }

    /// Rewrites plotters' SVG: attributes for accessibility, sentinel colours
    /// to `currentColor` and classes, no redundant attributes, `<text>` content
    /// without a leading newline.
    pub(super) fn finish_reference(raw: &str, meta: &Meta) -> String {
        let (open, body) = match raw.find(">\n") {
            Some(i) if raw.starts_with("<svg") => (&raw[4..i], &raw[i + 2..]),
            _ => ("", raw),
        };
        // Inline in HTML an `<svg>` is in the SVG namespace without `xmlns`.
        let open = open.replace(" xmlns=\"http://www.w3.org/2000/svg\"", "");
        let mut s = format!(
            "<svg class=\"plot {}\" role=\"img\" aria-label=\"{}\"{open} fill=\"currentColor\" font-family=\"sans-serif\">",
            meta.class,
            escape(meta.title)
        );
        let _ = write!(
            s,
            "<title>{}</title><desc>{}</desc>",
            escape(meta.title),
            escape(meta.desc)
        );
        if let Some(id) = meta.gradient_id {
            let _ = write!(
                s,
                "<defs><linearGradient id=\"{}\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">",
                escape(id)
            );
            for k in 0..=10 {
                let t = k as f64 / 5.0 - 1.0;
                let _ = write!(
                    s,
                    "<stop offset=\"{}\" stop-color=\"{}\"/>",
                    k as f64 / 10.0,
                    hex(diverging(t))
                );
            }
            s.push_str("</linearGradient></defs>");
        }
        s.push('\n');

        let mut b = body
            .replace(" opacity=\"1\"", "")
            .replace(" stroke-width=\"1\"", "");
        b = b.replace(" stroke=\"none\"/>", "/>");
        b = b.replace("\"#010203\"", "\"currentColor\"");
        b = b.replace(
            "stroke=\"#010204\"",
            "stroke=\"currentColor\" stroke-dasharray=\"5 4\"",
        );
        if let Some(id) = meta.gradient_id {
            b = b.replace(
                "fill=\"#010205\"",
                &format!("fill=\"url(#{})\"", escape(id)),
            );
        }
        for (c, class) in CLASSED {
            let h = hex(c);
            b = b.replace(
                &format!("fill=\"{h}\""),
                &format!("fill=\"currentColor\" class=\"{class}\""),
            );
            b = b.replace(
                &format!("stroke=\"{h}\""),
                &format!("stroke=\"currentColor\" class=\"{class}\""),
            );
        }
        // `<text …>\nlabel</text>` → `<text …>label</text>`.
        let mut out = String::with_capacity(s.len() + b.len());
        out.push_str(&s);
        let mut rest = b.as_str();
        while let Some(i) = rest.find("<text") {
            let (before, after) = rest.split_at(i);
            out.push_str(before);
            match after.find(">\n") {
                Some(j) => {
                    // Colour and family are inherited from the `<svg>`.
                    let tag = after[..=j]
                        .replace(" font-family=\"sans-serif\"", "")
                        .replace(" text-anchor=\"start\"", "")
                        .replace(" fill=\"currentColor\"", "");
                    out.push_str(&tag);
                    rest = &after[j + 2..];
                }
                None => {
                    out.push_str(after);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        let out = out.replace("\n</text>", "</text>");
        round_font_sizes(out.trim_end())
    }

    /// `font-size="13.000000000000002"` → `font-size="13"`.
    fn round_font_sizes(s: &str) -> String {
        const KEY: &str = "font-size=\"";
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find(KEY) {
            let start = i + KEY.len();
            out.push_str(&rest[..start]);
            let tail = &rest[start..];
            let end = tail.find('"').unwrap_or(tail.len());
            match tail[..end].parse::<f64>() {
                Ok(v) => out.push_str(&fmt_sig((v * 100.0).round() / 100.0, 4)),
                Err(_) => out.push_str(&tail[..end]),
            }
            rest = &tail[end..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn one_pass_finish_matches_the_replacements_it_replaced() {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut figures = 0;
        for n in 0..60 {
            let rows = 1 + (next() % 13) as usize;
            let cols = 1 + (next() % 13) as usize;
            let scale = 10f64.powi((next() % 9) as i32 - 4);
            let draw = |next: &mut dyn FnMut() -> u64| -> Matrix {
                m((0..rows)
                    .map(|_| {
                        (0..cols)
                            .map(|_| match next() % 11 {
                                0 => 0.0,
                                1 if n % 7 == 0 => f64::NAN,
                                2 if n % 9 == 0 => f64::INFINITY,
                                _ => ((next() % 2001) as f64 - 1000.0) / 1000.0 * scale,
                            })
                            .collect()
                    })
                    .collect())
            };
            let a = draw(&mut next);
            let b = draw(&mut next);
            let d = difference(&a, &b).unwrap();
            let title = [
                "Values",
                "a < b & \"c\" 'd'",
                "Ünïcode ∂f/∂X",
                "line\nbreak",
            ][n % 4];
            let panels = [
                Panel {
                    title: "computed (exact)".into(),
                    matrix: &a,
                },
                Panel {
                    title: format!("claimed {title}"),
                    matrix: &b,
                },
                Panel {
                    title: "computed − claimed".into(),
                    matrix: &d,
                },
            ];
            for k in 1..=3 {
                let (f, r) = both(|| {
                    heatmaps(&panels[..k], title, "desc <&>", &format!("g{n}-\"{k}\""))
                        .unwrap_or_default()
                });
                assert_eq!(f, r);
                figures += 1;
            }
            let c = Counts {
                pass: (next() % 40) as usize,
                fail: (next() % 3) as usize,
                error: (next() % 2) as usize,
                xfail: (next() % 5) as usize,
                xpass: (next() % 2) as usize,
            };
            let (f, r) = both(|| verdict_bars(&c, title));
            assert_eq!(f, r);
            let rows: Vec<(String, Counts)> = (0..(n % 5))
                .map(|i| {
                    (
                        format!("{title} {i} with a long name that goes on and on"),
                        c,
                    )
                })
                .collect();
            let (f, r) = both(|| site_bars(&rows, title));
            assert_eq!(f, r);
            let curve: Vec<(f64, f64)> = (1..=12)
                .map(|k| {
                    let h = 10f64.powi(-k);
                    let e = match next() % 13 {
                        0 => 0.0,
                        1 => f64::NAN,
                        2 => f64::INFINITY,
                        _ => h * h * scale + 1e-16 / h,
                    };
                    (h, e)
                })
                .collect();
            let fig = DerivativeFigure {
                computed: None,
                claimed: None,
                fd_curve: curve,
                step_used: [1e-6, 1e-5, 3e-7, 1e-2][n % 4],
            };
            let (f, r) = both(|| fd_plot(&fig, title).unwrap_or_default());
            assert_eq!(f, r);
            figures += 3;
        }
        assert_eq!(figures, 360);
    }

    fn m(data: Vec<Vec<f64>>) -> Matrix {
        Matrix {
            rows: data.len(),
            cols: data[0].len(),
            data,
        }
    }

    fn clean(svg: &str) {
        assert!(svg.starts_with("<svg class=\"plot"), "{svg}");
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title>") && svg.contains("<desc>"));
        assert!(svg.ends_with("</svg>"));
        for bad in [
            "#010203", "#010204", "#010205", "#0103", "NaN", "inf", "<image", "http",
        ] {
            assert!(!svg.contains(bad), "{bad} in {svg}");
        }
        assert!(svg.contains("currentColor"));
    }

    /// Every kind of figure on one page, for a look in a browser:
    /// `cargo test --lib report::plot::tests::gallery -- --ignored`
    /// writes /tmp/notecheck-plots.html.
    #[test]
    #[ignore]
    fn gallery() {
        let a = m((0..6)
            .map(|r| {
                (0..6)
                    .map(|c| {
                        if r == c {
                            0.8
                        } else if c == r + 3 {
                            -1.6
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect());
        let b = m((0..6)
            .map(|r| {
                (0..6)
                    .map(|c| {
                        if r == c {
                            0.8
                        } else if c + 3 == r {
                            -1.6
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect());
        let d = difference(&a, &b).unwrap();
        let big = m((0..12)
            .map(|r| {
                (0..12)
                    .map(|c| ((r * 7 + c * 3) % 11) as f64 - 5.0)
                    .collect()
            })
            .collect());
        let row = m(vec![(0..24).map(|i| (i as f64 / 3.0).sin()).collect()]);
        let col = m((0..8).map(|i| vec![(i as f64).cos()]).collect());
        let one = m(vec![vec![-0.37]]);
        let mut html = String::from("<!DOCTYPE html><meta charset=utf-8><style>");
        html.push_str(include_str!("../../templates/style.css"));
        html.push_str("</style><body><main class=page style='max-width:46rem'>");
        let trio = |x: &Matrix, y: &Matrix, z: &Matrix, id: &str| {
            heatmaps(
                &[
                    Panel {
                        title: "computed (exact)".into(),
                        matrix: x,
                    },
                    Panel {
                        title: "claimed".into(),
                        matrix: y,
                    },
                    Panel {
                        title: "computed − claimed".into(),
                        matrix: z,
                    },
                ],
                "Values in trial 1",
                "d",
                id,
            )
            .unwrap()
        };
        html.push_str(&trio(&a, &b, &d, "g1"));
        html.push_str(&trio(&big, &big, &difference(&big, &big).unwrap(), "g2"));
        html.push_str(&trio(&row, &row, &difference(&row, &row).unwrap(), "g3"));
        html.push_str(&trio(&col, &col, &difference(&col, &col).unwrap(), "g4"));
        html.push_str(&trio(&one, &one, &difference(&one, &one).unwrap(), "g5"));
        html.push_str(
            &heatmaps(
                &[Panel {
                    title: "value".into(),
                    matrix: &big,
                }],
                "Value",
                "d",
                "g6",
            )
            .unwrap(),
        );
        let fig = DerivativeFigure {
            computed: None,
            claimed: None,
            fd_curve: v_curve(),
            step_used: 1e-6,
        };
        html.push_str(&fd_plot(&fig, "Central difference against the exact derivative").unwrap());
        let c = Counts {
            pass: 25,
            fail: 1,
            error: 0,
            xfail: 6,
            xpass: 0,
        };
        html.push_str(&verdict_bars(&c, "Verdicts in this note"));
        html.push_str(&site_bars(
            &[
                ("Backpropagation through a two-layer network".into(), c),
                (
                    "Vectorization".into(),
                    Counts {
                        pass: 40,
                        ..Default::default()
                    },
                ),
                (
                    "Broken".into(),
                    Counts {
                        pass: 3,
                        error: 2,
                        xpass: 1,
                        ..Default::default()
                    },
                ),
            ],
            "Verdicts by note",
        ));
        html.push_str("</main>");
        std::fs::write("/tmp/notecheck-plots.html", html).unwrap();
    }

    #[test]
    fn colours_are_symmetric_and_white_at_zero() {
        assert_eq!(hex(diverging(0.0)), "#F7F7F7");
        assert_eq!(hex(diverging(1.0)), "#67001F");
        assert_eq!(hex(diverging(-1.0)), "#053061");
        assert_eq!(hex(diverging(7.0)), "#67001F");
        assert_eq!(hex(diverging(f64::NAN)), "#969696");
    }

    #[test]
    fn heatmaps_share_one_scale() {
        let a = m(vec![vec![1.0, -2.0], vec![0.0, 4.0]]);
        let b = m(vec![vec![1.0, -2.0], vec![0.5, 4.0]]);
        let d = difference(&a, &b).unwrap();
        assert_eq!(d.data[1][0], -0.5);
        let panels = [
            Panel {
                title: "computed".into(),
                matrix: &a,
            },
            Panel {
                title: "claimed".into(),
                matrix: &b,
            },
            Panel {
                title: "difference".into(),
                matrix: &d,
            },
        ];
        let s = heatmaps(&panels, "Values", "three panels", "g1").unwrap();
        clean(&s);
        assert!(s.contains("id=\"g1\"") && s.contains("url(#g1)"));
        assert!(
            s.contains(">−4<") && s.contains(">4<"),
            "colour bar range: {s}"
        );
        assert!(s.contains(">column<") && s.contains(">row<"));
        assert!(s.contains(">computed<") && s.contains(">difference<"));
        // Small matrices carry their values in the cells.
        assert!(s.contains(">−0.5<"));
    }

    #[test]
    fn heatmaps_handle_vectors_scalars_and_nothing() {
        let row = m(vec![(0..30).map(|i| i as f64 - 10.0).collect()]);
        let col = m((0..30).map(|i| vec![i as f64]).collect());
        let one = m(vec![vec![0.25]]);
        for x in [&row, &col, &one] {
            let p = [
                Panel {
                    title: "a".into(),
                    matrix: x,
                },
                Panel {
                    title: "b".into(),
                    matrix: x,
                },
            ];
            let s = heatmaps(&p, "t", "d", "g").unwrap();
            clean(&s);
        }
        // A wide row vector is stacked, a column side by side.
        assert!(heat_layout(3, 1, 30).stacked);
        assert!(!heat_layout(3, 30, 1).stacked);
        let empty = Matrix {
            rows: 0,
            cols: 0,
            data: vec![],
        };
        assert!(
            heatmaps(
                &[Panel {
                    title: "e".into(),
                    matrix: &empty
                }],
                "t",
                "d",
                "g"
            )
            .is_none()
        );
        let zero = m(vec![vec![0.0, 0.0]]);
        let s = heatmaps(
            &[Panel {
                title: "z".into(),
                matrix: &zero,
            }],
            "t",
            "d",
            "g",
        )
        .unwrap();
        assert!(s.contains("every entry is 0"));
        let odd = m(vec![vec![f64::NAN, f64::INFINITY]]);
        let s = heatmaps(
            &[Panel {
                title: "z".into(),
                matrix: &odd,
            }],
            "t",
            "d",
            "g",
        )
        .unwrap();
        assert!(s.contains("2 entries are not finite"));
    }

    fn v_curve() -> Vec<(f64, f64)> {
        (1..=12)
            .map(|k| {
                let h = 10f64.powi(-k);
                (h, h * h * 0.3 + 1e-16 / h)
            })
            .collect()
    }

    #[test]
    fn fd_plot_is_log_log_with_the_step_marked() {
        let fig = DerivativeFigure {
            computed: None,
            claimed: None,
            fd_curve: v_curve(),
            step_used: 1e-6,
        };
        let s = fd_plot(&fig, "Finite differences").unwrap();
        clean(&s);
        assert!(s.contains("h used = 10⁻⁶"), "{s}");
        assert!(s.contains("step h") && s.contains("relative error"));
        assert!(s.contains("∝ h²") && s.contains("∝ 1/h"));
        assert!(s.contains("stroke-dasharray"));
        assert!(s.contains("The check uses h = 10⁻⁶"));
    }

    #[test]
    fn fd_plot_survives_zeros() {
        let mut curve = v_curve();
        for p in curve.iter_mut().take(4) {
            p.1 = 0.0;
        }
        curve.push((1e-13, f64::NAN));
        let fig = DerivativeFigure {
            computed: None,
            claimed: None,
            fd_curve: curve,
            step_used: 1e-6,
        };
        let s = fd_plot(&fig, "t").unwrap();
        clean(&s);
        assert!(s.contains("4 errors of exactly 0"));
        let all_zero = DerivativeFigure {
            fd_curve: (1..=12).map(|k| (10f64.powi(-k), 0.0)).collect(),
            ..fig.clone()
        };
        clean(&fd_plot(&all_zero, "t").unwrap());
        let none = DerivativeFigure {
            fd_curve: vec![],
            ..fig
        };
        assert!(fd_plot(&none, "t").is_none());
    }

    #[test]
    fn verdict_charts_name_every_status_in_text() {
        let c = Counts {
            pass: 25,
            fail: 1,
            error: 0,
            xfail: 6,
            xpass: 0,
        };
        let s = verdict_bars(&c, "Verdicts");
        clean(&s);
        for w in [
            "pass",
            "fail",
            "error",
            "expected fail",
            "unexpected pass",
            ">25<",
            ">6<",
        ] {
            assert!(s.contains(w), "{w}");
        }
        assert!(s.contains("class=\"c-pass\"") && s.contains("class=\"c-xfail\""));
        let s = site_bars(
            &[
                (
                    "A note with a very long title that goes on and on and on".into(),
                    c,
                ),
                ("Empty".into(), Counts::default()),
            ],
            "All notes",
        );
        clean(&s);
        assert!(s.contains("25 pass, 1 fail, 6 expected fail"));
        assert!(s.contains("no claims"));
        assert!(s.contains('…'));
        assert_eq!(pow10(-12), "10⁻¹²");
        assert_eq!(step_text(1e-6), "10⁻⁶");
        assert_eq!(step_text(6.0555e-6), "6.1e-6");
    }
}
