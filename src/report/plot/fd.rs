//! The finite-difference "V" plot: relative error of the central
//! difference against the exact derivative over steps 1e-1 … 1e-12,
//! log-log, with the step the check uses marked and the reference slopes
//! of truncation (∝ h²) and rounding (∝ 1/h) error.

use std::fmt::Write as _;

use super::scale::{LogAxis, pow10, step_text};
use super::svg::{PathData, Writer};
use super::{Figure, MIN_FONT, WIDTH};
use crate::check::verdict::DerivativeFigure;
use crate::report::html::fmt_sig;

/// Errors below this are drawn at this value on a log axis.
pub const LOG_FLOOR: f64 = 1e-17;

const HEIGHT: f64 = 250.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 38.0;

/// The plot, or `None` when the curve has no usable point. `trial` is the
/// trial the curve comes from (said in the description).
pub fn fd_plot(fig: &DerivativeFigure, title: &str) -> Option<Figure> {
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
    let mut y_lo = lg(emin).floor() - 0.5;
    let mut y_hi = lg(emax).ceil() + 0.5;
    if y_hi - y_lo < 4.0 {
        let mid = (y_hi + y_lo) / 2.0;
        y_lo = mid - 2.0;
        y_hi = mid + 2.0;
    }
    let x = LogAxis {
        lo: 10f64.powf(lg(hmin).floor() - 0.3),
        hi: 10f64.powf(lg(hmax).ceil() + 0.3),
        a: LEFT,
        b: WIDTH - RIGHT,
    };
    let y = LogAxis {
        lo: 10f64.powf(y_lo),
        hi: 10f64.powf(y_hi),
        a: HEIGHT - BOTTOM,
        b: TOP,
    };

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
        .unwrap_or(pts[0]);
    let zeros = fig
        .fd_curve
        .iter()
        .filter(|(_, e)| *e < LOG_FLOOR && *e >= 0.0)
        .count();

    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let mut desc = format!(
        "Relative error of the central difference against the exact derivative, log-log, trial {}, steps h from {} to {}: {} at h = {}, {} at h = {}, smallest {} at h = {}.",
        fig.trial,
        step_text(hmax),
        step_text(hmin),
        fmt_sig(first.1, 2),
        step_text(first.0),
        fmt_sig(last.1, 2),
        step_text(last.0),
        fmt_sig(best.1, 2),
        step_text(best.0)
    );
    if step.is_finite() && step > 0.0 {
        let _ = write!(desc, " The check uses h = {}", step_text(step));
        match at_step {
            Some(p) => {
                let _ = write!(desc, " (error {}).", fmt_sig(p.1, 2));
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

    let mut d = Writer::new();
    d.elem("text")
        .num("y", 14.0)
        .num("font-size", 13.0)
        .attr("font-weight", "600")
        .text(title);
    d.elem("g").num("font-size", MIN_FONT).open();
    frame(&mut d, &x, &y);

    // Reference slopes: truncation ∝ h² from the largest step, rounding
    // ∝ 1/h from the smallest, where the curve shows them.
    let (big, small) = if first.0 >= last.0 {
        (first, last)
    } else {
        (last, first)
    };
    let mut refs = PathData::new();
    let mut ref_labels: Vec<(f64, f64, &str, &str)> = Vec::new();
    if big.1 > 1e-12 && big.1 > 1e3 * emin {
        let h_end = (big.0 * 1e-3).max((big.1 / y.lo).sqrt().recip() * big.0);
        let (a, b) = (
            (big.0, big.1 * 2.5),
            (h_end, big.1 * 2.5 * (h_end / big.0).powi(2)),
        );
        refs.move_to(x.at(a.0), y.at(a.1))
            .line_to(x.at(b.0), y.at(b.1));
        let mid = ((a.0 * b.0).sqrt(), (a.1 * b.1).sqrt());
        // Above the rising line: up and to the left, away from the curve.
        ref_labels.push((x.at(mid.0) - 6.0, y.at(mid.1) - 6.0, "∝ h²", "end"));
    }
    if small.1 > 10.0 * LOG_FLOOR && small.1 > 1e2 * emin {
        let h_end = small.0 * 1e4;
        let (a, b) = (
            (small.0, small.1 * 2.5),
            (h_end, small.1 * 2.5 * small.0 / h_end),
        );
        refs.move_to(x.at(a.0), y.at(a.1))
            .line_to(x.at(b.0), y.at(b.1));
        let mid = ((a.0 * b.0).sqrt(), (a.1 * b.1).sqrt());
        // Above the falling line: up and to the right, away from the curve.
        ref_labels.push((x.at(mid.0) + 6.0, y.at(mid.1) - 6.0, "∝ 1/h", "start"));
    }
    if !refs.is_empty() {
        d.elem("g").attr("class", "c-ref").open();
        d.elem("path")
            .attr("d", refs.as_str())
            .attr("fill", "none")
            .attr("stroke", "currentColor")
            .attr("stroke-dasharray", "2 3")
            .close();
        for (lx, ly, t, anchor) in ref_labels {
            d.elem("text")
                .num("x", lx)
                .num("y", ly)
                .attr_opt("text-anchor", (anchor != "start").then_some(anchor))
                .text(t);
        }
        d.end();
    }

    // The step the check uses: a dashed vertical line, labelled.
    if step.is_finite() && step > x.lo && step < x.hi {
        let sx = x.at(step);
        let mut p = PathData::new();
        p.move_to(sx, TOP).v(HEIGHT - BOTTOM - TOP);
        d.elem("path")
            .attr("d", p.as_str())
            .attr("stroke", "currentColor")
            .attr("stroke-opacity", ".75")
            .attr("stroke-dasharray", "5 4")
            .close();
        let right_half = sx > (x.a + x.b) / 2.0 + 20.0;
        d.elem("text")
            .num("x", if right_half { sx - 4.0 } else { sx + 4.0 })
            .num("y", TOP + 12.0)
            .attr_opt("text-anchor", right_half.then_some("end"))
            .text(&format!("h used = {}", step_text(step)));
    }

    // The curve and its points (the point at the step used ringed).
    let mut line = PathData::new();
    for (i, &(h, e)) in pts.iter().enumerate() {
        if i == 0 {
            line.move_to(x.at(h), y.at(e));
        } else {
            line.line_to(x.at(h), y.at(e));
        }
    }
    d.elem("g").attr("class", "c-curve").open();
    d.elem("path")
        .attr("d", line.as_str())
        .attr("fill", "none")
        .attr("stroke", "currentColor")
        .num("stroke-width", 2.0)
        .close();
    let mut dots = PathData::new();
    for &(h, e) in &pts {
        dots.dot(x.at(h), y.at(e));
    }
    d.elem("path")
        .attr("d", dots.as_str())
        .attr("stroke", "currentColor")
        .num("stroke-width", 5.5)
        .attr("stroke-linecap", "round")
        .close();
    d.end();
    if let Some((h, e)) = at_step {
        d.elem("circle")
            .num("cx", x.at(h))
            .num("cy", y.at(e))
            .num("r", 5.5)
            .attr("fill", "none")
            .attr("stroke", "currentColor")
            .num("stroke-width", 1.5)
            .close();
    }
    Some(Figure {
        class: "figure-fd".into(),
        title: title.to_string(),
        desc,
        width: WIDTH,
        height: HEIGHT,
        body: d.finish(),
    })
}

/// Grid, axes, decade labels and axis titles.
fn frame(d: &mut Writer, x: &LogAxis, y: &LogAxis) {
    let (x0, x1, y0, y1) = (x.a, x.b, y.b, y.a);
    let (xd, xk) = x.decades(34.0);
    let (yd, yk) = y.decades(22.0);
    let mut grid = PathData::new();
    for &e in &xd {
        grid.move_to(x.at(10f64.powi(e)), y0).v(y1 - y0);
    }
    for &e in &yd {
        grid.move_to(x0, y.at(10f64.powi(e))).h(x1 - x0);
    }
    d.elem("path")
        .attr("d", grid.as_str())
        .attr("stroke", "currentColor")
        .attr("stroke-opacity", ".12")
        .close();
    let mut axes = PathData::new();
    axes.move_to(x0, y0).v(y1 - y0).h(x1 - x0);
    d.elem("path")
        .attr("d", axes.as_str())
        .attr("fill", "none")
        .attr("stroke", "currentColor")
        .attr("stroke-opacity", ".8")
        .close();
    // Label every k-th decade, always including 10⁰ when present.
    let labelled = |e: i32, k: usize| e.rem_euclid(k as i32) == 0;
    d.elem("g").attr("text-anchor", "middle").open();
    for &e in xd.iter().filter(|&&e| labelled(e, xk)) {
        d.elem("text")
            .num("x", x.at(10f64.powi(e)))
            .num("y", y1 + 14.0)
            .text(&pow10(e));
    }
    d.elem("text")
        .num("x", (x0 + x1) / 2.0)
        .num("y", y1 + 32.0)
        .text("step h");
    d.end();
    d.elem("g").attr("text-anchor", "end").open();
    for &e in yd.iter().filter(|&&e| labelled(e, yk)) {
        d.elem("text")
            .num("x", x0 - 4.0)
            .num("y", y.at(10f64.powi(e)) + 4.0)
            .text(&pow10(e));
    }
    d.end();
    d.elem("text")
        .attr(
            "transform",
            &format!(
                "translate(11 {}) rotate(-90)",
                super::svg::num((y0 + y1) / 2.0)
            ),
        )
        .attr("text-anchor", "middle")
        .text("relative error");
}
