//! `notecheck init`: the scaffold it writes checks green.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("notecheck-init-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const FILES: [(&str, &str); 3] = [
    ("notecheck.yaml", "templates/init/notecheck.yaml"),
    ("notes/example.md", "templates/init/example.md"),
    (
        ".github/workflows/notecheck.yml",
        "templates/init/notecheck.yml",
    ),
];

#[test]
fn init_then_check_is_green() {
    let base = temp_dir("green");
    let o = run_in(&base, &["init", "project"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let dir = base.join("project");
    for (rel, template) in FILES {
        let written = std::fs::read_to_string(dir.join(rel)).expect(rel);
        let source = std::fs::read_to_string(root().join(template)).unwrap();
        assert_eq!(written, source, "{rel} is the template");
    }

    let o = run_in(&dir, &["check", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(o.status.code(), Some(0), "{v}");
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["path"], "notes/example.md");
    let claims = notes[0]["claims"].as_array().unwrap();
    assert!(claims.len() > 20, "{} claims", claims.len());
    for c in claims {
        let s = c["status"].as_str().unwrap();
        assert!(s == "pass" || s == "xfail", "{c}");
    }
    assert!(claims.iter().any(|c| c["status"] == "xfail"));

    // The human check and the site build are green too.
    let o = run_in(&dir, &["check"]);
    assert_eq!(o.status.code(), Some(0));
    let o = run_in(&dir, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(dir.join("site/example.html").is_file());
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = temp_dir("exists");
    let o = run_in(&dir, &["init"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(dir.join("notecheck.yaml").is_file(), "default folder is .");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("created notes/example.md"), "{stdout}");

    std::fs::write(dir.join("notes/example.md"), "mine\n").unwrap();
    std::fs::remove_file(dir.join("notecheck.yaml")).unwrap();
    let o = run_in(&dir, &["init"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("notes/example.md"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(
        !dir.join("notecheck.yaml").exists(),
        "nothing written when a file exists"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/example.md")).unwrap(),
        "mine\n"
    );

    let o = run_in(&dir, &["init", "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert_ne!(
        std::fs::read_to_string(dir.join("notes/example.md")).unwrap(),
        "mine\n"
    );
    assert!(dir.join("notecheck.yaml").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn example_note_shows_every_construct() {
    let note = std::fs::read_to_string(root().join("templates/init/example.md")).unwrap();
    for construct in [
        "∈ R ",
        "∈ R^n",
        "∈ R^{",
        "Sym^",
        "SPD^",
        "Orth^",
        "Diag^",
        "Pos^",
        "OneHot^",
        " const",
        "φ : ",
        "→",
        "let w = ",
        "\\begin{aligned}",
        "% check: should-fail",
        "\\in \\mathbb R^",
        "[2 1; 1 2]",
        "\n      = ",
        "(1) ",
        " ; ",
        "# ",
        "R^{n×n×m}",
        " = ",
        " ≈ ",
        " ≠ ",
        "∂f/∂w",
        "d(",
        " dz",
        "_ij",
        "∑_",
        "einstein",
        "δ_",
        "should-fail",
        "hide",
        "trials=5",
        "show ",
        "I W",
        "1_2",
        "= 0",
        "= n",
        "I_k",
    ] {
        assert!(note.contains(construct), "the example shows {construct:?}");
    }
    let workflow = std::fs::read_to_string(root().join("templates/init/notecheck.yml")).unwrap();
    assert!(workflow.contains("cargo install"));
    assert!(workflow.contains("--git"));
    assert!(workflow.contains("PLACEHOLDER"));
    assert!(workflow.contains("notecheck check --format github"));
}
