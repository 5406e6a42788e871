//! Every output format of the real binary on one note with every verdict
//! (pass, fail, error, xfail, xpass), as `insta` snapshots; the JUnit
//! document parsed; claim text without comments in every output.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = "tests/fixtures/outputs";
const NOTE: &str = "tests/fixtures/outputs/verdicts.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(root())
        .args(args)
        .arg("--no-cache")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("runs")
}

fn check(format: &str) -> String {
    let o = run(&["check", FIXTURE, "--format", format]);
    assert_eq!(o.status.code(), Some(1), "the fixture has failures");
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
fn human_output() {
    let out = check("human");
    // CI runners parse the last line.
    assert_eq!(out.lines().last(), Some("5 passed, 5 failed"));
    insta::assert_snapshot!("human", out);
}

#[test]
fn json_output() {
    let out = check("json");
    let v: Value = serde_json::from_str(&out).expect("JSON");
    // The stable fields of every claim (spec §5).
    for c in v["notes"][0]["claims"].as_array().unwrap() {
        for k in [
            "line",
            "col",
            "block",
            "label",
            "text",
            "source",
            "status",
            "message",
            "diagnosis",
            "max_abs_err",
            "rel_err",
        ] {
            assert!(c.get(k).is_some(), "{k} in {c}");
        }
        assert_eq!(c["source"], "check");
    }
    insta::assert_snapshot!("json", out);
}

#[test]
fn junit_output() {
    let out = check("junit");
    insta::assert_snapshot!("junit", out);
}

#[test]
fn github_output() {
    let out = check("github");
    insta::assert_snapshot!("github", out);
}

fn attr(n: roxmltree::Node, k: &str) -> usize {
    n.attribute(k).unwrap().parse().unwrap()
}

#[test]
fn junit_counts_and_skipped_xfail() {
    let xml = check("junit");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suites = doc.root_element();
    let suite = suites
        .children()
        .find(|c| c.has_tag_name("testsuite"))
        .unwrap();
    for n in [suites, suite] {
        assert_eq!(attr(n, "tests"), 10);
        assert_eq!(attr(n, "failures"), 3, "2 fail + 1 xpass");
        assert_eq!(attr(n, "errors"), 2);
        assert_eq!(attr(n, "skipped"), 1, "the xfail");
    }
    let cases: Vec<_> = suite
        .children()
        .filter(|c| c.has_tag_name("testcase"))
        .collect();
    let skipped: Vec<_> = cases
        .iter()
        .filter_map(|c| c.children().find(|x| x.has_tag_name("skipped")))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0]
            .attribute("message")
            .unwrap()
            .contains("expected failure")
    );
    let xfail = skipped[0].parent().unwrap();
    assert_eq!(xfail.attribute("name"), Some("#teach d(A B) = dA B"));
    // Names carry no line and are unique.
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.contains(&"#holds (1)") && names.contains(&"#holds (1) [2]"));
    assert!(names.iter().all(|n| !n.contains(":2") && !n.contains(":3")));
}

/// A `#` comment on a chain's continuation line is not part of any claim's
/// text, in any output or on the page.
#[test]
fn comments_never_reach_claim_text() {
    let json: Value = serde_json::from_str(&check("json")).unwrap();
    let texts: Vec<&str> = json["notes"][0]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"tr(B A) = tr((B A)^T)"), "{texts:?}");
    assert!(texts.contains(&"B^T A^T = A^T B^T"), "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains('#')), "{texts:?}");
    // (The human output quotes the note's source line, comment and all.)
    for format in ["junit", "github"] {
        let out = check(format);
        for comment in ["cyclic", "changes nothing", "wrong order", "# true"] {
            assert!(!out.contains(comment), "{format}: {comment}");
        }
    }
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    let o = run(&["build", NOTE, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let page = std::fs::read_to_string(out.join("verdicts.html")).unwrap();
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    for html in [&page, &index] {
        assert!(html.contains("B^T A^T = A^T B^T"));
        assert!(!html.contains("wrong order"));
    }
    // The failing claim's evidence reproduces it with `path:line`.
    assert!(
        page.contains(&format!("notecheck check {NOTE}:27")),
        "{page}"
    );
}

#[test]
fn outputs_are_deterministic() {
    for format in ["human", "json", "junit", "github"] {
        assert_eq!(check(format), check(format), "{format}");
    }
}
