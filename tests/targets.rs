//! Targeting as pytest does, through the real binary: a note, the claims
//! at one line, one check block; a target matching nothing; `build` of one
//! note; `notecheck.yaml` found in the nearest parent folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const NOTE: &str = "tests/fixtures/outputs/verdicts.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("runs")
}

fn run(args: &[&str]) -> Output {
    let mut a = args.to_vec();
    a.push("--no-cache");
    run_in(&root(), &a)
}

fn json(target: &str) -> (i32, Value) {
    let o = run(&["check", target, "--format", "json"]);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap(), v)
}

/// (line, status) of every reported claim.
fn reported(v: &Value) -> Vec<(u64, String)> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["claims"].as_array().unwrap())
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn one_note() {
    let (code, v) = json(NOTE);
    assert_eq!(code, 1);
    assert_eq!(v["notes"].as_array().unwrap().len(), 1);
    assert_eq!(v["notes"][0]["path"], NOTE);
    assert_eq!(reported(&v).len(), 10);
}

#[test]
fn claims_at_a_line_with_the_note_evaluated_for_scope() {
    // Line 28 uses x and A, declared in another block: still a verdict.
    let (code, v) = json(&format!("{NOTE}:28"));
    assert_eq!(code, 1);
    assert_eq!(reported(&v), vec![(28, "fail".to_string())]);
    assert_eq!(v["summary"]["fail"], 1);
    assert_eq!(v["summary"]["pass"], 0);
    // A line whose claim holds: exit 0, whatever else the note holds.
    let (code, v) = json(&format!("{NOTE}:18"));
    assert_eq!(code, 0);
    assert_eq!(reported(&v), vec![(18, "pass".to_string())]);
    // The human summary counts only those claims.
    let o = run(&["check", &format!("{NOTE}:18")]);
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert_eq!(out.lines().last(), Some("1 passed, 0 failed"), "{out}");
    assert!(out.contains("ok: 1 note (passed: 1 pass)"), "{out}");
    assert!(stderr(&o).contains("checked 1 note,"), "{}", stderr(&o));
}

#[test]
fn one_block() {
    let (code, v) = json(&format!("{NOTE}#holds"));
    assert_eq!(code, 0);
    let r = reported(&v);
    assert_eq!(r.len(), 3);
    assert!(r.iter().all(|(_, s)| s == "pass"));
    let (code, v) = json(&format!("{NOTE}#teach"));
    assert_eq!(code, 1);
    assert_eq!(
        reported(&v),
        vec![(36, "xfail".to_string()), (37, "xpass".to_string())]
    );
    // A block with no claims is a target too; it reports nothing.
    let (code, v) = json(&format!("{NOTE}#decl"));
    assert_eq!(code, 0);
    assert!(reported(&v).is_empty());
}

#[test]
fn a_target_matching_nothing_is_exit_2_with_a_message() {
    for (target, says) in [
        (format!("{NOTE}:5"), "no claim at"),
        (format!("{NOTE}#nope"), "no check block #nope"),
        (
            "tests/fixtures/outputs/missing.md:3".to_string(),
            "matches nothing",
        ),
        (
            "tests/fixtures/outputs/missing.md".to_string(),
            "matches nothing",
        ),
        ("no-such-folder".to_string(), "does not exist"),
    ] {
        let o = run(&["check", &target]);
        assert_eq!(o.status.code(), Some(2), "{target}");
        assert!(stderr(&o).contains(says), "{target}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{target}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn build_of_one_note_leaves_the_other_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&root().join("tests/fixtures/basic"), &d.join("notes"));
    std::fs::write(d.join("notecheck.yaml"), "check:\n  trials: 2\n").unwrap();
    let o = run_in(d, &["build"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let gradients = std::fs::read(d.join("site/gradients.html")).unwrap();
    // One note, edited: its page is rebuilt, the other stays.
    let note = d.join("notes/identities.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(
        &note,
        text.replace("# Fixture identities", "# Edited identities"),
    )
    .unwrap();
    let o = run_in(d, &["build", "notes/identities.md"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout.clone()).unwrap();
    assert!(out.contains("FAILED: 1 note of 1"), "{out}");
    assert!(
        std::fs::read_to_string(d.join("site/identities.html"))
            .unwrap()
            .contains("Edited identities")
    );
    assert_eq!(
        std::fs::read(d.join("site/gradients.html")).unwrap(),
        gradients
    );
    // A full build afterwards still knows every page.
    std::fs::remove_file(d.join("notes/gradients.md")).unwrap();
    assert_eq!(run_in(d, &["build"]).status.code(), Some(1));
    assert!(!d.join("site/gradients.html").exists());
}

#[test]
fn the_configuration_is_found_in_the_nearest_parent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("course/notes")).unwrap();
    std::fs::create_dir_all(d.join("course/drafts/deep")).unwrap();
    std::fs::write(
        d.join("course/notes/a.md"),
        "# A\n\n```check\nlet A, B ∈ R^{n×n}\n(A B)^T = B^T A^T\n```\n",
    )
    .unwrap();
    // Relative `notes` and `out` are taken from the yaml's folder.
    std::fs::write(
        d.join("course/notecheck.yaml"),
        "notes: notes\nout: public\ncheck:\n  trials: 2\n",
    )
    .unwrap();
    let deep = d.join("course/drafts/deep");
    let o = run_in(&deep, &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["notes"][0]["path"], "../../notes/a.md");
    assert_eq!(v["summary"]["pass"], 1);
    // The cache sits beside the configuration.
    assert!(d.join("course/.notecheck-cache").is_dir());
    assert!(!deep.join(".notecheck-cache").exists());
    let o = run_in(&deep, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.join("course/public/a.html").is_file());
    assert!(!deep.join("site").exists());
}
