//! Figures in the built site: well-formed SVG, files for passing claims
//! linked by relative paths that resolve, failing claims' figures from the
//! trial of their evidence, and the page weight of the included notes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder, removed when the returned guard drops (callers shadow it:
/// `let d = tmp("x"); let d = d.path();`).
fn tmp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("notecheck-figures-{name}-"))
        .tempdir()
        .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every `<svg …>…</svg>` inline in `html`.
fn inline_svgs(html: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg ") {
        let end = rest[i..].find("</svg>").expect("closed svg") + i + "</svg>".len();
        v.push(&rest[i..end]);
        rest = &rest[end..];
    }
    v
}

/// `attr="…"` of every `<img class="plot …">` in `html` (HTML-unescaped).
fn figure_imgs(html: &str, attr: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<img class=\"plot") {
        let tag_end = rest[i..].find('>').unwrap() + i;
        let tag = &rest[i..tag_end];
        let key = format!(" {attr}=\"");
        let a = tag.find(&key).unwrap_or_else(|| panic!("{attr} in {tag}")) + key.len();
        let b = tag[a..].find('"').unwrap() + a;
        v.push(tag[a..b].replace("&quot;", "\"").replace("&amp;", "&"));
        rest = &rest[tag_end..];
    }
    v
}

fn parse_svg(text: &str, what: &str) {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{what}: {e}"));
    let svg = doc.root_element();
    assert_eq!(svg.tag_name().name(), "svg", "{what}");
    assert!(svg.children().any(|n| n.has_tag_name("title")), "{what}");
    assert!(svg.children().any(|n| n.has_tag_name("desc")), "{what}");
}

#[test]
fn included_notes_have_light_pages_and_figure_files_that_resolve() {
    let site = tmp("site");
    let site = site.path();
    let out = run(
        &root(),
        &["build", "notes", "--no-cache", "-o", site.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = Vec::new();
    walk(site, &mut files);
    let pages: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    let svgs: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(pages.len() >= 9, "{pages:?}");
    assert!(
        svgs.len() >= 50,
        "passing claims' figures are files: {}",
        svgs.len()
    );
    let mut linked = std::collections::BTreeSet::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        // Page weight: 200 KB at most (about 460 KB with every figure inline).
        assert!(
            html.len() <= 200_000,
            "{} is {} bytes",
            page.display(),
            html.len()
        );
        for svg in inline_svgs(&html) {
            parse_svg(svg, &page.display().to_string());
        }
        let srcs = figure_imgs(&html, "src");
        for (src, alt) in srcs.iter().zip(figure_imgs(&html, "alt")) {
            assert!(!src.starts_with('/') && !src.contains("://"), "{src}");
            let target = page.parent().unwrap().join(src);
            assert!(target.is_file(), "{} links {src}", page.display());
            assert!(
                alt.len() > 20,
                "a figure file needs a text alternative: {src}"
            );
            linked.insert(target.canonicalize().unwrap());
        }
        // Lazily loaded, inside a closed <details>.
        assert_eq!(
            html.matches("<img class=\"plot").count(),
            html.matches("<img class=\"plot plot-file").count()
        );
        assert!(!html.contains("<img class=\"plot plot-file") || html.contains("loading=\"lazy\""));
    }
    for svg in &svgs {
        let text = std::fs::read_to_string(svg).unwrap();
        parse_svg(&text, &svg.display().to_string());
        assert!(text.contains("xmlns=\"http://www.w3.org/2000/svg\""));
        // Every figure file is used by a page (none stale).
        assert!(
            linked.contains(&svg.canonicalize().unwrap()),
            "{} is not linked",
            svg.display()
        );
    }
}

const TRUTH: &str = "---
title: Trial truth
check:
  seed: 0
  trials: 5
---

```check #right
let v ∈ R^n
∂(v^T v)/∂v = 2 v
```

The factor n is right only when n = 2:

```check #wrong
let v ∈ R^n
∂(v^T v)/∂v = (1_n^T 1_n) v
```
";

/// `… trial 3, seed 0` → 3 in `Evidence: trial 3, seed 0`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s.find(start).unwrap_or_else(|| panic!("{start} in {s}")) + start.len();
    let b = s[a..].find(end).unwrap() + a;
    &s[a..b]
}

#[test]
fn a_failing_claims_figures_show_the_trial_of_its_evidence() {
    let dir = tmp("truth");
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/truth.md"), TRUTH).unwrap();
    let out = run(dir, &["build", "notes", "--no-cache", "-o", "site"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(dir.join("site/truth.html")).unwrap();

    // The failing claim: its evidence trial and dimension.
    let wrong = &page[page.find("id=\"wrong\"").unwrap()..];
    let trial: u32 = between(wrong, "Evidence: trial ", ",").parse().unwrap();
    let facts = between(wrong, "<dt>dimensions</dt><dd>", "</dd>");
    let n: usize = between(&format!("{facts};"), "n = ", ";").parse().unwrap();
    assert!(trial > 1, "the planted claim fails first in a later trial");

    // Its figures are inline (the claim fails) and drawn from that trial.
    let figures = between(wrong, "<details class=\"figures\" open>", "</details>");
    assert!(
        figures.contains(&format!(
            "aria-label=\"Derivative values in trial {trial} ({n}×1)\""
        )),
        "{figures}"
    );
    assert!(
        figures.contains(&format!("In trial {trial} (n = {n})")),
        "{figures}"
    );
    assert!(
        figures.contains(&format!("log-log, trial {trial}, steps h")),
        "{figures}"
    );
    // Three panels of n rows each: exact, claimed, difference.
    let svg = inline_svgs(figures)[0];
    let doc = roxmltree::Document::parse(svg).unwrap();
    let row_labels = doc
        .descendants()
        .filter(|e| e.has_tag_name("g") && e.attribute("text-anchor") == Some("end"))
        .flat_map(|g| g.children().filter_map(|t| t.text()))
        .filter_map(|t| t.parse::<usize>().ok())
        .max();
    assert_eq!(row_labels, Some(n), "{svg}");

    // The passing claim's figures come from trial 1, whose n differs (so
    // that trial 1's figures would have shown the wrong size).
    let right = &page[page.find("id=\"right\"").unwrap()..page.find("id=\"wrong\"").unwrap()];
    let alt = figure_imgs(right, "alt").join(" ");
    let n1: usize = between(&alt, "trial 1 (n = ", ")").parse().unwrap();
    assert_ne!(n1, n, "{alt}");
}

#[test]
fn rebuilds_keep_figure_files_in_step_with_the_pages() {
    let dir = tmp("rebuild");
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    let note = dir.join("notes/truth.md");
    std::fs::write(&note, TRUTH).unwrap();
    let figures = |dir: &Path| -> Vec<String> {
        let mut v = Vec::new();
        if dir.join("site/figures").is_dir() {
            walk(&dir.join("site/figures"), &mut v);
        }
        let mut v: Vec<String> = v
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    run(dir, &["build", "notes", "-o", "site"]);
    // The passing claim's two figures are files; the failing one's inline.
    let first = figures(dir);
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(
        first.iter().all(|f| f.starts_with("truth-L10-")),
        "{first:?}"
    );

    // A figure file deleted by hand is written again.
    let gone = dir.join("site/figures").join(&first[0]);
    std::fs::remove_file(&gone).unwrap();
    run(dir, &["build", "notes", "-o", "site"]);
    assert!(gone.is_file(), "a missing figure file is rewritten");

    // The passing block goes: its figure files go with it.
    let without = TRUTH.replace("```check #right\nlet v ∈ R^n\n∂(v^T v)/∂v = 2 v\n```", "");
    assert_ne!(without, TRUTH);
    std::fs::write(&note, without).unwrap();
    run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(figures(dir), Vec::<String>::new());
    // Empty folders of figures go too; the page stays.
    assert!(!dir.join("site/figures").exists());
    assert!(dir.join("site/truth.html").is_file());
}
