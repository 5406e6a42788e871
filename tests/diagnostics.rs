//! Integration tests: the note stage's and the configuration's diagnostics
//! are printed at the line and column of their span, counted in characters
//! (multi-byte text before the problem, a check block inside a list item).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// 1-based line and character column of the first `needle` in `text`
/// after `after` (computed here by hand, not by notecheck's line index).
fn place(text: &str, after: &str, needle: &str) -> (usize, usize) {
    let from = text.find(after).expect("anchor in the text");
    let at = from + text[from..].find(needle).expect("needle in the text");
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

const NOTE: &str = "---
title: «Ableitung» ∂
check:
  trials: viele
---
# Schritte é ∂

1. Erster Schritt (∂f/∂x):

   ```check #a bogus trials = x
   let x ∈ R^n
   x = x
   ```

```check #a
1 = 1
```

- Liste ü:

  ```chek
  x
  ```
";

#[test]
fn note_diagnostics_print_at_their_spans() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::create_dir(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/a.md"), NOTE).unwrap();

    let out = run(dir, &["check", "notes", "--format", "json", "--no-cache"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let note = &v["notes"][0];
    let errors: Vec<(usize, usize, &str)> = note["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "error")
        .map(|c| {
            (
                c["line"].as_u64().unwrap() as usize,
                c["col"].as_u64().unwrap() as usize,
                c["message"].as_str().unwrap(),
            )
        })
        .collect();
    let want = [
        (
            place(NOTE, "trials:", "viele"),
            "front matter: check.trials",
        ),
        (
            place(NOTE, "```check #a", "bogus"),
            "unknown block option 'bogus'",
        ),
        (place(NOTE, "```check #a", "trials = x"), "bad value 'x'"),
        (
            place(NOTE, "```\n\n```check", "#a"),
            "duplicate block id '#a'",
        ),
    ];
    assert_eq!(errors.len(), want.len(), "{errors:?}");
    for ((line, col, message), ((wl, wc), wm)) in errors.iter().zip(want) {
        assert_eq!((*line, *col), (wl, wc), "{message}");
        assert!(message.starts_with(wm), "{message} vs {wm}");
    }
    // The near-miss fence inside the list item: at the fence, not at the
    // start of its line.
    let w = &note["warnings"][0];
    let (wl, wc) = place(NOTE, "- Liste", "```chek");
    assert_eq!(
        (w["line"].as_u64(), w["col"].as_u64()),
        (Some(wl as u64), Some(wc as u64))
    );
    assert_eq!(wc, 3);

    // The terminal shows the same places and underlines each whole span.
    let out = run(dir, &["check", "notes", "--no-cache"]);
    let text = String::from_utf8(out.stdout).unwrap();
    let (l, c) = place(NOTE, "trials:", "viele");
    assert!(
        text.contains(&format!("notes/a.md:{l}:{c}: error")),
        "{text}"
    );
    assert!(
        text.contains("  trials: viele\n  |           ^^^^^\n"),
        "{text}"
    );
    let (l, c) = place(NOTE, "```check #a", "trials = x");
    assert!(
        text.contains(&format!("notes/a.md:{l}:{c}: error [#a]")),
        "{text}"
    );
    assert!(
        text.contains(&format!("|{}^^^^^^^^^^\n", " ".repeat(c))),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "notes/a.md:{wl}:{wc}: warning: the fenced block's info string 'chek'"
        )),
        "{text}"
    );
}

#[test]
fn a_wrong_notecheck_yaml_is_one_line_at_its_place_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::create_dir(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/a.md"), "# A\n\n```check\n1 = 1\n```\n").unwrap();

    // An unknown key after multi-byte text.
    let yaml = "title: «Kurs» é\ncheck:\n  trials: 2\n  bogus: 1\n";
    std::fs::write(dir.join("notecheck.yaml"), yaml).unwrap();
    let out = run(dir, &["check", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let (l, c) = place(yaml, "trials", "bogus");
    assert_eq!((l, c), (4, 3));
    assert!(
        err.contains(&format!(
            "notecheck.yaml:{l}:{c}: check: unknown key `bogus`, expected one of"
        )),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // A wrong value on a line with multi-byte text before it: the column
    // counts characters.
    let yaml = "title: «Kurs»\ncheck: {seed: «1», trials: viele}\n";
    std::fs::write(dir.join("notecheck.yaml"), yaml).unwrap();
    let out = run(dir, &["check", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let (l, c) = place(yaml, "check", "«1»");
    assert!(
        err.contains(&format!("notecheck.yaml:{l}:{c}: check.seed: invalid type")),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // A value that parses but is wrong, in flow style after multi-byte text.
    let yaml = "title: «Kurs»\ndims: {n: 3, m: 0}\n";
    std::fs::write(dir.join("notecheck.yaml"), yaml).unwrap();
    let out = run(dir, &["check", "notes"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    let (l, c) = place(yaml, "dims", "m: 0");
    assert!(
        err.contains(&format!(
            "notecheck.yaml:{l}:{c}: dims: m must be at least 1"
        )),
        "{err}"
    );
}
