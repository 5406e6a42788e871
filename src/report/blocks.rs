//! Check blocks, statements and claims → HTML fragments.
//!
//! These fragments carry the report's contract (every claim is an element
//! with `data-status` and `data-line`), so they are built here rather than
//! in the overridable templates.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::html::{IdSet, escape, fmt_sig, latex_sig};
use super::markdown::block_anchor;
use super::math::render_math;
use super::plot::{self, Figure, Panel};
use crate::check::verdict::{
    BlockResult, ClaimResult, DerivativeFigure, Evidence, Matrix, NoteResult, Shown, Status,
    StmtKindTag, StmtResult,
};

/// A `show` value with more entries than this is shown as a heatmap only.
const MAX_TYPESET_ENTRIES: usize = 400;
/// Evidence values with more entries than this are shown as heatmaps only.
const MAX_TYPESET_EVIDENCE: usize = 144;

/// Caption of a `should-fail` block.
pub const SHOULD_FAIL_CAPTION: &str = "Expected to fail: these claims teach a common mistake";

/// How a status looks: CSS class suffix, symbol, badge text, explanation.
pub struct Badge {
    pub status: &'static str,
    pub symbol: &'static str,
    pub text: &'static str,
    pub title: &'static str,
}

pub fn badge_info(s: Status) -> Badge {
    match s {
        Status::Pass => Badge {
            status: "pass",
            symbol: "✓",
            text: "pass",
            title: "pass: held in every trial",
        },
        Status::Fail => Badge {
            status: "fail",
            symbol: "✗",
            text: "fail",
            title: "fail: false in at least one trial",
        },
        Status::Error => Badge {
            status: "error",
            symbol: "⚠",
            text: "error",
            title: "error: could not be evaluated",
        },
        Status::Xfail => Badge {
            status: "xfail",
            symbol: "✓",
            text: "fails as expected",
            title: "xfail: expected to fail, and it does",
        },
        Status::Xpass => Badge {
            status: "xpass",
            symbol: "✗",
            text: "holds, but expected to fail",
            title: "xpass: expected to fail, but it held",
        },
    }
}

/// `<span class="badge …">✓ pass</span>`.
pub fn badge_html(s: Status) -> String {
    let b = badge_info(s);
    format!(
        "<span class=\"badge badge-{}\" title=\"{}\"><span class=\"badge-sym\" aria-hidden=\"true\">{}</span> {}</span>",
        b.status,
        escape(b.title),
        b.symbol,
        escape(b.text)
    )
}

/// Per-page rendering state: every claim of the note has its element id
/// (`L42`, `L42-1`, … in file order, unique within the page) decided
/// before anything is rendered, so that rendering is a pure function of
/// the result and the page's counts and problem list come from the result
/// itself.
pub struct PageRenderer<'a> {
    /// The note's path as the user types it, for `path:line` references.
    pub note_path: &'a str,
    /// Each claim's id, by the claim's address in the result being rendered.
    ids: BTreeMap<usize, String>,
    /// Where figures that are not inlined go; `None` inlines every figure.
    figure_files: Option<FigureFiles>,
    /// The figure files written so far: (site-relative path, SVG).
    files: RefCell<Vec<(String, String)>>,
}

/// Where a page's figure files go: `<stem>-<claim id>-<kind>.svg`.
#[derive(Clone, Debug)]
pub struct FigureFiles {
    /// Site-relative, `/`-separated: `figures/linear/vec` for `linear/vec.html`.
    pub stem: String,
    /// From the page to the site folder: `../` for `linear/vec.html`.
    pub root: String,
}

/// The address of a claim, as a key of [`PageRenderer`]'s ids.
fn addr(c: &ClaimResult) -> usize {
    c as *const ClaimResult as usize
}

impl<'a> PageRenderer<'a> {
    /// A renderer for `result`'s claims; `reserved` are ids the page uses
    /// otherwise (block anchors, the page's own sections).
    pub fn new(note_path: &'a str, result: &NoteResult, reserved: &[String]) -> Self {
        let mut set = IdSet::default();
        for r in reserved {
            set.reserve(r);
        }
        let ids = result
            .claims()
            .into_iter()
            .map(|c| (addr(c), set.unique(&format!("L{}", c.line))))
            .collect();
        PageRenderer {
            note_path,
            ids,
            figure_files: None,
            files: RefCell::new(Vec::new()),
        }
    }

    /// Figures of claims that pass (and of `show` values) are written as
    /// files under `files` and loaded lazily; failing claims' figures stay
    /// inline. Without this every figure is inline.
    pub fn with_figure_files(mut self, files: FigureFiles) -> Self {
        self.figure_files = Some(files);
        self
    }

    /// The figure files of the claims rendered so far, in the order written:
    /// (site-relative path, SVG text).
    pub fn take_figure_files(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.files.borrow_mut())
    }

    /// `fig` as page HTML: the inline `<svg>` when `inline` (or without
    /// figure files), else a file `<stem>-<id>-<kind>.svg` shown by a lazily
    /// loaded `<img>` whose `alt` is the figure's title and description.
    fn embed(&self, fig: &Figure, id: &str, kind: &str, inline: bool) -> String {
        let Some(files) = self.figure_files.as_ref().filter(|_| !inline) else {
            return fig.inline();
        };
        let rel = format!("{}-{id}-{kind}.svg", files.stem);
        let html = format!(
            "<img class=\"plot plot-file {}\" loading=\"lazy\" decoding=\"async\" src=\"{}{}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
            escape(&fig.class),
            escape(&files.root),
            escape(&url_path(&rel)),
            plot::svg::num((fig.width * plot::SCALE).round()),
            plot::svg::num((fig.height * plot::SCALE).round()),
            escape(&fig.desc)
        );
        self.files.borrow_mut().push((rel, fig.standalone()));
        html
    }

    /// The element id of `c`, a claim of the result this renderer was made
    /// for (`L{line}` for any other claim).
    pub fn claim_id(&self, c: &ClaimResult) -> String {
        self.ids
            .get(&addr(c))
            .cloned()
            .unwrap_or_else(|| format!("L{}", c.line))
    }

    /// One check block as a `<section class="check-block">`.
    pub fn block(&self, b: &BlockResult) -> String {
        let anchor = block_anchor(b.id.as_deref(), b.index);
        let mut classes = String::from("check-block");
        if b.should_fail {
            classes.push_str(" should-fail");
        }
        if b.hide {
            classes.push_str(" hidden-block");
        }
        let mut s = String::new();
        let _ = write!(
            s,
            "<section class=\"{classes}\" id=\"{}\">\n<header class=\"block-head\">",
            escape(&anchor)
        );
        let _ = write!(
            s,
            "<a class=\"block-anchor\" href=\"#{0}\">{1}</a>",
            escape(&anchor),
            if b.id.is_some() {
                format!("#{}", escape(&anchor))
            } else {
                "check".to_string()
            }
        );
        let mut tags = Vec::new();
        if b.einstein {
            tags.push("Einstein convention: an index repeated in a term is summed");
        }
        if b.should_fail {
            tags.push("should-fail");
        }
        if b.hide {
            tags.push("hide");
        }
        for t in tags {
            let _ = write!(s, " <span class=\"block-tag\">{t}</span>");
        }
        let _ = writeln!(
            s,
            " <span class=\"block-line\">line {}</span></header>",
            b.fence_line
        );
        if b.should_fail {
            let _ = writeln!(s, "<p class=\"block-caption\">{SHOULD_FAIL_CAPTION}</p>");
        }
        for e in &b.errors {
            s.push_str(&self.claim(e, ClaimView::Full));
        }
        if b.hide {
            s.push_str("<div class=\"hidden-claims\">\n");
            for st in &b.stmts {
                for c in &st.claims {
                    let view = if c.status.is_failure() {
                        ClaimView::Full
                    } else {
                        ClaimView::BadgeOnly
                    };
                    s.push_str(&self.claim(c, view));
                }
            }
            s.push_str("</div>\n");
        } else {
            for st in &b.stmts {
                s.push_str(&self.stmt(st));
            }
        }
        s.push_str("</section>");
        s
    }

    /// One statement: its label and typeset LaTeX, then its claims.
    pub fn stmt(&self, st: &StmtResult) -> String {
        let kind = match st.kind {
            StmtKindTag::Declare => "declare",
            StmtKindTag::Function => "function",
            StmtKindTag::Define => "define",
            StmtKindTag::Claim => "claim",
            StmtKindTag::Show => "show",
            StmtKindTag::Error => "error",
        };
        let quiet = matches!(
            st.kind,
            StmtKindTag::Declare | StmtKindTag::Function | StmtKindTag::Define
        );
        let mut s = format!(
            "<div class=\"stmt stmt-{kind}{}\">",
            if quiet { " stmt-quiet" } else { "" }
        );
        s.push_str("<div class=\"stmt-line\">");
        // Without a label the math still takes the second column (CSS).
        if let Some(l) = &st.label {
            let _ = write!(s, "<span class=\"stmt-label\">{}</span>", escape(&paren(l)));
        }
        s.push_str("<div class=\"stmt-math\">");
        match (&st.latex, st.kind) {
            (Some(tex), StmtKindTag::Error | StmtKindTag::Claim | StmtKindTag::Show) => {
                s.push_str(&render_math(tex, true))
            }
            (Some(tex), _) => s.push_str(&render_math(tex, false)),
            (None, _) => {
                let _ = write!(
                    s,
                    "<pre class=\"stmt-source\"><code>{}</code></pre>",
                    escape(&st.text)
                );
            }
        }
        s.push_str("</div></div>\n");

        if let Some(shown) = &st.shown {
            s.push_str(&self.shown_html(shown, &format!("S{}", st.line)));
        }
        if !st.claims.is_empty() {
            s.push_str("<div class=\"claims\">\n");
            // A chain's claims each show their own relation; a lone claim is
            // the statement itself, already typeset above.
            let view = if st.kind == StmtKindTag::Claim && st.claims.len() > 1 {
                ClaimView::Chain
            } else {
                ClaimView::NoMath
            };
            for c in &st.claims {
                s.push_str(&self.claim(c, view));
            }
            s.push_str("</div>\n");
        }
        s.push_str("</div>\n");
        s
    }

    /// One claim element, carrying `data-status` and `data-line`.
    pub fn claim(&self, c: &ClaimResult, view: ClaimView) -> String {
        let id = self.claim_id(c);
        let status = c.status.as_str();
        let compact = view == ClaimView::BadgeOnly;
        let mut s = format!(
            "<div class=\"claim claim-{status}{}\" id=\"{}\" data-status=\"{status}\" data-line=\"{}\"",
            if compact { " claim-compact" } else { "" },
            escape(&id),
            c.line
        );
        if compact {
            let _ = write!(s, " title=\"{}\"", escape(&c.text));
        }
        s.push_str(">\n<div class=\"claim-head\">");
        if compact {
            let _ = write!(
                s,
                "<a class=\"claim-anchor\" href=\"#{}\">{}</a>",
                escape(&id),
                badge_html(c.status)
            );
        } else {
            s.push_str(&badge_html(c.status));
        }
        if compact {
            if let Some(l) = &c.label {
                let _ = write!(
                    s,
                    " <span class=\"claim-label\">{}</span>",
                    escape(&paren(l))
                );
            }
            let _ = write!(
                s,
                " <span class=\"visually-hidden\">{}</span></div>\n</div>\n",
                escape(&c.text)
            );
            return s;
        }
        if view == ClaimView::Full || view == ClaimView::Chain {
            if let (Some(l), ClaimView::Full) = (&c.label, view) {
                let _ = write!(
                    s,
                    " <span class=\"claim-label\">{}</span>",
                    escape(&paren(l))
                );
            }
            s.push_str(" <span class=\"claim-math\">");
            match &c.latex {
                Some(tex) => s.push_str(&render_math(tex, false)),
                None => {
                    let _ = write!(s, "<code>{}</code>", escape(&c.text));
                }
            }
            s.push_str("</span>");
        }
        let quiet = matches!(c.status, Status::Pass | Status::Xfail);
        if let (Some(err), Status::Pass | Status::Xpass) = (c.max_abs_err, c.status) {
            let mut title = String::from("over all trials");
            if let (Some(cmp), true) = (&c.compared, quiet) {
                title.push_str("; compared: ");
                title.push_str(cmp);
            }
            let _ = write!(
                s,
                " <span class=\"claim-err\" title=\"{}\">max |Δ| {}</span>",
                escape(&title),
                escape(&fmt_sig(err, 2))
            );
        }
        let _ = writeln!(
            s,
            " <a class=\"claim-line\" href=\"#{}\" title=\"{}:{}:{}\">line {}</a></div>",
            escape(&id),
            escape(self.note_path),
            c.line,
            c.col,
            c.line
        );
        // The diagnosis stands out under the message.
        let diagnosis = c
            .evidence
            .as_ref()
            .and_then(|e| e.diagnosis.as_ref())
            .map(|d| d.text.as_str());
        if let Some(m) = &c.message {
            if m.contains('\n') {
                // Multi-line messages point at columns: keep them monospaced.
                let _ = writeln!(
                    s,
                    "<pre class=\"claim-message\">{}</pre>",
                    escape(m.trim_end())
                );
            } else {
                let _ = writeln!(s, "<p class=\"claim-message\">{}</p>", escape(m));
            }
        }
        if let Some(d) = diagnosis {
            let _ = writeln!(
                s,
                "<p class=\"diagnosis\"><strong>Diagnosis:</strong> {}</p>",
                escape(d)
            );
        }
        // What was compared: always for a failure and for a derivative claim
        // (the reader should see what "exact" means); otherwise a tooltip.
        if let (Some(cmp), true) = (&c.compared, !quiet || c.figure.is_some()) {
            let _ = writeln!(
                s,
                "<p class=\"claim-compared\"><span class=\"k\">Compared:</span> {}</p>",
                escape(cmp)
            );
        }
        if let Some(ev) = &c.evidence {
            s.push_str(&self.evidence(c, ev, &id));
        }
        if let Some(fig) = &c.figure {
            s.push_str(&self.figures_html(c, fig, &id));
        }
        s.push_str("</div>\n");
        s
    }

    fn evidence(&self, c: &ClaimResult, ev: &Evidence, id: &str) -> String {
        let open = if c.status == Status::Fail || c.status == Status::Xpass {
            " open"
        } else {
            ""
        };
        let mut s = format!(
            "<details class=\"evidence\"{open}><summary>Evidence: trial {}, seed {}</summary>\n",
            ev.trial, ev.seed
        );
        s.push_str("<dl class=\"evidence-facts\">\n");
        let mut fact = |k: &str, v: String| {
            let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", escape(k), v);
        };
        fact("trial", ev.trial.to_string());
        fact("seed", ev.seed.to_string());
        if !ev.dims.is_empty() {
            fact("dimensions", assignments(ev.dims.iter()));
        }
        if !ev.indices.is_empty() {
            fact("indices", assignments(ev.indices.iter()));
        }
        // A shape mismatch has no finite difference to report.
        if ev.max_abs_err.is_finite() {
            let mut largest = escape(&fmt_sig(ev.max_abs_err, 4));
            let location = ev.location();
            if !location.is_empty() {
                let _ = write!(largest, " at {}", escape(&location));
            }
            fact("largest difference", largest);
            fact("relative error", escape(&fmt_sig(ev.rel_err, 4)));
            fact("tolerance", escape(&fmt_sig(ev.tolerance, 4)));
        }
        fact(
            "shapes",
            format!(
                "left {}, right {}",
                escape(&ev.lhs_shape_text()),
                escape(&ev.rhs_shape_text())
            ),
        );
        s.push_str("</dl>\n");
        if ev.lhs.is_some() || ev.rhs.is_some() {
            s.push_str("<div class=\"evidence-values\">\n");
            for (side, shape, m) in [
                ("left side", ev.lhs_shape_text(), &ev.lhs),
                ("right side", ev.rhs_shape_text(), &ev.rhs),
            ] {
                if let Some(m) = m {
                    let _ = writeln!(
                        s,
                        "<figure class=\"value\"><figcaption>{side} ({})</figcaption><div class=\"matrix\">{}</div></figure>",
                        escape(&shape),
                        matrix_html(m, MAX_TYPESET_EVIDENCE)
                    );
                }
            }
            s.push_str("</div>\n");
        }
        // Where the sides differ, at a glance: for a claim that fails (an
        // expected failure's values are typeset above, which keeps pages
        // light), or when the values are too large to typeset. A derivative
        // claim has its own figures of the same kind.
        if let (Some(l), Some(r), None) = (&ev.lhs, &ev.rhs, &c.figure)
            && let Some(d) = plot::difference(l, r).filter(|d| {
                d.rows * d.cols > 1
                    && (c.status.is_failure() || d.rows * d.cols > MAX_TYPESET_EVIDENCE)
            })
        {
            let panels = [
                Panel {
                    title: "left side".into(),
                    matrix: l,
                },
                Panel {
                    title: "right side".into(),
                    matrix: r,
                },
                Panel {
                    title: "left − right".into(),
                    matrix: &d,
                },
            ];
            let title = format!("Both sides in trial {}", ev.trial);
            let desc = format!(
                "Heatmaps of the left side, the right side and their difference ({}×{}) in trial {}, on one colour scale: blue negative, white zero, red positive. {}",
                d.rows,
                d.cols,
                ev.trial,
                largest_entry_words(&d)
            );
            if let Some(fig) =
                // The values are typeset just above: no labels on the cells.
                plot::heatmaps(
                    &panels,
                    &title,
                    &desc,
                    &format!("{id}-evidence-scale"),
                    false,
                )
            {
                let _ = writeln!(
                    s,
                    "<figure class=\"fig fig-values\">{}</figure>",
                    self.embed(&fig, id, "evidence", c.status.is_failure())
                );
            }
        }
        let _ = writeln!(
            s,
            "<p class=\"reproduce\">Reproduce: <code>{}</code> <span class=\"reproduce-where\">(claim at {}:{}, trial {}, seed {})</span></p>",
            escape(&crate::output::reproduce(self.note_path, c.line)),
            escape(self.note_path),
            c.line,
            ev.trial,
            ev.seed
        );
        s.push_str("</details>\n");
        s
    }

    /// A `show` statement's value: typeset, and as a heatmap on the same
    /// scale as the derivative figures. `id` is unique in the page.
    fn shown_html(&self, sh: &Shown, id: &str) -> String {
        let mut caption = format!("value in trial 1, {}×{}", sh.value.rows, sh.value.cols);
        if !sh.dims.is_empty() {
            let _ = write!(caption, " ({})", assignments(sh.dims.iter()));
        }
        let desc = format!(
            "Heatmap of the {}×{} value in trial 1: blue negative, white zero, red positive. {}",
            sh.value.rows,
            sh.value.cols,
            largest_entry_words(&sh.value)
        );
        let svg = if sh.value.rows * sh.value.cols > 1 {
            heatmap(&sh.value, "Value in trial 1", &desc, &format!("{id}-scale"))
                .map(|f| self.embed(&f, id, "value", false))
                .unwrap_or_default()
        } else {
            String::new()
        };
        format!(
            "<figure class=\"shown\"><div class=\"matrix\">{}</div>{svg}<figcaption>{}; entries to 4 significant digits</figcaption></figure>\n",
            matrix_html(&sh.value, MAX_TYPESET_ENTRIES),
            caption
        )
    }

    /// A derivative claim's figures, in a `<details>`: open and inline when
    /// the claim fails, else closed with the figures as lazily loaded files.
    fn figures_html(&self, c: &ClaimResult, fig: &DerivativeFigure, id: &str) -> String {
        let failing = c.status.is_failure();
        let t = fig.trial;
        let mut trial_words = format!("trial {t}");
        if !fig.dims.is_empty() {
            let _ = write!(trial_words, " ({})", plain_assignments(&fig.dims));
        }
        let mut figs = Vec::new();
        let diff = match (&fig.computed, &fig.claimed) {
            (Some(a), Some(b)) => plot::difference(a, b),
            _ => None,
        };
        let mut panels = Vec::new();
        if let Some(m) = &fig.computed {
            panels.push(Panel {
                title: "exact".into(),
                matrix: m,
            });
        }
        // A claim that holds has the claimed value within tolerance of the
        // exact one: its panel would repeat the first, the difference shows it.
        let claimed_panel = fig.claimed.as_ref().filter(|_| failing || diff.is_none());
        if let Some(m) = claimed_panel {
            panels.push(Panel {
                title: "claimed".into(),
                matrix: m,
            });
        }
        if let Some(d) = &diff {
            panels.push(Panel {
                title: "exact − claimed".into(),
                matrix: d,
            });
        }
        let mut has_values = false;
        if let Some(first) = panels.first() {
            let (r, k) = (first.matrix.rows, first.matrix.cols);
            let mut desc = format!(
                "Heatmaps for {}, {trial_words}: {}; blue negative, red positive.",
                c.text,
                panels
                    .iter()
                    .map(|p| format!("{} ({}×{})", p.title, p.matrix.rows, p.matrix.cols))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match &diff {
                Some(d) => {
                    let _ = write!(desc, " Difference: {}", largest_entry_words(d));
                }
                None => {
                    let _ = write!(desc, " {}", largest_entry_words(first.matrix));
                }
            }
            let title = format!("Derivative values in trial {t} ({r}×{k})");
            if let Some(f) = plot::heatmaps(&panels, &title, &desc, &format!("{id}-scale"), true) {
                has_values = true;
                let mut cap = format!(
                    "In {}: the derivative computed exactly (forward-mode dual numbers)",
                    escape(&trial_words)
                );
                match (claimed_panel.is_some(), diff.is_some()) {
                    (true, true) => cap.push_str(", the value the note claims and their difference"),
                    (true, false) => cap.push_str(" and the value the note claims"),
                    (false, true) => cap.push_str(
                        " and its difference from the value the note claims (which agrees, so it is not drawn again)",
                    ),
                    (false, false) => {}
                }
                cap.push_str("; one colour scale: blue negative, white zero, red positive.");
                figs.push(format!(
                    "<figure class=\"fig fig-values\">{}<figcaption>{cap}</figcaption></figure>",
                    self.embed(&f, id, "values", failing)
                ));
            }
        }
        let fd = plot::fd_plot(fig, "Central difference against the exact derivative");
        if let Some(f) = &fd {
            figs.push(format!(
                "<figure class=\"fig fig-fd\">{}<figcaption>Relative error of the central difference (f(x + hv) − f(x − hv)) / 2h against the exact directional derivative, {}: truncation error falls as h², rounding error grows as 1/h; the dashed line marks the step the cross-check uses ({}).</figcaption></figure>",
                self.embed(f, id, "fd", failing),
                escape(&trial_words),
                escape(&plot::step_text(fig.step_used))
            ));
        }
        if figs.is_empty() {
            return String::new();
        }
        let summary = match (has_values, fd.is_some()) {
            (true, true) => "Figures: values and finite-difference check",
            (true, false) => "Figure: values",
            _ => "Figure: finite-difference check",
        };
        format!(
            "<details class=\"figures\"{}><summary>{summary}</summary>\n{}\n</details>\n",
            if failing { " open" } else { "" },
            figs.join("\n")
        )
    }
}

/// How much of a claim to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimView {
    /// Badge, label, own LaTeX, message, evidence.
    Full,
    /// One relation of a chain: as `Full` without the label (the statement
    /// shows it).
    Chain,
    /// As `Chain`, without the claim's LaTeX (the statement shows it).
    NoMath,
    /// Only the badge (and label), for `hide` blocks.
    BadgeOnly,
}

/// `1c` → `(1c)`; `(1c)` unchanged.
pub fn paren(label: &str) -> String {
    if label.starts_with('(') {
        label.to_string()
    } else {
        format!("({label})")
    }
}

fn assignments<'k>(it: impl Iterator<Item = (&'k String, &'k u64)>) -> String {
    it.map(|(k, v)| format!("{} = {v}", escape(k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `\begin{bmatrix} … \end{bmatrix}` with entries to 4 significant digits (a
/// 1×1 value as a bare number).
pub fn matrix_latex(m: &Matrix) -> String {
    if m.rows == 1 && m.cols == 1 && m.data.len() == 1 && m.data[0].len() == 1 {
        return latex_sig(m.data[0][0], 4);
    }
    let rows: Vec<String> = m
        .data
        .iter()
        .map(|r| {
            r.iter()
                .map(|&v| latex_sig(v, 4))
                .collect::<Vec<_>>()
                .join(" & ")
        })
        .collect();
    format!(r"\begin{{bmatrix}} {} \end{{bmatrix}}", rows.join(r" \\ "))
}

/// A matrix typeset, or a note when it is too large to typeset.
fn matrix_html(m: &Matrix, limit: usize) -> String {
    let n = m.data.iter().map(Vec::len).sum::<usize>();
    if n > limit {
        format!(
            "<p class=\"too-large\">{}×{}: too large to typeset</p>",
            m.rows, m.cols
        )
    } else {
        render_math(&matrix_latex(m), true)
    }
}

/// `Largest magnitude 1.83 at row 1, column 2.`
fn largest_entry_words(m: &Matrix) -> String {
    let mut best: Option<(f64, usize, usize)> = None;
    for (r, row) in m.data.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if v.is_finite() && best.is_none_or(|b| v.abs() > b.0) {
                best = Some((v.abs(), r, c));
            }
        }
    }
    match best {
        Some((0.0, _, _)) => "Every entry is 0.".to_string(),
        Some((v, r, c)) => format!(
            "Largest magnitude {} at row {}, column {}.",
            fmt_sig(v, 3),
            r + 1,
            c + 1
        ),
        None => String::new(),
    }
}

/// A heatmap of one matrix with its colour bar: blue negative, white zero,
/// red positive, symmetric around 0. `id` is unique in the page. Values
/// are on the cells only when the matrix is too large to typeset beside it.
pub fn heatmap(m: &Matrix, title: &str, desc: &str, id: &str) -> Option<Figure> {
    plot::heatmaps(
        &[Panel {
            title: format!("{}×{}", m.rows, m.cols),
            matrix: m,
        }],
        title,
        desc,
        id,
        m.rows * m.cols > MAX_TYPESET_ENTRIES,
    )
}

/// `C = 5, n = 3` (plain text).
fn plain_assignments(m: &std::collections::BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `/`-separated relative path as a URL path: bytes outside
/// `A–Z a–z 0–9 - . _ ~ /` percent-encoded.
pub fn url_path(rel: &str) -> String {
    let mut s = String::with_capacity(rel.len());
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}
