//! `insta` snapshots of the rendered page of every note in the fixtures
//! (`basic`, `broken`, `misuse`, built by the real binary into a temporary
//! folder with `--no-cache`) and of the diagnostics for a table of bad
//! statements (through the binary's JSON output).
//!
//! A page snapshot holds the page's `<main>` element: the note's verdicts,
//! blocks, evidence and figures, not the chrome around it (header, sidebar),
//! which other tests cover. Builds are deterministic, so nothing is redacted;
//! a snapshot that changes between two runs is a bug.
//!
//! Updating after an intended change (no `cargo insta` needed):
//!
//! ```text
//! INSTA_UPDATE=always cargo test --test pages     # rewrite the .snap files
//! git diff tests/snapshots/                        # review them
//! ```
//!
//! or, with `cargo-insta` installed, `cargo insta test --review`. A run
//! without `INSTA_UPDATE` writes `.snap.new` files next to a failing
//! snapshot and fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn notecheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_notecheck"));
    c.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// The `<main …>…</main>` element of a page.
fn main_element(page: &str) -> &str {
    let start = page.find("<main").expect("a <main> element");
    let end = page.rfind("</main>").expect("a </main>") + "</main>".len();
    &page[start..end]
}

/// Builds fixture folder `name` and snapshots each note page's `<main>`.
fn snapshot_pages(name: &str, notes: &[&str]) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let o = notecheck()
        .args([
            "build",
            &format!("tests/fixtures/{name}"),
            "--no-cache",
            "-o",
        ])
        .arg(out.path())
        .output()
        .expect("runs");
    // Every fixture holds a failure or an error: the build exits 1.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for note in notes {
        let page = std::fs::read_to_string(out.path().join(format!("{note}.html")))
            .unwrap_or_else(|e| panic!("{note}.html: {e}"));
        insta::assert_snapshot!(format!("page_{name}_{note}"), main_element(&page));
    }
}

#[test]
fn page_basic() {
    snapshot_pages("basic", &["gradients", "identities"]);
}

#[test]
fn page_broken() {
    snapshot_pages("broken", &["broken", "fine"]);
}

#[test]
fn page_misuse() {
    snapshot_pages("misuse", &["misuse", "wrong-index"]);
}

/// One bad statement per line, grouped in blocks by kind; `#decl` declares
/// the names the others use (all blocks of a note share one scope).
const BAD_STATEMENTS: &str = "# Diagnostics

```check #decl
let W ∈ R^{n×m}
let x ∈ R^m
let A ∈ R^{n×n}
let f = W x
```

```check #unknown
W x = Wx
W x = W y
∂g/∂W = 0
Ax = A x
```

```check #shape
W x + x = W x
A W = W A
W^T x = x
tr(W) = 0
```

```check #index einstein
f_i = W_ik x_j
W_ij x_i = W_ij x_i x_i x_i
f_i = W_ij x_j x_j x_j
f_i = ∑_j W_ij x_i
```

```check #let
let B ∈ R^{nxm}
let C = W +
let D ∈ R^{n×}
let 2 = x
```

```check #syntax
(W x = W x
W x == W x
W x = W x)
W x =
W x = W @ x
W x ∈
```
";

fn write_note(dir: &Path) -> PathBuf {
    let p = dir.join("diagnostics.md");
    std::fs::write(&p, BAD_STATEMENTS).unwrap();
    p
}

#[test]
fn diagnostics_of_bad_statements() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let note = write_note(dir.path());
    let o = notecheck()
        .arg("check")
        .arg(&note)
        .args(["--no-cache", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let claims = v["notes"][0]["claims"].as_array().expect("claims");
    let mut table = String::new();
    for c in claims {
        // No bad statement may pass, and none may crash the run.
        assert_eq!(c["status"], "error", "{c}");
        table.push_str(&format!(
            "{}:{} #{} `{}`\n  {}\n",
            c["line"],
            c["col"],
            c["block"].as_str().unwrap_or(""),
            c["text"].as_str().unwrap_or(""),
            c["message"].as_str().unwrap_or(""),
        ));
        if let Some(d) = c["diagnosis"].as_str() {
            table.push_str(&format!("  diagnosis: {d}\n"));
        }
    }
    // Every bad statement of the table is reported, one error each.
    let statements = BAD_STATEMENTS
        .split("```check ")
        .skip(2)
        .map(|b| {
            b.lines()
                .skip(1)
                .take_while(|l| !l.starts_with("```"))
                .count()
        })
        .sum::<usize>();
    assert_eq!(claims.len(), statements, "{table}");
    insta::assert_snapshot!("diagnostics", table);
}

/// The terminal rendering of the same diagnostics: source line, marker
/// under the span, message.
#[test]
fn diagnostics_in_the_terminal() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write_note(dir.path());
    let o = notecheck()
        .current_dir(dir.path())
        .args(["check", "diagnostics.md", "--no-cache"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(out.contains(&format!("{}:11:", "diagnostics.md")), "{out}");
    insta::assert_snapshot!("diagnostics_human", out);
}
