//! Figures as SVG, written by one small element writer ([`svg`]).
//!
//! Every figure is a [`Figure`]: a `viewBox` of about 360 units wide with
//! text of at least 11 units, shown at [`SCALE`] (a phone scrolls a figure
//! wider than its column rather than shrinking its text), a
//! `<title>`, a `<desc>` that says in words what the figure shows, and
//! elements drawn in `currentColor` or with classes (`c-pass`, …, `c-curve`,
//! `c-ref`) rather than fixed colours, so that figures follow the page's
//! light or dark scheme. Data colours (the diverging blue–white–red scale
//! in [`scale`]) are the same in both schemes. No font is embedded: text
//! is SVG `<text>` in the page's sans-serif family.
//!
//! A figure is written either inline ([`Figure::inline`], styled by the
//! page's stylesheet) or as a file of its own ([`Figure::standalone`],
//! with `xmlns` and a small `<style>` of the same colours, dark ones under
//! `prefers-color-scheme: dark`), for `<img loading="lazy">`.
//!
//! Layout is computed here in plain numbers; output is deterministic.

pub mod chart;
pub mod fd;
pub mod heatmap;
pub mod png;
pub mod scale;
pub mod svg;

pub use chart::{site_bars, verdict_bars};
pub use fd::fd_plot;
pub use heatmap::{Panel, difference, heatmaps};
pub use scale::step_text;

use crate::check::verdict::{Counts, Status};
use svg::Writer;

/// Width of most figures, in `viewBox` units (CSS pixels at scale 1).
pub const WIDTH: f64 = 360.0;
/// The smallest text in any figure, in `viewBox` units.
pub const MIN_FONT: f64 = 11.0;
/// CSS pixels per `viewBox` unit at a figure's own size (its `width` and
/// `height`): its smallest text is then 13 px; the stylesheet shrinks a
/// figure only to fit a column, never below 11 px on a phone.
pub const SCALE: f64 = 1.2;

/// A finished drawing with what describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Classes besides `plot`, e.g. `heatmap figure-heatmaps`.
    pub class: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    /// The elements inside the `<svg>`, after `<title>` and `<desc>`.
    pub body: String,
}

/// Colours of the classes figure files use, light then dark (as
/// `style.css`; verdict colours appear only in the inline bar charts).
const THEME: [(&str, &str, &str); 3] = [
    ("svg", "#1d1d1f", "#e4e4e0"),
    ("c-curve", "#1f4fa8", "#8ab4ff"),
    ("c-ref", "#5c5f66", "#a2a5ad"),
];

impl Figure {
    /// `<svg …>` with the title and description.
    fn open(&self, w: &mut Writer, standalone: bool) {
        let mut e = w.elem("svg");
        if standalone {
            // An `<img>`'s `alt` speaks for it; the file's own style sets the font.
            e = e.attr("xmlns", "http://www.w3.org/2000/svg");
        } else {
            e = e
                .attr("class", &format!("plot {}", self.class))
                .attr("role", "img")
                .attr("aria-label", &self.title);
        }
        e = e
            .num("width", (self.width * SCALE).round())
            .num("height", (self.height * SCALE).round())
            .attr(
                "viewBox",
                &format!("0 0 {} {}", svg::num(self.width), svg::num(self.height)),
            )
            .attr("fill", "currentColor");
        if !standalone {
            e = e.attr("font-family", "sans-serif");
        }
        e.open();
        w.elem("title").text(&self.title);
        w.elem("desc").text(&self.desc);
    }

    /// The `<svg>` element for an HTML page (styled by the page).
    pub fn inline(&self) -> String {
        let mut w = Writer::new();
        self.open(&mut w, false);
        let mut s = w.finish();
        s.truncate(s.len() - "</svg>".len());
        s.push_str(&self.body);
        s.push_str("</svg>");
        s
    }

    /// A standalone SVG file: `xmlns`, and its own colours for light and
    /// dark schemes.
    pub fn standalone(&self) -> String {
        let mut w = Writer::new();
        self.open(&mut w, true);
        let mut s = w.finish();
        s.truncate(s.len() - "</svg>".len());
        // Only the rules of the classes the figure uses.
        let used: Vec<(String, &str, &str)> = THEME
            .iter()
            .filter(|(c, _, _)| *c == "svg" || self.body.contains(&format!("class=\"{c}\"")))
            .map(|&(c, l, d)| {
                let sel = if c == "svg" {
                    c.to_string()
                } else {
                    format!(".{c}")
                };
                (sel, l, d)
            })
            .collect();
        s.push_str("<style>svg{font-family:system-ui,sans-serif}");
        for (sel, light, _) in &used {
            s.push_str(&format!("{sel}{{color:{light}}}"));
        }
        s.push_str("@media(prefers-color-scheme:dark){");
        for (sel, _, dark) in &used {
            s.push_str(&format!("{sel}{{color:{dark}}}"));
        }
        s.push_str("}</style>");
        s.push_str(&self.body);
        s.push_str("</svg>\n");
        s
    }
}

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

/// The class that colours a status's marks (`c-pass`, …).
fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "c-pass",
        Status::Fail => "c-fail",
        Status::Error => "c-error",
        Status::Xfail => "c-xfail",
        Status::Xpass => "c-xpass",
    }
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

/// A rough width of `text` at `px` in a sans-serif face, on the generous
/// side (DejaVu Sans, the widest common default: digits 0.64 em, `−` 0.84
/// em); no font metrics exist at build time.
fn text_width(text: &str, px: f64) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            '.' | ',' | ':' | ';' | 'i' | 'l' | 'j' | '|' | ' ' | '(' | ')' => 0.34,
            '0'..='9' => 0.62,
            '−' | '≈' | '+' | '=' | '×' => 0.82,
            'm' | 'w' | 'M' | 'W' => 0.9,
            _ => 0.62,
        })
        .sum();
    em * px
}

/// `text`, shortened with `…` to about `width` units at `px`.
fn ellipsis(text: &str, width: f64, px: f64) -> String {
    if text_width(text, px) <= width {
        return text.to_string();
    }
    let keep = ((width / (px * 0.6)) as usize).saturating_sub(1).max(1);
    let mut s: String = text.chars().take(keep).collect();
    s = s.trim_end().to_string();
    s.push('…');
    s
}

#[cfg(test)]
mod tests;
