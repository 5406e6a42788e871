//! Integration tests: the real binary on real note files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn json(notes: &str) -> (i32, Value) {
    let out = run(&["check", notes, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON on stdout");
    (out.status.code().unwrap_or(-1), v)
}

/// The claims of the note whose path ends with `file`.
fn claims<'a>(v: &'a Value, file: &str) -> Vec<&'a Value> {
    let note = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("note {file} in the report"));
    note["claims"].as_array().unwrap().iter().collect()
}

fn at_line<'a>(cs: &[&'a Value], line: u64) -> Vec<&'a Value> {
    cs.iter().copied().filter(|c| c["line"] == line).collect()
}

fn status(c: &Value) -> &str {
    c["status"].as_str().unwrap()
}

#[test]
fn included_notes_all_hold() {
    let (code, v) = json("notes");
    let s = &v["summary"];
    assert_eq!(code, 0, "summary: {s}");
    assert_eq!(s["fail"], 0);
    assert_eq!(s["error"], 0);
    assert_eq!(s["xpass"], 0);
    assert!(
        s["pass"].as_u64().unwrap() > 100,
        "the notes check many claims: {s}"
    );
    assert!(
        s["xfail"].as_u64().unwrap() > 10,
        "the notes teach mistakes: {s}"
    );
}

#[test]
fn seed_vectorization_chain_passes_claim_by_claim() {
    let (_, v) = json("notes");
    let cs = claims(&v, "02-vectorization.md");
    let chain: Vec<&&Value> = cs
        .iter()
        .filter(|c| {
            let t = c["text"].as_str().unwrap();
            t.contains("(x^T ⊗ I)") || t.contains("= I W x")
        })
        .collect();
    assert!(
        chain.len() >= 3,
        "the chain f = I W x = (xᵀ ⊗ I) vec(W) = (xᵀ ⊗ I) w is checked link by link"
    );
    for c in chain {
        assert_eq!(status(c), "pass", "{c}");
    }
}

#[test]
fn true_identities_pass_and_planted_wrong_ones_fail_with_evidence() {
    let (code, v) = json("tests/fixtures/basic");
    assert_eq!(code, 1);
    let cs = claims(&v, "identities.md");
    // The chain on line 21 gives three claims, all true.
    assert_eq!(at_line(&cs, 21).len(), 3);
    for c in &cs {
        let line = c["line"].as_u64().unwrap();
        if (21..=27).contains(&line) {
            assert_eq!(status(c), "pass", "{c}");
        }
    }
    let wrong = at_line(&cs, 33);
    assert_eq!(wrong.len(), 1);
    assert_eq!(status(wrong[0]), "fail");
    let ev = &wrong[0]["evidence"];
    assert!(ev["trial"].as_u64().unwrap() >= 1);
    assert_eq!(ev["seed"], 0);
    assert!(ev["dims"]["n"].as_u64().is_some());
    assert!(ev["max_abs_err"].as_f64().unwrap() > 1e-3);
    assert!(ev["lhs"]["data"].is_array() && ev["rhs"]["data"].is_array());
    assert!(
        wrong[0]["message"]
            .as_str()
            .unwrap()
            .contains("largest difference")
    );
    let mistake = at_line(&cs, 39);
    assert_eq!(
        status(mistake[0]),
        "xfail",
        "should-fail claim that is false"
    );
}

#[test]
fn usual_mistakes_are_diagnosed_by_name() {
    let (_, v) = json("tests/fixtures/basic");
    let cs = claims(&v, "gradients.md");
    // The diagnosis is its own field, never repeated in the message.
    let msg = |line| {
        let c = at_line(&cs, line)[0];
        let d = c["diagnosis"].as_str().unwrap().to_string();
        assert_eq!(c["evidence"]["diagnosis"].as_str(), Some(d.as_str()));
        assert!(!c["message"].as_str().unwrap().contains(&d), "{c}");
        d
    };
    for c in at_line(&cs, 12).iter().chain(at_line(&cs, 13).iter()) {
        assert_eq!(status(c), "pass", "{c}");
    }
    assert!(msg(17).contains("transpos"), "{}", msg(17));
    assert!(msg(21).contains("factor 1/2"), "{}", msg(21));
    assert!(msg(25).contains("symmetrisation"), "{}", msg(25));
    assert!(msg(29).contains("constant factor 2"), "{}", msg(29));
    assert!(msg(35).contains("other flatten order"), "{}", msg(35));
    assert!(msg(40).contains("Kronecker factors swapped"), "{}", msg(40));
}

#[test]
fn broken_statements_are_errors_at_their_lines_and_neighbours_still_checked() {
    let (code, v) = json("tests/fixtures/broken");
    assert_eq!(code, 1);
    let cs = claims(&v, "broken.md");
    let only = |line| {
        let v = at_line(&cs, line);
        assert_eq!(v.len(), 1, "one claim at line {line}: {v:?}");
        v[0].clone()
    };
    let fm = only(5);
    assert_eq!(status(&fm), "error");
    assert!(fm["message"].as_str().unwrap().contains("bogus"));
    assert_eq!(status(&only(13)), "pass");
    let unknown = only(14);
    assert_eq!(status(&unknown), "error");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("did you mean 'W x'")
    );
    let shape = only(15);
    assert_eq!(status(&shape), "error");
    let m = shape["message"].as_str().unwrap();
    assert!(m.contains("n×1") && m.contains("m×1"), "{m}");
    assert_eq!(shape["col"], 5, "points at the '+'");
    assert_eq!(status(&only(16)), "error");
    assert_eq!(
        status(&only(17)),
        "pass",
        "the statement after a syntax error is still checked"
    );
    let fine = claims(&v, "fine.md");
    assert_eq!(fine.len(), 1);
    assert_eq!(status(fine[0]), "pass", "another note is still checked");
}

#[test]
fn human_output_points_into_the_note_and_ends_with_counts() {
    let out = run(&["check", "tests/fixtures/broken"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("tests/fixtures/broken/broken.md:14:7: error"),
        "{text}"
    );
    assert!(text.contains("\n14 | W x = Wx\n   |       ^^\n"), "{text}");
    assert!(text.trim_end().ends_with("3 passed, 4 failed"), "{text}");
}

#[test]
fn missing_notes_folder_and_bad_arguments_exit_2() {
    let out = run(&["check", "no/such/folder"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("no/such/folder"));
    let out = run(&["check", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

fn build(notes: &str, out: &Path) -> Output {
    run(&["build", notes, "-o", out.to_str().unwrap()])
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn build_writes_pages_with_hooks_and_evidence_offline() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let out = build("tests/fixtures/basic", dir);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing claim fails the build"
    );
    let page = read(&dir.join("identities.html"));
    assert!(page.contains(r#"data-status="fail""#));
    assert!(page.contains(r#"data-line="33""#));
    assert!(page.contains(r#"data-status="xfail""#));
    assert!(page.contains("<math"), "math is MathML");
    assert!(page.contains("<details"), "evidence is on the page");
    let index = read(&dir.join("index.html"));
    assert!(index.contains("identities.html") && index.contains("gradients.html"));
    for entry in walk(dir) {
        if entry.extension().is_some_and(|e| e == "html" || e == "css") {
            let text = read(&entry);
            for bad in ["src=\"http", "href=\"http", "url(http", "@import"] {
                assert!(
                    !text.contains(bad),
                    "{} references the network: {bad}",
                    entry.display()
                );
            }
        }
    }
}

#[test]
fn same_notes_and_seed_give_a_byte_identical_site() {
    let base = tempfile::tempdir().unwrap();
    let base = base.path();
    let (a, b) = (base.join("a"), base.join("b"));
    build("notes", &a);
    build("notes", &b);
    let fa = walk(&a);
    assert!(fa.len() >= 8);
    for f in fa {
        let rel = f.strip_prefix(&a).unwrap();
        assert_eq!(
            std::fs::read(&f).unwrap(),
            std::fs::read(b.join(rel)).unwrap(),
            "{}",
            rel.display()
        );
    }
}

#[test]
fn broken_page_still_renders_every_statement() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    build("tests/fixtures/broken", dir);
    let page = read(&dir.join("broken.html"));
    for line in [5, 14, 15, 16] {
        assert!(
            page.contains(&format!(r#"data-status="error" data-line="{line}""#))
                || page.contains(&format!(r#"data-line="{line}" data-status="error""#)),
            "error at line {line} on the page"
        );
    }
    assert!(read(&dir.join("fine.html")).contains(r#"data-status="pass""#));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn derivative_and_index_misuse_are_errors_that_say_what_is_allowed() {
    let (code, v) = json("tests/fixtures/misuse");
    assert_eq!(code, 1);
    let cs = claims(&v, "misuse.md");
    let msg = |line: u64| {
        let c = at_line(&cs, line);
        assert_eq!(c.len(), 1, "one claim at line {line}");
        assert_eq!(status(c[0]), "error", "line {line}: {}", c[0]);
        c[0]["message"].as_str().unwrap().to_string()
    };
    assert!(msg(8).contains("can only differentiate with respect to a declared variable"));
    assert!(msg(9).contains("unknown name 'g'"));
    assert!(msg(10).contains("A is declared const"));
    assert!(msg(11).contains("slice of one"));
    assert!(msg(15).contains("index i appears 3 times in one term"));
    assert!(
        msg(17).contains("left has {i}, right has {i, j, k}"),
        "{}",
        msg(17)
    );
    let axes = msg(18);
    assert!(
        axes.contains("the rows of W (n)") && axes.contains("the entries of x (m)"),
        "{axes}"
    );
    assert_eq!(status(at_line(&cs, 22)[0]), "pass");
}

#[test]
fn wrong_index_identity_names_the_index_values_of_its_counterexample() {
    let (_, v) = json("tests/fixtures/misuse");
    let cs = claims(&v, "wrong-index.md");
    assert_eq!(status(at_line(&cs, 6)[0]), "pass", "(A B)_ik = A_ij B_jk");
    let wrong = at_line(&cs, 7)[0];
    assert_eq!(status(wrong), "fail");
    let ev = &wrong["evidence"];
    assert!(ev["indices"]["i"].as_u64().unwrap() >= 1);
    assert!(ev["indices"]["k"].as_u64().unwrap() >= 1);
    assert!(wrong["message"].as_str().unwrap().contains("with i="));
}

#[test]
fn an_instance_without_a_value_names_its_trial_and_sizes() {
    // (XᵀX)⁻¹ needs N ≥ D: with N = 2 < D = 4 the right side has no value.
    // The error says which trial and which sizes, so the author can fix
    // them; with N ≥ D the same claim holds.
    let dir = tempfile::tempdir().unwrap();
    let note = |dims: &str| {
        format!(
            "---\ndims: {dims}\n---\n\n```check\nlet X ∈ R^{{N×D}}\nlet y ∈ R^N\nX^T X (X^T X)^{{-1}} X^T y = X^T y\n```\n"
        )
    };
    let path = dir.path().join("normal.md");
    std::fs::write(&path, note("{N: 2, D: 4}")).unwrap();
    let (code, v) = json(path.to_str().unwrap());
    assert_eq!(code, 1, "{v}");
    let c = &v["notes"][0]["claims"][0];
    assert_eq!(c["status"], "error", "{c}");
    let m = c["message"].as_str().unwrap();
    assert!(m.contains("singular"), "{m}");
    assert!(m.contains("(trial 1, D=4, N=2)"), "{m}");

    std::fs::write(&path, note("{N: 6, D: 3}")).unwrap();
    let (code, v) = json(path.to_str().unwrap());
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["notes"][0]["claims"][0]["status"], "pass");
}

#[test]
fn a_condition_on_a_declared_point_is_named_as_such() {
    // The normal equations hold at the least-squares solution, not for a
    // β̂ drawn at random: the failure says so. Defined as the solution,
    // the same equation holds.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("normal.md");
    let note = |beta: &str| {
        format!(
            "---\ndims: {{N: 8, D: 3}}\n---\n\nLet $\\mathbf X \\in \\mathbb R^{{N\\times D}}$ and $\\mathbf y \\in \\mathbb R^{{N}}${beta}.\n\n$$\n\\mathbf X^T \\mathbf X \\hat{{\\boldsymbol\\beta}} = \\mathbf X^T \\mathbf y\n$$\n"
        )
    };
    std::fs::write(
        &path,
        note(", $\\hat{\\boldsymbol\\beta} \\in \\mathbb R^{D}$"),
    )
    .unwrap();
    let (code, v) = json(path.to_str().unwrap());
    assert_eq!(code, 1, "{v}");
    let c = &v["notes"][0]["claims"][0];
    assert_eq!(c["status"], "fail", "{c}");
    let d = c["diagnosis"].as_str().unwrap_or_default();
    assert!(
        d.starts_with("a condition rather than an identity? β̂ is declared"),
        "{c}"
    );

    let defined = note("").replace(
        "$$\n\\mathbf X^T",
        "$$\n\\hat{\\boldsymbol\\beta} = (\\mathbf X^T \\mathbf X)^{-1} \\mathbf X^T \\mathbf y\n$$\n\n$$\n\\mathbf X^T",
    );
    std::fs::write(&path, defined).unwrap();
    let (code, v) = json(path.to_str().unwrap());
    assert_eq!(code, 0, "{v}");
    let claims = v["notes"][0]["claims"].as_array().unwrap();
    assert!(claims.iter().all(|c| c["status"] == "pass"), "{v}");
    assert!(!claims.is_empty(), "{v}");
}
