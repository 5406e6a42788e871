//! The CI formats (`--format junit`, `--format github`) on real notes,
//! compared with the JSON report of the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_notecheck"));
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

fn run(args: &[&str]) -> Output {
    run_in(&root(), args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

/// A fresh empty folder for one test.
/// (removed when the returned guard drops)
fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("notecheck-ci-{name}-"))
        .tempdir()
        .unwrap()
}

fn json_report(dir: &Path, notes: &str) -> Value {
    let o = run_in(dir, &["check", notes, "--format", "json"], &[]);
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

/// (path, line, col, status) of every failing claim, in report order.
fn failing(v: &Value) -> Vec<(String, u64, u64, String)> {
    let mut out = Vec::new();
    for n in v["notes"].as_array().unwrap() {
        for c in n["claims"].as_array().unwrap() {
            let s = c["status"].as_str().unwrap();
            if matches!(s, "fail" | "error" | "xpass") {
                out.push((
                    n["path"].as_str().unwrap().to_string(),
                    c["line"].as_u64().unwrap(),
                    c["col"].as_u64().unwrap(),
                    s.to_string(),
                ));
            }
        }
    }
    out
}

fn attr_u64(n: roxmltree::Node, name: &str) -> u64 {
    n.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has {name}", n.tag_name().name()))
        .parse()
        .unwrap()
}

#[test]
fn junit_matches_the_json_report() {
    let v = json_report(&root(), "tests/fixtures/basic");
    let s = &v["summary"];
    let o = run(&["check", "tests/fixtures/basic", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1), "the fixture has failing claims");
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");

    let notes = v["notes"].as_array().unwrap();
    let claims: usize = notes
        .iter()
        .map(|n| n["claims"].as_array().unwrap().len())
        .sum();
    let n = |k: &str| s[k].as_u64().unwrap();

    let ts: Vec<_> = suites
        .children()
        .filter(|c| c.has_tag_name("testsuite"))
        .collect();
    assert_eq!(ts.len(), notes.len(), "one testsuite per note");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|c| c.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), claims, "one testcase per claim");

    // Totals on the root and summed over the suites.
    assert_eq!(attr_u64(suites, "tests"), claims as u64);
    assert_eq!(attr_u64(suites, "failures"), n("fail") + n("xpass"));
    assert_eq!(attr_u64(suites, "errors"), n("error"));
    assert!(suites.attribute("time").is_some());
    let sum = |k: &str| ts.iter().map(|t| attr_u64(*t, k)).sum::<u64>();
    assert_eq!(sum("tests"), claims as u64);
    assert_eq!(sum("failures"), n("fail") + n("xpass"));
    assert_eq!(sum("errors"), n("error"));
    assert_eq!(sum("skipped"), n("xfail"));
    assert_eq!(attr_u64(suites, "skipped"), n("xfail"));

    for (t, note) in ts.iter().zip(notes) {
        let path = note["path"].as_str().unwrap();
        assert_eq!(t.attribute("name"), Some(path));
        assert!(t.attribute("time").is_some());
        let tcs: Vec<_> = t
            .children()
            .filter(|c| c.has_tag_name("testcase"))
            .collect();
        let jcs = note["claims"].as_array().unwrap();
        assert_eq!(tcs.len(), jcs.len());
        let names: std::collections::BTreeSet<&str> =
            tcs.iter().map(|t| t.attribute("name").unwrap()).collect();
        assert_eq!(names.len(), tcs.len(), "names are unique in a suite");
        for (tc, jc) in tcs.iter().zip(jcs) {
            assert_eq!(tc.attribute("classname"), Some(path));
            assert_eq!(tc.attribute("file"), Some(path));
            assert!(tc.attribute("time").is_some());
            let line = jc["line"].as_u64().unwrap();
            let property = |k: &str| {
                tc.descendants()
                    .find(|p| p.has_tag_name("property") && p.attribute("name") == Some(k))
                    .and_then(|p| p.attribute("value"))
                    .map(str::to_string)
            };
            assert_eq!(property("line"), Some(line.to_string()));
            assert_eq!(property("col"), Some(jc["col"].to_string()));
            // Named by block and label or text, never by line.
            let name = tc.attribute("name").unwrap();
            let block = jc["block"].as_str().unwrap_or("");
            assert!(name.starts_with(&format!("#{block}")), "{name}");
            assert!(!name.contains(&format!(":{line}")), "{name}");
            match jc["label"].as_str() {
                Some(l) => assert!(name.contains(&format!("({l})")), "{name}"),
                None => assert!(name.contains(jc["text"].as_str().unwrap()), "{name}"),
            }
            let failure = tc.children().find(|c| c.has_tag_name("failure"));
            let error = tc.children().find(|c| c.has_tag_name("error"));
            match jc["status"].as_str().unwrap() {
                "fail" | "xpass" => {
                    let f = failure.expect("a <failure>");
                    assert!(!f.attribute("message").unwrap().is_empty());
                    let body = f.text().unwrap();
                    assert!(body.contains(&format!("{path}:{line}:")), "{body}");
                    let ev = &jc["evidence"];
                    if ev.is_object() {
                        assert!(body.contains(&format!("trial: {}", ev["trial"])), "{body}");
                        assert!(body.contains(&format!("seed: {}", ev["seed"])), "{body}");
                        assert!(body.contains("dimensions: "), "{body}");
                        if ev["lhs"].is_object() {
                            assert!(body.contains("left (") && body.contains("right ("));
                        }
                    }
                }
                "error" => assert!(error.is_some()),
                "xfail" => {
                    assert!(failure.is_none() && error.is_none());
                    let skipped = tc
                        .children()
                        .find(|c| c.has_tag_name("skipped"))
                        .expect("<skipped>");
                    assert!(
                        skipped
                            .attribute("message")
                            .unwrap()
                            .contains("expected failure")
                    );
                }
                _ => assert!(failure.is_none() && error.is_none()),
            }
        }
    }

    // Deterministic.
    let again = run(&["check", "tests/fixtures/basic", "--format", "junit"]);
    assert_eq!(again.stdout, o.stdout);
}

#[test]
fn junit_on_notes_that_hold() {
    let o = run(&["check", "notes", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(0));
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    assert_eq!(attr_u64(doc.root_element(), "failures"), 0);
    assert_eq!(attr_u64(doc.root_element(), "errors"), 0);
    assert!(attr_u64(doc.root_element(), "tests") > 100);
}

#[test]
fn output_file_gets_the_report_and_the_terminal_the_summary() {
    let dir = temp_dir("output");
    let dir = dir.path();
    for (format, check) in [
        ("junit", "<testsuites"),
        ("github", "::error file="),
        ("json", "\"summary\""),
        ("human", "passed, "),
    ] {
        let file = dir.join(format!("report.{format}"));
        let o = run(&[
            "check",
            "tests/fixtures/basic",
            "--format",
            format,
            "--output",
            file.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{format}");
        let report = std::fs::read_to_string(&file).expect("report written");
        assert!(report.contains(check), "{format}: {report}");
        let term = stdout(&o);
        assert!(
            term.contains("13 passed, 7 failed"),
            "{format}: human summary on the terminal: {term}"
        );
        assert!(!term.contains("<testsuites") && !term.contains("::error"));
    }
}

/// `file=`, `line=`, `col=` of a `::error` line.
fn props(line: &str) -> (String, u64, u64) {
    let rest = line.strip_prefix("::error ").unwrap();
    let (props, _msg) = rest.split_once("::").unwrap();
    let mut file = String::new();
    let (mut l, mut c) = (0, 0);
    for p in props.split(',') {
        let (k, v) = p.split_once('=').unwrap();
        match k {
            "file" => {
                file = v
                    .replace("%3A", ":")
                    .replace("%2C", ",")
                    .replace("%25", "%")
            }
            "line" => l = v.parse().unwrap(),
            "col" => c = v.parse().unwrap(),
            "title" => assert!(!v.contains(':') && !v.contains(','), "{v}"),
            _ => panic!("unexpected property {k}"),
        }
    }
    (file, l, c)
}

#[test]
fn github_annotations_match_the_json_report() {
    let v = json_report(&root(), "tests/fixtures/basic");
    let want = failing(&v);
    assert!(!want.is_empty() && want.len() <= 10);
    let o = run(&["check", "tests/fixtures/basic", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), want.len(), "{out}");
    for (line, (path, l, c, status)) in errors.iter().zip(&want) {
        assert_eq!(props(line), (path.clone(), *l, *c), "{line}");
        assert!(
            line.contains(&format!("title=notecheck {status}%3A")),
            "{line}"
        );
    }
    assert!(!out.contains("::group::"));
    assert!(out.lines().last().unwrap().contains("13 passed, 7 failed"));
}

#[test]
fn github_groups_what_does_not_fit_and_writes_a_job_summary() {
    let dir = temp_dir("github");
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    let mut note = String::from("# Many mistakes\n\n```check #wrong\nlet A, B ∈ R^{n×n}\n");
    for _ in 0..11 {
        note.push_str("(A B)^T = A^T B^T\n");
    }
    // A claim whose text needs escaping: '%' and a multi-line message.
    note.push_str("tr(A % B) = 100%\n```\n");
    std::fs::write(dir.join("notes/many.md"), note).unwrap();
    let summary = dir.join("summary.md");
    std::fs::write(&summary, "previous step's summary\n").unwrap();

    let v = json_report(dir, "notes");
    let want = failing(&v);
    assert_eq!(want.len(), 12, "{v}");

    let o = run_in(
        dir,
        &["check", "notes", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 10, "{out}");
    for (line, (path, l, c, _)) in errors.iter().zip(&want) {
        assert_eq!(props(line), (path.clone(), *l, *c));
        // Every '%' in a command is an escape.
        let mut rest = *line;
        while let Some(i) = rest.find('%') {
            let esc = &rest[i..(i + 3).min(rest.len())];
            assert!(
                ["%25", "%0A", "%0D", "%3A", "%2C"].contains(&esc),
                "bad escape {esc} in {line}"
            );
            rest = &rest[i + 1..];
        }
    }
    let g = lines
        .iter()
        .position(|l| *l == "::group::notecheck: 2 more failing claims")
        .expect("a group for the rest");
    let end = lines.iter().position(|l| *l == "::endgroup::").unwrap();
    assert_eq!(end, g + 3, "{out}");
    for (line, (path, l, c, status)) in lines[g + 1..end].iter().zip(&want[10..]) {
        assert!(
            line.starts_with(&format!("{path}:{l}:{c}: {status}: ")),
            "{line}"
        );
    }
    assert!(lines[end + 1].starts_with("notecheck: FAILED"), "{out}");

    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("previous step's summary\n"),
        "appended: {md}"
    );
    assert!(md.contains("| note |"), "{md}");
    assert!(md.contains("`notes/many.md`"), "{md}");
    assert!(md.contains("| **total**"), "{md}");
    assert!(md.contains("### Failing claims"), "{md}");
}
