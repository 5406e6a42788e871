//! A prose display equation in the page: its math, one verdict badge per
//! relation (symbol and word, linked to the claim), and the evidence in a
//! `<details>` below; an unchecked equation gets a quiet marker whose
//! tooltip gives the reason.

use std::fmt::Write;

use super::blocks::{ClaimView, PageRenderer};
use super::html::escape;
use crate::check::verdict::{Coverage, EquationResult, StmtKindTag};
use crate::note::Equation;

/// The anchor of display equation `index` (from 0): `eq-1`, `eq-2`, …
pub fn equation_anchor(index: usize) -> String {
    format!("eq-{}", index + 1)
}

/// The value of the first `id="…"` attribute in `html`.
fn first_id(html: &str) -> String {
    html.split("id=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// The equation's HTML (one `<div class="equation">`) around `math`, its
/// MathML as the page's math context typeset it (macros expanded, equation
/// numbers and labels in place).
pub fn render(pr: &PageRenderer, eq: &Equation, r: &EquationResult, math: &str) -> String {
    let anchor = equation_anchor(eq.index);
    let claims: Vec<_> = r.claims().collect();
    let mut s = String::new();
    if claims.is_empty() {
        let reason = match &r.coverage {
            Coverage::Unchecked(reason) => reason.as_str(),
            Coverage::Checked => "read: declarations and definitions, no claim",
        };
        if reason == "latex: off" {
            return format!("<div class=\"equation\" id=\"{anchor}\">{math}</div>");
        }
        let _ = write!(
            s,
            "<div class=\"equation eq-unchecked\" id=\"{anchor}\" data-line=\"{}\"><div class=\"eq-body\"><div class=\"eq-math\">{math}</div><span class=\"eq-marker\" title=\"{}\"><span aria-hidden=\"true\">○</span> <span class=\"eq-marker-text\">{}</span></span></div></div>",
            eq.line,
            escape(&format!("not checked: {reason}")),
            if matches!(r.coverage, Coverage::Checked) {
                let declares = r
                    .stmts
                    .iter()
                    .all(|s| matches!(s.kind, StmtKindTag::Declare | StmtKindTag::Function));
                if declares { "declares" } else { "defines" }.to_string()
            } else {
                format!("not checked: {}", escape(reason))
            }
        );
        return s;
    }
    let failing = claims.iter().any(|c| c.status.is_failure());
    // One list item per row of the equation (each line that holds a
    // statement or a relation), so that with the rows spread over the
    // height of the math each badge sits beside its row; a row without a
    // claim (a definition) keeps an empty item.
    let mut rows: Vec<usize> = r
        .stmts
        .iter()
        .map(|s| s.line)
        .chain(claims.iter().map(|c| c.line))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let mut row_badges: Vec<String> = vec![String::new(); rows.len()];
    let mut evidence = String::new();
    for c in &claims {
        // The badge is the claim's element (`id="L42"`, `data-status`,
        // `data-line`), as in a `hide` block; the evidence below is the
        // same claim rendered in full without those attributes and with its
        // ids suffixed `-ev`, so that every claim is one element of the
        // page. It is rendered by the page's renderer, so that a passing
        // claim's figures are files as in a check block.
        let badge = pr.claim(c, ClaimView::BadgeOnly);
        let mid = first_id(&badge);
        let full = pr.claim(c, ClaimView::Full);
        let sid = first_id(&full);
        let status = c.status.as_str();
        let full = full
            .replacen(
                &format!(" data-status=\"{status}\" data-line=\"{}\"", c.line),
                "",
                1,
            )
            .replace(&format!("\"{sid}-"), &format!("\"{mid}-ev-"))
            .replace(&format!("#{sid}-"), &format!("#{mid}-ev-"))
            .replace(&format!("id=\"{sid}\""), &format!("id=\"{mid}-ev\""))
            .replace(&format!("#{sid}\""), &format!("#{mid}\""));
        let row = rows.iter().position(|&l| l == c.line).unwrap_or(0);
        row_badges[row].push_str(badge.trim_end());
        evidence.push_str(&full);
    }
    let mut badges = String::new();
    for b in &row_badges {
        if b.is_empty() {
            badges.push_str("<li class=\"eq-row-empty\" aria-hidden=\"true\"></li>");
        } else {
            let _ = write!(badges, "<li>{b}</li>");
        }
    }
    let n = claims.len();
    let bad = claims.iter().filter(|c| c.status.is_failure()).count();
    let summary = if bad > 0 {
        format!("{bad} of {n} claims need attention: evidence")
    } else {
        format!(
            "{n} claim{} checked: evidence",
            if n == 1 { "" } else { "s" }
        )
    };
    let _ = write!(
        s,
        "<div class=\"equation eq-checked{}{}\" id=\"{anchor}\" data-line=\"{}\"><div class=\"eq-body\"><div class=\"eq-math\">{math}</div><ul class=\"eq-badges\">{badges}</ul></div><details class=\"eq-evidence\"{}><summary>{}</summary>{evidence}</details></div>",
        if failing { " eq-failing" } else { "" },
        if r.should_fail { " should-fail" } else { "" },
        eq.line,
        if failing { " open" } else { "" },
        escape(&summary),
    );
    s
}
