//! Columns are the file's: a check block indented inside a list item
//! reports its claims at the column of the relation in the file, not in
//! the de-indented block body.

use std::process::Command;

#[test]
fn a_block_inside_a_list_item_reports_file_columns() {
    let dir = tempfile::TempDir::new().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let text = "# List\n\n1. First item:\n\n   ```check\n   let x ∈ R^n\n   x^T x = 2 x^T x\n     = 2 (x^T x)\n   ```\n";
    std::fs::write(notes.join("a.md"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["check", "--no-cache", "--format", "json"])
        .arg(&notes)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let claims = v["notes"][0]["claims"].as_array().unwrap();
    assert_eq!(claims.len(), 2, "{claims:?}");
    let lines: Vec<&str> = text.lines().collect();
    for c in claims {
        let line = c["line"].as_u64().unwrap() as usize;
        let col = c["col"].as_u64().unwrap() as usize;
        let file_line = lines[line - 1];
        let at: String = file_line.chars().skip(col - 1).take(1).collect();
        assert_eq!(at, "=", "line {line} col {col}: {file_line:?}");
    }
    // The planted mistake fails at line 7, the true link passes at line 8.
    assert_eq!(claims[0]["status"], "fail");
    assert_eq!(claims[0]["col"], 10);
    assert_eq!(claims[1]["status"], "pass");
    // The terminal's caret stands under the `=` as well.
    let human = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["check", "--no-cache"])
        .arg(&notes)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&human.stdout);
    assert!(s.contains("a.md:7:10: fail"), "{s}");
}
