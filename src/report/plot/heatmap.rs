//! Heatmaps: one or more matrices side by side (or stacked) on one
//! symmetric blue–white–red scale, with a colour bar as the legend.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::png::{base64, indexed};
use super::scale::{Rgb, cell_ticks, diverging, hex, ink_on, minus, quantise};
use super::svg::{PathData, Writer};
use super::{Figure, MIN_FONT, WIDTH, ellipsis, text_width};
use crate::check::verdict::Matrix;
use crate::report::html::fmt_sig;

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

/// How the panels are placed.
struct Layout {
    cell: f64,
    stacked: bool,
}

const GAP: f64 = 14.0;
const HEAD: f64 = 22.0;
const PANEL_TITLE: f64 = 16.0;
const BOTTOM: f64 = 18.0;
const LEGEND: f64 = 44.0;

/// The widest a heatmap is drawn, in `viewBox` units (wider than other
/// figures so that three small panels keep their values on the cells).
const MAX_WIDTH: f64 = 480.0;

/// Cells as large as fit in [`MAX_WIDTH`] (at most 40 units), side by side
/// unless the panels would be slivers.
fn layout(n: usize, rows: usize, cols: usize, left: f64) -> Layout {
    let (r, c, k) = (rows.max(1) as f64, cols.max(1) as f64, n.max(1) as f64);
    // Whole units when cells are large enough (shorter numbers in the SVG).
    let snap = |x: f64| {
        let x = x.clamp(0.5, 40.0);
        if x >= 4.0 {
            x.floor()
        } else {
            (x * 4.0).floor() / 4.0
        }
    };
    let tall = if n == 1 { 240.0 } else { 180.0 };
    let side = snap(((MAX_WIDTH - (k - 1.0) * GAP) / k - left) / c).min(snap(tall / r));
    if n == 1 {
        return Layout {
            cell: side,
            stacked: false,
        };
    }
    let stacked = snap((MAX_WIDTH - left) / c).min(snap(110.0 / r));
    if side < 8.0 && stacked > side {
        Layout {
            cell: stacked,
            stacked: true,
        }
    } else {
        Layout {
            cell: side,
            stacked: false,
        }
    }
}

/// A cell's value as text with `sig` significant digits, `≈0` for a value
/// below a billionth of the scale `norm`.
fn cell_label(v: f64, sig: usize, norm: f64) -> String {
    if v != 0.0 && v.abs() <= 1e-9 * norm {
        return "≈0".to_string();
    }
    minus(&fmt_sig(v, sig))
}

/// The entries' colours as a PNG data URL, one pixel per entry (a short
/// row is padded with white).
fn cells_png(m: &Matrix, cols: usize, norm: f64) -> String {
    let mut palette: Vec<Rgb> = vec![diverging(0.0)];
    let pixels: Vec<Vec<u8>> = m
        .data
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| {
                    let c = diverging(quantise(v / norm));
                    match palette.iter().position(|&p| p == c) {
                        Some(i) => i as u8,
                        None => {
                            palette.push(c);
                            (palette.len() - 1) as u8
                        }
                    }
                })
                .collect()
        })
        .collect();
    format!(
        "data:image/png;base64,{}",
        base64(&indexed(cols, &pixels, &palette))
    )
}

/// The most significant digits (3, 2 or 1) with which every finite value
/// fits in `width` units at [`MIN_FONT`], so that all cells are labelled
/// alike; `None` when even one digit does not fit.
fn label_digits<'a>(
    values: impl Iterator<Item = &'a f64> + Clone,
    width: f64,
    norm: f64,
) -> Option<usize> {
    [3, 2, 1].into_iter().find(|&sig| {
        values
            .clone()
            .filter(|v| v.is_finite())
            .all(|&v| text_width(&cell_label(v, sig, norm), MIN_FONT) <= width)
    })
}

/// Heatmaps of the panels on one symmetric blue–white–red scale with a
/// colour bar; `None` when there is nothing to draw. `id` must be unique
/// in the page (the colour bar's gradient). With `labels`, values are
/// written on the cells where they fit (pass `false` where the values are
/// typeset beside the figure).
pub fn heatmaps(
    panels: &[Panel],
    title: &str,
    desc: &str,
    id: &str,
    labels: bool,
) -> Option<Figure> {
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
    let left = (6.0 + text_width(&rows.to_string(), MIN_FONT)).ceil();
    let lay = layout(panels.len(), rows, cols, left);
    let cell = lay.cell;
    let values = || panels.iter().flat_map(|p| p.matrix.data.iter().flatten());
    let scale = values()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |a, v| a.max(v.abs()));
    let norm = if scale > 0.0 { scale } else { 1.0 };
    let not_finite = values().filter(|v| !v.is_finite()).count();
    let digits = if labels && cell >= 24.0 {
        label_digits(values(), cell - 4.0, norm)
    } else {
        None
    };

    let n = panels.len() as f64;
    let (pw, ph) = (cols as f64 * cell, rows as f64 * cell);
    let title_w = panels
        .iter()
        .map(|p| text_width(&p.title, MIN_FONT) + 2.0)
        .fold(0.0, f64::max);
    let slot_w = left + pw.max(title_w.min(WIDTH - left)).ceil();
    let slot_h = PANEL_TITLE + ph + BOTTOM;
    let (w, h) = if lay.stacked {
        (
            slot_w.max(WIDTH),
            HEAD + n * slot_h + (n - 1.0) * 6.0 + LEGEND,
        )
    } else {
        (
            (n * slot_w + (n - 1.0) * GAP).max(WIDTH),
            HEAD + slot_h + LEGEND,
        )
    };

    let mut full_desc = desc.to_string();
    if not_finite > 0 {
        let _ = write!(
            full_desc,
            " {not_finite} entries are not finite numbers (grey)."
        );
    }
    let mut d = Writer::new();
    d.elem("text")
        .num("y", 14.0)
        .num("font-size", 13.0)
        .attr("font-weight", "600")
        .text(&ellipsis(title, w, 13.0));
    d.elem("g").num("font-size", MIN_FONT).open();
    for (k, p) in panels.iter().enumerate() {
        let k = k as f64;
        let (x0, y0) = if lay.stacked {
            (0.0, HEAD + k * (slot_h + 6.0))
        } else {
            (k * (slot_w + GAP), HEAD)
        };
        let (px, py) = (x0 + left, y0 + PANEL_TITLE);
        let (pr, pc) = dims(p.matrix);
        let (pw, ph) = (pc as f64 * cell, pr as f64 * cell);
        let title_room = if lay.stacked {
            w - left
        } else {
            slot_w - left + GAP
        };
        d.elem("text")
            .num("x", px)
            .num("y", y0 + 11.0)
            .text(&ellipsis(&p.title, title_room, MIN_FONT));
        // The cells: one pixel each, scaled up without smoothing.
        d.elem("image")
            .num("x", px)
            .num("y", py)
            .num("width", pw)
            .num("height", ph)
            .attr("preserveAspectRatio", "none")
            .attr("style", "image-rendering:pixelated")
            .attr("href", &cells_png(p.matrix, pc, norm))
            .close();
        // Values on the cells when they fit, with the same digits everywhere.
        if let Some(sig) = digits {
            let mut by_ink: BTreeMap<&str, Vec<(f64, f64, String)>> = BTreeMap::new();
            for (r, row) in p.matrix.data.iter().enumerate() {
                for (c, &v) in row.iter().enumerate() {
                    let label = if v.is_finite() {
                        cell_label(v, sig, norm)
                    } else {
                        minus(&fmt_sig(v, 1))
                    };
                    by_ink
                        .entry(ink_on(diverging(quantise(v / norm))))
                        .or_default()
                        .push((
                            px + (c as f64 + 0.5) * cell,
                            py + (r as f64 + 0.5) * cell + 4.0,
                            label,
                        ));
                }
            }
            for (ink, labels) in by_ink {
                d.elem("g")
                    .attr("fill", ink)
                    .attr("text-anchor", "middle")
                    .open();
                for (x, y, t) in labels {
                    d.elem("text").num("x", x).num("y", y).text(&t);
                }
                d.end();
            }
        }
        d.elem("rect")
            .num("x", px)
            .num("y", py)
            .num("width", pw)
            .num("height", ph)
            .attr("fill", "none")
            .attr("stroke", "currentColor")
            .attr("stroke-opacity", ".55")
            .close();
        // Row numbers on the left (once for panels side by side: they have
        // the same rows), column numbers below.
        if lay.stacked || k == 0.0 {
            d.elem("g").attr("text-anchor", "end").open();
            for i in cell_ticks(pr, cell, 13.0) {
                d.elem("text")
                    .num("x", px - 3.0)
                    .num("y", py + (i as f64 - 0.5) * cell + 4.0)
                    .text(&i.to_string());
            }
            d.end();
        }
        d.elem("g").attr("text-anchor", "middle").open();
        let col_gap = text_width(&pc.to_string(), MIN_FONT) + 6.0;
        for j in cell_ticks(pc, cell, col_gap) {
            d.elem("text")
                .num("x", px + (j as f64 - 0.5) * cell)
                .num("y", py + ph + 13.0)
                .text(&j.to_string());
        }
        d.end();
    }
    legend(&mut d, id, h, scale, left);
    let mut body = d.finish();
    body.shrink_to_fit();
    Some(Figure {
        class: "heatmap figure-heatmaps".into(),
        title: title.to_string(),
        desc: full_desc,
        width: w,
        height: h,
        body,
    })
}

/// The colour bar: the scale from −max through 0 to +max, labelled.
fn legend(d: &mut Writer, id: &str, h: f64, scale: f64, left: f64) {
    d.elem("defs").open();
    d.elem("linearGradient").attr("id", id).open();
    for k in 0..=10 {
        let t = k as f64 / 5.0 - 1.0;
        d.elem("stop")
            .num("offset", k as f64 / 10.0)
            .attr("stop-color", &hex(diverging(t)))
            .close();
    }
    d.end();
    d.end();
    let (bx, by, bw) = (left, h - LEGEND + 10.0, 170.0);
    d.elem("rect")
        .num("x", bx)
        .num("y", by)
        .num("width", bw)
        .num("height", 10.0)
        .attr("fill", &format!("url(#{id})"))
        .attr("stroke", "currentColor")
        .attr("stroke-opacity", ".55")
        .close();
    let (lo, hi) = if scale > 0.0 {
        (minus(&format!("-{}", fmt_sig(scale, 3))), fmt_sig(scale, 3))
    } else {
        ("−0".to_string(), "0".to_string())
    };
    let mut ticks = PathData::new();
    for (x, label, anchor) in [
        (bx, lo, "start"),
        (bx + bw / 2.0, "0".to_string(), "middle"),
        (bx + bw, hi, "end"),
    ] {
        ticks.move_to(x, by + 10.0).v(4.0);
        d.elem("text")
            .num("x", x)
            .num("y", by + 26.0)
            .attr_opt("text-anchor", (anchor != "start").then_some(anchor))
            .text(&label);
    }
    d.elem("path")
        .attr("d", ticks.as_str())
        .attr("stroke", "currentColor")
        .close();
    let caption = if scale > 0.0 {
        "one shared scale"
    } else {
        "every entry is 0"
    };
    d.elem("text")
        .num("x", bx + bw + 8.0)
        .num("y", by + 9.0)
        .text(caption);
}
