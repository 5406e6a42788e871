//! Verdict bar charts: one note's counts, and every note's stacked bar on
//! the index page. Counts are always written as text beside the bars, so
//! colour is never the only carrier of meaning.

use std::fmt::Write as _;

use super::svg::Writer;
use super::{
    Figure, MIN_FONT, STATUS_ORDER, WIDTH, count_of, ellipsis, status_class, status_words,
    text_width,
};
use crate::check::verdict::Counts;
use crate::report::blocks::badge_info;

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
    let (row_h, head, label_w, bar_max) = (20.0, 24.0, 128.0, 190.0);
    let h = head + row_h * STATUS_ORDER.len() as f64 + 2.0;
    let max = STATUS_ORDER
        .iter()
        .map(|&s| count_of(c, s))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut d = Writer::new();
    d.elem("text")
        .num("y", 14.0)
        .num("font-size", 13.0)
        .attr("font-weight", "600")
        .text(title);
    d.elem("g").num("font-size", MIN_FONT + 0.5).open();
    for (i, &s) in STATUS_ORDER.iter().enumerate() {
        let n = count_of(c, s);
        let y = head + i as f64 * row_h;
        let base = y + row_h / 2.0 + 4.0;
        let muted = (n == 0).then_some(".6");
        d.elem("text")
            .num("x", label_w - 8.0)
            .num("y", base)
            .attr("text-anchor", "end")
            .attr_opt("fill-opacity", muted)
            .text(&format!("{} {}", badge_info(s).symbol, status_words(s)));
        let bw = if n == 0 {
            0.0
        } else {
            ((n as f64 / max as f64) * bar_max).round().max(2.0)
        };
        if bw > 0.0 {
            d.elem("rect")
                .attr("class", status_class(s))
                .num("x", label_w)
                .num("y", y + 3.0)
                .num("width", bw)
                .num("height", row_h - 6.0)
                .close();
        }
        d.elem("text")
            .num("x", label_w + bw + 5.0)
            .num("y", base)
            .attr_opt("fill-opacity", muted)
            .text(&n.to_string());
    }
    d.end();
    d.elem("path")
        .attr("d", &format!("M{label_w} {head}v{}", row_h * 5.0))
        .attr("stroke", "currentColor")
        .attr("stroke-opacity", ".5")
        .close();
    Figure {
        class: "verdict-chart".into(),
        title: title.to_string(),
        desc,
        width: WIDTH,
        height: h,
        body: d.finish(),
    }
    .inline()
}

/// One row per note: its name, then a stacked bar with its counts in words.
pub fn site_bars(rows: &[(String, Counts)], title: &str) -> String {
    let mut desc = format!("Verdicts of the claims of {} notes. ", rows.len());
    for (name, c) in rows {
        let _ = write!(desc, "{name}: {}. ", counts_words(c));
    }
    let desc = desc.trim_end().to_string();
    let (row_h, head, px) = (34.0, 24.0, MIN_FONT + 0.5);
    let h = head + row_h * rows.len().max(1) as f64;
    let words: Vec<String> = rows.iter().map(|(_, c)| counts_words(c)).collect();
    let words_w = words.iter().map(|w| text_width(w, px)).fold(0.0, f64::max);
    let bar_max = (WIDTH - words_w - 8.0).max(WIDTH / 3.0);
    let max = rows
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut d = Writer::new();
    d.elem("text")
        .num("y", 14.0)
        .num("font-size", 13.0)
        .attr("font-weight", "600")
        .text(title);
    d.elem("g").num("font-size", px).open();
    for (i, ((name, c), words)) in rows.iter().zip(&words).enumerate() {
        let y = head + i as f64 * row_h;
        d.elem("text")
            .num("y", y + 12.0)
            .text(&ellipsis(name, WIDTH, px));
        let mut x = 0.0;
        for &s in &STATUS_ORDER {
            let n = count_of(c, s);
            if n == 0 {
                continue;
            }
            let bw = ((n as f64 / max as f64) * bar_max).round().max(2.0);
            d.elem("rect")
                .attr("class", status_class(s))
                .num("x", x)
                .num("y", y + 17.0)
                .num("width", bw)
                .num("height", 10.0)
                .close();
            x += bw;
        }
        d.elem("text")
            .num("x", x + 6.0)
            .num("y", y + 26.0)
            .attr("class", "c-muted")
            .text(words);
    }
    Figure {
        class: "verdict-chart site-chart".into(),
        title: title.to_string(),
        desc,
        width: WIDTH,
        height: h,
        body: d.finish(),
    }
    .inline()
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
