//! Site rendering tests on hand-built notes and results.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::check::verdict::{
    ClaimResult, DerivativeFigure, Diagnosis, Evidence, Matrix, NoteResult, Shown, Status,
    StmtKindTag, StmtResult,
};
use crate::note::CheckBlock;

/// The site of `notes[i]`, checked as `results[i]`.
fn render_site(
    notes: &[Note],
    results: &[NoteResult],
    opts: &SiteOptions,
    out: &Path,
) -> crate::error::Result<()> {
    assert_eq!(notes.len(), results.len());
    let checked: Vec<CheckedNote> = notes
        .iter()
        .zip(results)
        .map(|(n, r)| CheckedNote::new(n, [0; 32], r.clone()))
        .collect();
    super::render_site(&checked, opts, out)
}

/// A note whose check blocks are found by scanning for "```check" fences.
pub(super) fn make_note(path: &str, rel: &str, source: &str, title: &str) -> Note {
    let body_start = if let Some(rest) = source.strip_prefix("---\n") {
        4 + rest.find("\n---\n").map(|i| i + 5).unwrap_or(0)
    } else {
        0
    };
    let mut blocks = Vec::new();
    let mut search = body_start;
    while let Some(i) = source[search..].find("```check") {
        let s = search + i;
        let info_end = s + source[s..].find('\n').unwrap();
        let info = &source[s + 3..info_end];
        let close = info_end + source[info_end..].find("\n```").unwrap() + 4;
        let e = if source[close..].starts_with('\n') {
            close + 1
        } else {
            close
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let line_of = |off: usize| source[..off].matches('\n').count() + 1;
        blocks.push(CheckBlock {
            index: blocks.len(),
            body_indent: Vec::new(),
            id: words
                .iter()
                .find_map(|w| w.strip_prefix('#'))
                .map(str::to_string),
            should_fail: words.contains(&"should-fail"),
            hide: words.contains(&"hide"),
            einstein: words.contains(&"einstein"),
            overrides: Default::default(),
            errors: vec![],
            body: source[info_end + 1..close - 3].to_string(),
            body_line: line_of(s) + 1,
            fence_line: line_of(s),
            range: s..e,
        });
        search = e;
    }
    let parsed = crate::note::parse_note(String::new(), "t.md".into(), source.to_string());
    Note {
        path: path.into(),
        rel_path: rel.into(),
        source: source.into(),
        title: title.into(),
        front: Default::default(),
        errors: vec![],
        body_start,
        blocks,
        warnings: vec![],
        masked: parsed.masked,
        equations: parsed.equations,
        inline_math: parsed.inline_math,
    }
}

pub(super) fn claim(line: usize, text: &str, latex: Option<&str>, status: Status) -> ClaimResult {
    ClaimResult {
        latex: latex.map(str::to_string),
        max_abs_err: Some(2.2e-16),
        rel_err: Some(1.0e-16),
        ..ClaimResult::new(line, 3, text, status)
    }
}

pub(super) fn stmt(
    line: usize,
    kind: StmtKindTag,
    text: &str,
    latex: Option<&str>,
    claims: Vec<ClaimResult>,
) -> StmtResult {
    StmtResult {
        line,
        label: None,
        kind,
        text: text.into(),
        latex: latex.map(str::to_string),
        claims,
        shown: None,
    }
}

pub(super) fn block(
    note: &Note,
    index: usize,
    stmts: Vec<StmtResult>,
) -> crate::check::verdict::BlockResult {
    let b = &note.blocks[index];
    crate::check::verdict::BlockResult {
        index,
        id: b.id.clone(),
        hide: b.hide,
        should_fail: b.should_fail,
        einstein: b.einstein,
        fence_line: b.fence_line,
        stmts,
        errors: vec![],
    }
}

pub(super) fn result_for(
    note: &Note,
    blocks: Vec<crate::check::verdict::BlockResult>,
) -> NoteResult {
    let mut r = NoteResult {
        path: note.path.clone(),
        rel_path: note.rel_path.to_string_lossy().into_owned(),
        title: note.title.clone(),
        errors: vec![],
        blocks,
        equations: vec![],
        counts: Counts::default(),
        warnings: vec![],
    };
    let mut counts = Counts::default();
    for c in r.claims() {
        counts.add(c.status);
    }
    r.counts = counts;
    r
}

/// A typical V: truncation error ∝ h², rounding error ∝ 1/h.
pub(super) fn fd_curve() -> Vec<(f64, f64)> {
    (1..=12)
        .map(|k| {
            let h = 10f64.powi(-k);
            (h, 0.04 * h * h + 2e-16 / h)
        })
        .collect()
}

fn m(data: Vec<Vec<f64>>) -> Matrix {
    Matrix {
        rows: data.len(),
        cols: data[0].len(),
        data,
    }
}

pub(super) const SMALL: &str = "---\ntitle: Small <note>\n---\n# Small &lt;note&gt;\n\nLet $W \\in \\mathbb{R}^{n \\times m}$, and a < b in text. See [the docs](https://example.org/guide).\n\n```check #vec\nlet W ∈ R^{n×m}\nf = W x = I W x\n(2) ∂f/∂x = W^T\n```\n\n## Mistakes\n\n```check should-fail\nW x = x W\n```\n\n```check hide\nx = x\n```\n";

/// A small note with a pass, a chain, a failure with evidence, an xfail, an
/// error and a hidden block.
pub(super) fn small() -> (Note, NoteResult) {
    let note = make_note("notes/sub/small.md", "sub/small.md", SMALL, "Small <note>");
    let line = |needle: &str| SMALL[..SMALL.find(needle).unwrap()].matches('\n').count() + 1;
    let l_let = line("let W");
    let l_chain = line("f = W x");
    let l_grad = line("(2) ∂f");
    let l_mis = line("W x = x W");
    let l_hide = line("x = x\n```\n");

    let mut fail = claim(
        l_grad,
        "∂f/∂x = W^T",
        Some(r"\frac{\partial f}{\partial x} = W^{T}"),
        Status::Fail,
    );
    fail.label = Some("2".into());
    fail.message = Some("the sides differ: 3×4 vs 4×3 <shapes>".into());
    fail.compared = Some("exact Jacobian (forward mode) vs right side".into());
    fail.evidence = Some(Evidence {
        trial: 2,
        seed: 7,
        dims: BTreeMap::from([("m".into(), 4), ("n".into(), 3)]),
        indices: BTreeMap::new(),
        tolerance: 1e-8,
        max_abs_err: 1.5,
        rel_err: 0.75,
        entry: Some((2, 3)),
        lhs_shape: (2, 2),
        rhs_shape: Some((2, 2)),
        space: None,
        lhs: Some(m(vec![vec![1.0, 2.0], vec![3.0, 4.123456]])),
        rhs: Some(m(vec![vec![1.0, 3.0], vec![2.0, -4.0e-7]])),
        diagnosis: Some(Diagnosis::new("holds after transposing the right side")),
    });
    fail.figure = Some(DerivativeFigure {
        trial: 1,
        dims: Default::default(),
        computed: Some(m(vec![vec![1.0, 2.0], vec![3.0, 4.123456]])),
        claimed: Some(m(vec![vec![1.0, 3.0], vec![2.0, 4.123456]])),
        fd_curve: fd_curve(),
        step_used: 1e-6,
    });
    let mut grad = stmt(
        l_grad,
        StmtKindTag::Claim,
        "∂f/∂x = W^T",
        fail.latex.clone().as_deref(),
        vec![fail],
    );
    grad.label = Some("2".into());

    let mut xfail = claim(l_mis, "W x = x W", Some("W x = x W"), Status::Xfail);
    xfail.message = Some("shape mismatch".into());
    let mut err = claim(l_hide, "x = x", None, Status::Error);
    err.message = Some("unknown name 'x'".into());
    let mut shown_stmt = stmt(l_chain, StmtKindTag::Show, "show W", Some("W"), vec![]);
    shown_stmt.shown = Some(Shown {
        value: m(vec![vec![0.5, -1.0, 2.0], vec![1.25, 0.0, -2.0]]),
        dims: BTreeMap::from([("n".into(), 2)]),
    });

    let blocks = vec![
        block(
            &note,
            0,
            vec![
                stmt(
                    l_let,
                    StmtKindTag::Declare,
                    "let W ∈ R^{n×m}",
                    Some(r"W \in \mathbb{R}^{n \times m}"),
                    vec![],
                ),
                stmt(
                    l_chain,
                    StmtKindTag::Claim,
                    "f = W x = I W x",
                    Some("f = W x = I W x"),
                    vec![
                        claim(l_chain, "f = W x", Some("f = W x"), Status::Pass),
                        claim(l_chain, "W x = I W x", Some("W x = I W x"), Status::Pass),
                    ],
                ),
                shown_stmt,
                grad,
            ],
        ),
        block(
            &note,
            1,
            vec![stmt(
                l_mis,
                StmtKindTag::Claim,
                "W x = x W",
                Some("W x = x W"),
                vec![xfail],
            )],
        ),
        block(
            &note,
            2,
            vec![stmt(l_hide, StmtKindTag::Error, "x = x", None, vec![err])],
        ),
    ];
    let mut r = result_for(&note, blocks);
    let mut fm = claim(2, "title", None, Status::Error);
    fm.message = Some("unknown key 'titel'".into());
    r.errors.push(fm);
    (note, r)
}

fn opts() -> SiteOptions {
    SiteOptions {
        title: "Course <notes>".into(),
        templates_dir: None,
        version: "0.1.0".into(),
        command: "notecheck check notes".into(),
        ..Default::default()
    }
}

/// A fresh folder, removed when the guard drops; callers write the site
/// to its (not yet existing) `site/`.
fn tmpdir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("notecheck-report-{name}-"))
        .tempdir()
        .unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `(data-status, data-line)` of every element that has `data-status`.
fn statuses(html: &str) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("data-status=\"") {
        rest = &rest[i + 13..];
        let status = rest[..rest.find('"').unwrap()].to_string();
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        let j = tag
            .find("data-line=\"")
            .expect("data-line next to data-status");
        let n = &tag[j + 11..];
        v.push((status, n[..n.find('"').unwrap()].parse().unwrap()));
    }
    v
}

#[test]
fn note_page_has_claims_math_and_structure() {
    let (note, res) = small();
    let out = tmpdir("page");
    let out = out.path().join("site");
    render_site(
        std::slice::from_ref(&note),
        std::slice::from_ref(&res),
        &opts(),
        &out,
    )
    .unwrap();
    let page = read(&out.join("sub/small.html"));

    // Every claim, with its status and line, and nothing else carries data-status.
    let mut want: Vec<(String, usize)> = res
        .claims()
        .iter()
        .map(|c| (c.status.as_str().to_string(), c.line))
        .collect();
    let mut got = statuses(&page);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(page.contains("class=\"claim claim-fail\" id=\"L"));
    // Two claims on one line get distinct ids.
    let chain_line = res.blocks[0].stmts[1].line;
    assert!(page.contains(&format!("id=\"L{chain_line}\"")));
    assert!(page.contains(&format!("id=\"L{chain_line}-1\"")));

    // Math is MathML with the source kept.
    assert!(page.contains("<math display=\"inline\"><semantics>"));
    assert!(page.contains("<math display=\"block\"><semantics>"));
    assert!(page.contains(
        "<annotation encoding=\"application/x-tex\">W \\in \\mathbb{R}^{n \\times m}</annotation>"
    ));
    assert!(
        page.contains("\\begin{bmatrix} 1 &amp; 2 \\\\ 3 &amp; 4.123 \\end{bmatrix}"),
        "evidence matrix to 4 significant digits"
    );
    assert!(page.contains("-4 \\times 10^{-7}"));

    // Badges carry text, not only colour.
    assert!(page.contains("✗</span> fail</span>"));
    assert!(page.contains("✓</span> fails as expected</span>"));
    assert!(page.contains("⚠</span> error</span>"));
    assert!(page.contains(blocks::SHOULD_FAIL_CAPTION));

    // Evidence for the failure, with diagnosis and the command.
    assert!(page.contains("<details class=\"evidence\" open>"));
    assert!(page.contains("holds after transposing the right side"));
    assert!(page.contains("<code>notecheck check notes</code>"));
    assert!(page.contains("m = 4, n = 3"));
    assert!(page.contains("exact Jacobian (forward mode) vs right side"));

    // Escaping in text, titles and messages.
    assert!(page.contains("a &lt; b in text"));
    assert!(page.contains("<h1 class=\"note-title\">Small &lt;note&gt;</h1>"));
    assert!(page.contains("3×4 vs 4×3 &lt;shapes&gt;"));
    assert!(!page.contains("<note>") && !page.contains("<shapes>"));
    // The body's own title heading is not repeated.
    assert_eq!(page.matches("<h1").count(), 1);

    // Structure: blocks, toc, note errors first, links relative to depth.
    assert!(page.contains("<section class=\"check-block\" id=\"vec\">"));
    assert!(page.contains("<section class=\"check-block should-fail\" id=\"block-1\">"));
    assert!(page.contains("<section class=\"check-block hidden-block\" id=\"block-2\">"));
    assert!(page.contains("<a href=\"#mistakes\">Mistakes</a>"));
    assert!(page.find("id=\"note-errors\"").unwrap() < page.find("id=\"vec\"").unwrap());
    assert!(page.contains("href=\"../assets/style.css\""));
    assert!(page.contains("href=\"../index.html\""));
    // One local script (theme toggle, search), nothing inline, nothing from elsewhere.
    assert_eq!(page.matches("<script").count(), 1);
    assert!(page.contains("<script src=\"../assets/site.js\"></script>"));

    // Figures: the show statement's heatmap, the failing derivative's
    // values and finite-difference check (open, as the claim fails), each
    // titled and described; the note's verdict chart.
    assert!(page.contains("<svg class=\"plot heatmap"));
    assert!(page.contains("<details class=\"figures\" open><summary>Figures: values and finite-difference check</summary>"));
    assert!(page.contains(">exact</text>") && page.contains(">exact − claimed</text>"));
    assert!(page.contains("<svg class=\"plot figure-fd\" role=\"img\""));
    assert!(page.contains("h used = 10⁻⁶"));
    assert!(page.contains("<svg class=\"plot verdict-chart\""));
    assert_eq!(
        page.matches("<svg ").count(),
        page.matches("<title>").count() - 1,
        "every figure has a title (plus the page's)"
    );
    assert_eq!(
        page.matches("<svg ").count(),
        page.matches("<desc>").count()
    );
    // The figures sit inside the claim's element.
    let claim_at = page.find("class=\"claim claim-fail\"").unwrap();
    let fig_at = page.find("<details class=\"figures\"").unwrap();
    let next_claim = page[claim_at + 1..]
        .find("<div class=\"claim ")
        .map(|i| i + claim_at + 1);
    assert!(fig_at > claim_at && next_claim.is_none_or(|n| fig_at < n));
    // Deep links: the claim's line links to its own anchor, the block to its id.
    assert!(page.contains("class=\"claim-line\" href=\"#L"));
    assert!(page.contains("<a class=\"block-anchor\" href=\"#vec\">#vec</a>"));
    // The failures filter needs no script.
    assert!(page.contains("<input type=\"checkbox\" id=\"only-failures\""));
    assert!(page.contains("<label class=\"filter-label\" for=\"only-failures\">"));

    // Nothing outside the site is referenced, except the note's own link.
    let own = page.replace("https://example.org/guide", "");
    assert!(
        !own.contains("http://") && !own.contains("https://"),
        "external reference"
    );
    // `url(#…)` (a gradient in the same SVG) is the only url() allowed.
    let own = own.replace("url(#", "");
    assert!(!own.contains("//cdn") && !own.contains("@import") && !own.contains("url("));
    let css = read(&out.join("assets/style.css"));
    assert!(!css.contains("http") && !css.contains("url(") && !css.contains("@import"));
}

#[test]
fn index_page_lists_counts() {
    let (note, res) = small();
    let plain_src = "# Plain\n\nNo checks here.\n";
    let plain = make_note("notes/plain.md", "plain.md", plain_src, "Plain");
    let plain_res = result_for(&plain, vec![]);
    let out = tmpdir("index");
    let out = out.path().join("site");
    render_site(&[note, plain], &[res, plain_res], &opts(), &out).unwrap();
    let index = read(&out.join("index.html"));
    assert!(index.contains("<a href=\"./sub/small.html\">Small &lt;note&gt;</a>"));
    assert!(index.contains("<a href=\"./plain.html\">Plain</a>"));
    assert!(index.contains("<h1>Course &lt;notes&gt;</h1>"));
    assert!(index.contains("href=\"assets/style.css\""));
    // pass 2, fail 1, error 2, xfail 1 for the small note.
    assert!(index.contains("<td class=\"num count-pass\">2</td><td class=\"num count-fail\">1</td><td class=\"num count-error\">2</td><td class=\"num count-xfail\">1</td><td class=\"num count-xpass zero\">0</td>"), "{index}");
    assert!(index.contains("no claims"));
    assert!(index.contains("href=\"./sub/small.html#L"));
    assert!(out.join("plain.html").is_file());
    assert!(statuses(&index).is_empty());
}

#[test]
fn output_is_deterministic() {
    let (note, res) = small();
    let a = tmpdir("det-a");
    let a = a.path().join("site");
    let b = tmpdir("det-b");
    let b = b.path().join("site");
    render_site(
        std::slice::from_ref(&note),
        std::slice::from_ref(&res),
        &opts(),
        &a,
    )
    .unwrap();
    render_site(&[note], &[res], &opts(), &b).unwrap();
    for f in ["index.html", "sub/small.html", "assets/style.css"] {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
}

#[test]
fn templates_can_be_overridden() {
    let (note, res) = small();
    let dir = tmpdir("tpl");
    let dir = dir.path().join("site");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "{% extends \"base.html\" %}{% block content %}<p class=\"custom\">{{ site_title }}: {{ total }}</p>{% endblock content %}",
    )
    .unwrap();
    std::fs::write(dir.join("style.css"), "body { color: teal; }\n").unwrap();
    let out = dir.join("out");
    let o = SiteOptions {
        templates_dir: Some(dir.clone()),
        ..opts()
    };
    render_site(&[note], &[res], &o, &out).unwrap();
    let index = read(&out.join("index.html"));
    assert!(
        index.contains("<p class=\"custom\">Course &lt;notes&gt;: 6</p>"),
        "{index}"
    );
    // base.html was not overridden: still the default frame.
    assert!(index.contains("class=\"site-header\""));
    assert_eq!(
        read(&out.join("assets/style.css")),
        "body { color: teal; }\n"
    );
    // note.html falls back to the default.
    assert!(read(&out.join("sub/small.html")).contains("data-status=\"fail\""));

    // A broken template is an error, not a panic.
    std::fs::write(dir.join("note.html"), "{% if %}").unwrap();
    assert!(render_site(&[small().0], &[small().1], &o, &out).is_err());
}

#[test]
fn blocks_missing_from_the_body_still_appear() {
    let (mut note, res) = small();
    // Pretend the Markdown had no check fences at all.
    note.source = "# Small <note>\n\nText only.\n".into();
    note.masked = note.source.clone();
    note.body_start = 0;
    let out = tmpdir("unplaced");
    let out = out.path().join("site");
    render_site(&[note], std::slice::from_ref(&res), &opts(), &out).unwrap();
    let page = read(&out.join("sub/small.html"));
    assert!(page.contains("id=\"unplaced-blocks\""));
    assert_eq!(statuses(&page).len(), res.claims().len());
}

/// Writes a demo site to /tmp/demo-site for a look in a browser:
/// `cargo test --lib report::tests::demo_site -- --ignored`.
#[test]
#[ignore]
fn demo_site() {
    let (note, res) = demo();
    let out = Path::new("/tmp/demo-site");
    render_site(&note, &res, &opts(), out).unwrap();
}

const DEMO: &str = r#"---
title: Matrix calculus
dims: {n: 3}
---
# Matrix calculus

## 1.3 Derivative of vector with respect to matrix

Suppose that $\mathbf{W} \in \mathbb{R}^{n \times m}$ and $\mathbf{x} \in \mathbb{R}^{m \times 1}$. We know that $\frac{d\mathbf{W}\mathbf{x}}{d\mathbf{W}}$ is a $3^{rd}$ order tensor.

### 1.3.1 Index notation

$$(1c) \quad \frac{\partial f_i}{\partial W_{mn}} = \frac{\partial f_i}{\partial W_{ij}} \frac{\partial W_{ij}}{\partial W_{mn}} = \delta_{im} \delta_{jn} x_j = \delta_{im} x_n$$

```check #index-notation einstein
let W ∈ R^{n×m}
let x ∈ R^m
let f = W x
(1b) f_i = W_ij x_j
(1c) ∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn = δ_im x_n
```

### 1.3.2 Vectorization

$$\begin{aligned} (1) \quad \mathbf{f} &= \mathbf{W}\mathbf{x} \\ &= \mathbf{I}\mathbf{W}\mathbf{x} \\ &= (\mathbf{x}^T \otimes \mathbf{I}) \text{vec}(\mathbf{W}) \end{aligned}$$

```check #vectorization
let w = vec(W)
(1) f = I W x = (x^T ⊗ I) vec(W)
(2) ∂f/∂w = x^T ⊗ I
(3) ∂f/∂w = I ⊗ x^T
show ∂f/∂x
```

A common mistake, kept as a lesson:

```check should-fail
∂(W x)/∂x = W^T
```

| symbol | meaning |
| --- | --- |
| $N$ | samples |
| $C$ | classes |

```check hide
let b ∈ R^{1×C}
sum(b) = 1_C^T b^T
sum(b) = foo(b)
```
"#;

fn demo() -> (Vec<Note>, Vec<NoteResult>) {
    let note = make_note(
        "notes/matrix-calculus.md",
        "matrix-calculus.md",
        DEMO,
        "Matrix calculus",
    );
    let line = |needle: &str| DEMO[..DEMO.find(needle).unwrap()].matches('\n').count() + 1;
    let lab = |mut s: StmtResult, l: &str| {
        s.label = Some(l.into());
        for c in &mut s.claims {
            c.label = Some(l.into());
        }
        s
    };
    let pass = |l: usize, t: &str, tex: &str| claim(l, t, Some(tex), Status::Pass);

    let l = line("(1b) f_i");
    let l2 = line("(1c) ∂f_i");
    let b0 = block(
        &note,
        0,
        vec![
            stmt(
                line("let W ∈"),
                StmtKindTag::Declare,
                "let W ∈ R^{n×m}",
                Some(r"\text{let } W \in \mathbb{R}^{n \times m}"),
                vec![],
            ),
            stmt(
                line("let x ∈"),
                StmtKindTag::Declare,
                "let x ∈ R^m",
                Some(r"\text{let } x \in \mathbb{R}^{m}"),
                vec![],
            ),
            stmt(
                line("let f = W x"),
                StmtKindTag::Define,
                "let f = W x",
                Some(r"\text{let } f = W x"),
                vec![],
            ),
            lab(
                stmt(
                    l,
                    StmtKindTag::Claim,
                    "f_i = W_ij x_j",
                    Some("f_{i} = W_{i j} x_{j}"),
                    vec![pass(l, "f_i = W_ij x_j", "f_{i} = W_{i j} x_{j}")],
                ),
                "1b",
            ),
            lab(
                stmt(
                    l2,
                    StmtKindTag::Claim,
                    "∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn = δ_im x_n",
                    Some(
                        r"\frac{\partial f_{i}}{\partial W_{m n}} = \frac{\partial f_{i}}{\partial W_{p q}} \frac{\partial W_{p q}}{\partial W_{m n}} = \delta_{i p} x_{q} \delta_{p m} \delta_{q n} = \delta_{i m} x_{n}",
                    ),
                    vec![
                        pass(
                            l2,
                            "∂f_i/∂W_mn = ∂f_i/∂W_pq ∂W_pq/∂W_mn",
                            r"\frac{\partial f_{i}}{\partial W_{m n}} = \frac{\partial f_{i}}{\partial W_{p q}} \frac{\partial W_{p q}}{\partial W_{m n}}",
                        ),
                        pass(
                            l2,
                            "∂f_i/∂W_pq ∂W_pq/∂W_mn = δ_ip x_q δ_pm δ_qn",
                            r"\frac{\partial f_{i}}{\partial W_{p q}} \frac{\partial W_{p q}}{\partial W_{m n}} = \delta_{i p} x_{q} \delta_{p m} \delta_{q n}",
                        ),
                        pass(
                            l2,
                            "δ_ip x_q δ_pm δ_qn = δ_im x_n",
                            r"\delta_{i p} x_{q} \delta_{p m} \delta_{q n} = \delta_{i m} x_{n}",
                        ),
                    ],
                ),
                "1c",
            ),
        ],
    );

    let l1 = line("(1) f = I");
    let lg = line("(2) ∂f/∂w");
    let lw = line("(3) ∂f/∂w");
    let ls = line("show ∂f/∂x");
    let mut wrong = claim(
        lw,
        "∂f/∂w = I ⊗ x^T",
        Some(r"\frac{\partial f}{\partial w} = I \otimes x^{T}"),
        Status::Fail,
    );
    wrong.message =
        Some("the sides differ in trial 1 (largest difference 1.83 at entry (1, 2))".into());
    wrong.compared = Some(
        "exact Jacobian (forward mode, cross-checked by finite differences) vs right side".into(),
    );
    wrong.max_abs_err = Some(1.83);
    wrong.evidence = Some(Evidence {
        trial: 1,
        seed: 0,
        dims: BTreeMap::from([("m".into(), 2), ("n".into(), 3)]),
        indices: BTreeMap::new(),
        tolerance: 1.2e-9,
        max_abs_err: 1.83,
        rel_err: 1.0,
        entry: Some((1, 2)),
        lhs_shape: (3, 6),
        rhs_shape: Some((3, 6)),
        space: None,
        lhs: Some(m(vec![
            vec![0.3, 0.0, 0.0, -1.83, 0.0, 0.0],
            vec![0.0, 0.3, 0.0, 0.0, -1.83, 0.0],
            vec![0.0, 0.0, 0.3, 0.0, 0.0, -1.83],
        ])),
        rhs: Some(m(vec![
            vec![0.3, -1.83, 0.0, 0.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.3, -1.83, 0.0, 0.0],
            vec![0.0, 0.0, 0.0, 0.0, 0.3, -1.83],
        ])),
        diagnosis: Some(Diagnosis::new(
            "holds with the Kronecker factors swapped: I ⊗ xᵀ should be xᵀ ⊗ I",
        )),
    });
    let ev = wrong.evidence.as_ref().unwrap();
    wrong.figure = Some(DerivativeFigure {
        trial: 1,
        dims: Default::default(),
        computed: ev.lhs.clone(),
        claimed: ev.rhs.clone(),
        fd_curve: fd_curve(),
        step_used: 1e-6,
    });
    let mut show = stmt(
        ls,
        StmtKindTag::Show,
        "show ∂f/∂x",
        Some(r"\text{show } \frac{\partial f}{\partial x}"),
        vec![],
    );
    show.shown = Some(Shown {
        value: m(vec![
            vec![0.4967, -0.1383, 0.6477],
            vec![1.523, -0.2342, -0.2341],
            vec![1.579, 0.7674, -0.4695],
        ]),
        dims: BTreeMap::from([("m".into(), 3), ("n".into(), 3)]),
    });
    let b1 = block(
        &note,
        1,
        vec![
            stmt(
                line("let w = vec"),
                StmtKindTag::Define,
                "let w = vec(W)",
                Some(r"\text{let } w = \operatorname{vec}(W)"),
                vec![],
            ),
            lab(
                stmt(
                    l1,
                    StmtKindTag::Claim,
                    "f = I W x = (x^T ⊗ I) vec(W)",
                    Some(r"f = I W x = \left(x^{T} \otimes I\right) \operatorname{vec}(W)"),
                    vec![
                        pass(l1, "f = I W x", "f = I W x"),
                        pass(
                            l1,
                            "I W x = (x^T ⊗ I) vec(W)",
                            r"I W x = \left(x^{T} \otimes I\right) \operatorname{vec}(W)",
                        ),
                    ],
                ),
                "1",
            ),
            lab(
                stmt(
                    lg,
                    StmtKindTag::Claim,
                    "∂f/∂w = x^T ⊗ I",
                    Some(r"\frac{\partial f}{\partial w} = x^{T} \otimes I"),
                    vec![{
                        let mut c = pass(
                            lg,
                            "∂f/∂w = x^T ⊗ I",
                            r"\frac{\partial f}{\partial w} = x^{T} \otimes I",
                        );
                        let lhs = wrong.evidence.as_ref().unwrap().lhs.clone();
                        c.figure = Some(DerivativeFigure {
                            trial: 1,
                            dims: Default::default(),
                            computed: lhs.clone(),
                            claimed: lhs,
                            fd_curve: fd_curve(),
                            step_used: 1e-6,
                        });
                        c
                    }],
                ),
                "2",
            ),
            lab(
                stmt(
                    lw,
                    StmtKindTag::Claim,
                    "∂f/∂w = I ⊗ x^T",
                    wrong.latex.clone().as_deref(),
                    vec![wrong],
                ),
                "3",
            ),
            show,
        ],
    );

    let lx = line("∂(W x)/∂x = W^T");
    let mut xf = claim(
        lx,
        "∂(W x)/∂x = W^T",
        Some(r"\frac{\partial (W x)}{\partial x} = W^{T}"),
        Status::Xfail,
    );
    xf.message = Some("different shapes: 3×2 vs 2×3 (as expected)".into());
    let b2 = block(
        &note,
        2,
        vec![stmt(
            lx,
            StmtKindTag::Claim,
            "∂(W x)/∂x = W^T",
            xf.latex.clone().as_deref(),
            vec![xf],
        )],
    );

    let lb = line("sum(b) = 1_C");
    let le = line("sum(b) = foo");
    let mut e = claim(le, "sum(b) = foo(b)", None, Status::Error);
    e.message = Some("unknown name 'foo'\n  sum(b) = foo(b)\n           ^^^".into());
    e.max_abs_err = None;
    let b3 = block(
        &note,
        3,
        vec![
            stmt(
                line("let b ∈"),
                StmtKindTag::Declare,
                "let b ∈ R^{1×C}",
                Some(r"\text{let } b \in \mathbb{R}^{1 \times C}"),
                vec![],
            ),
            stmt(
                lb,
                StmtKindTag::Claim,
                "sum(b) = 1_C^T b^T",
                Some(r"\operatorname{sum}(b) = 1_{C}^{T} b^{T}"),
                vec![pass(
                    lb,
                    "sum(b) = 1_C^T b^T",
                    r"\operatorname{sum}(b) = 1_{C}^{T} b^{T}",
                )],
            ),
            stmt(le, StmtKindTag::Error, "sum(b) = foo(b)", None, vec![e]),
        ],
    );
    let r = result_for(&note, vec![b0, b1, b2, b3]);

    let (small_note, small_res) = small();
    (vec![note, small_note], vec![r, small_res])
}

#[test]
fn failures_show_their_diagnosis_and_where_the_sides_differ() {
    let (note, mut res) = small();
    let c = &mut res.blocks[0].stmts[3].claims[0];
    assert_eq!(c.status, Status::Fail);
    // Without a derivative figure the evidence shows both sides as heatmaps.
    c.figure = None;
    // The diagnosis is apart from the message.
    c.message = Some("the sides differ".into());
    let out = tmpdir("diagnosis");
    let out = out.path().join("site");
    render_site(&[note], std::slice::from_ref(&res), &opts(), &out).unwrap();
    let page = read(&out.join("sub/small.html"));
    assert!(page.contains("<p class=\"claim-message\">the sides differ</p>\n<p class=\"diagnosis\"><strong>Diagnosis:</strong> holds after transposing the right side</p>"), "{page}");
    assert_eq!(page.matches("<strong>Diagnosis:</strong>").count(), 1);
    // The diagnosis comes before the evidence, which is open.
    assert!(
        page.find("class=\"diagnosis\"").unwrap()
            < page.find("<details class=\"evidence\" open>").unwrap()
    );
    assert!(page.contains("aria-label=\"Both sides in trial 2\""));
    assert!(page.contains(">left − right</text>"));
    assert!(!page.contains("<details class=\"figures\""));
}

#[test]
fn pages_rendered_one_by_one_match_the_whole_site() {
    let (notes, results) = demo();
    let out = tmpdir("per-page");
    let out = out.path().join("site");
    render_site(&notes, &results, &opts(), &out).unwrap();

    let site = Site::new(&opts()).unwrap();
    let mut entries = Vec::new();
    for (note, result) in notes.iter().zip(&results) {
        let page = site
            .page(&CheckedNote::new(note, [0; 32], result.clone()))
            .unwrap();
        assert_eq!(page.rel_path, page_path(&note.rel_path));
        assert_eq!(page.html, read(&site_file(&out, &page.rel_path)));
        assert_eq!(page.entry.href, page.rel_path);
        // An entry survives the cache's format unchanged.
        let bytes = postcard::to_allocvec(&page.entry).unwrap();
        let back: IndexEntry = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, page.entry);
        entries.push(back);
    }
    assert!(entries.iter().any(|e| !e.problems.is_empty()));
    assert_eq!(site.index(&entries).unwrap(), read(&out.join(INDEX)));
    for (rel, text) in site.assets() {
        assert_eq!(text, read(&site_file(&out, rel)));
    }
    // Empty sites have an index too.
    assert!(site.index(&[]).unwrap().contains("0 notes"));
}

#[test]
fn site_is_shared_by_threads() {
    fn sync<T: Sync + Send>() {}
    sync::<Site>();
}

#[test]
fn page_paths_never_collide() {
    let notes: Vec<Note> = [
        "A.md",
        "README.md",
        "a.md",
        "assets/style.md",
        "index-2.md",
        "sub/index.md",
    ]
    .iter()
    .map(|r| make_note(&format!("notes/{r}"), r, "# T\n", "T"))
    .collect();
    let p = page_paths(&notes.iter().collect::<Vec<_>>());
    assert_eq!(p.intro, Some(1), "README.md, as there is no index.md");
    let pages: Vec<Option<&str>> = p.pages.iter().map(|x| x.as_deref()).collect();
    assert_eq!(
        pages,
        [
            Some("A.html"),
            None,
            Some("a-2.html"),
            Some("assets-2/style.html"),
            Some("index-2.html"),
            Some("sub/index.html"),
        ]
    );
    let mut with_index = notes.clone();
    with_index.push(make_note("notes/index.md", "index.md", "# I\n", "I"));
    let p = page_paths(&with_index.iter().collect::<Vec<_>>());
    assert_eq!(p.intro, Some(6));
    assert_eq!(p.pages[1].as_deref(), Some("README.html"));
}
