//! Limits and safety (spec §7, §4.2): the real binary on hostile notes.
//! Every bad claim is one `error` at its line, every other claim and note
//! is still checked, and nothing crashes, hangs or blocks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_notecheck")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("notecheck-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    dir
}

/// Run the binary in `dir`, killing it (and failing) after `limit`.
/// Output is read while it runs (a full pipe would block the child).
fn run(dir: &Path, args: &[&str], limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let child = Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => (out.unwrap(), started.elapsed()),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("notecheck {args:?} did not finish within {limit:?}");
        }
    }
}

fn check(dir: &Path, limit: Duration) -> (String, i32, Duration) {
    let (out, took) = run(dir, &["check", "--no-cache"], limit);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
        took,
    )
}

fn json(dir: &Path) -> serde_json::Value {
    let (out, _) = run(
        dir,
        &["check", "--no-cache", "--format", "json"],
        Duration::from_secs(60),
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// (line, status, message) of every claim of the note named `file`.
fn claims(doc: &serde_json::Value, file: &str) -> Vec<(u64, String, String)> {
    let notes = doc["notes"].as_array().expect("notes");
    let note = notes
        .iter()
        .find(|n| n["path"].as_str().is_some_and(|p| p.ends_with(file)))
        .unwrap_or_else(|| panic!("{file} in {doc}"));
    note["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["line"].as_u64().unwrap(),
                c["status"].as_str().unwrap().to_string(),
                c["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn write(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join("notes").join(rel), text).unwrap();
}

#[test]
fn oversized_values_are_errors_at_their_line_and_the_rest_is_checked() {
    let dir = tmp("sizes");
    write(
        &dir,
        "a.md",
        "# Sizes\n\n```check\ntr(I_{4294967296}) = 3\nlet x ∈ R^m\nx = x\n```\n",
    );
    write(
        &dir,
        "b.md",
        "---\ndims: {n: 100000}\n---\n# Big\n\n```check\nlet A ∈ R^{n×n}\ntr(A) = tr(A)\nlet v ∈ R^n\nv^T v = norm(v)^2\n```\n",
    );
    write(
        &dir,
        "c.md",
        "---\ndims: {n: 200}\n---\n# Kron\n\n```check\nlet A, B ∈ R^{n×n}\nkron(A, B) = kron(A, B)\ntr(A) = tr(A^T)\n```\n",
    );
    write(
        &dir,
        "d.md",
        "---\ncheck:\n  dim_range: [1, 100000]\n---\n# Range\n\n```check\nlet A ∈ R^{n×n}\nA = A^T^T\n```\n\n```check max_entries=10\nlet v ∈ R^{4}\nv v^T = (v v^T)^T\nv^T v = v^T v\n```\n",
    );
    write(
        &dir,
        "fine.md",
        "# Fine\n\n```check\nlet x ∈ R^n\nx^T x = norm(x)^2\n```\n",
    );
    let (text, code, took) = check(&dir, Duration::from_secs(60));
    assert_eq!(code, 1, "{text}");
    let doc = json(&dir);
    let a = claims(&doc, "a.md");
    assert_eq!(a[0].0, 4);
    assert_eq!(a[0].1, "error");
    assert!(
        a[0].2.contains("4294967296×4294967296") && a[0].2.contains("does not fit"),
        "{a:?}"
    );
    assert_eq!(a[1].1, "pass", "{a:?}");
    let b = claims(&doc, "b.md");
    assert_eq!((b[0].0, b[0].1.as_str()), (8, "error"));
    assert!(
        b[0].2.contains("100000×100000") && b[0].2.contains("max_entries = 10000000"),
        "{b:?}"
    );
    assert_eq!(b[1].1, "pass", "an n-vector with n = 100000 is fine: {b:?}");
    let c = claims(&doc, "c.md");
    assert_eq!(c[0].1, "error");
    assert!(c[0].2.contains("40000×40000"), "{c:?}");
    assert_eq!(c[1].1, "pass");
    let d = claims(&doc, "d.md");
    assert!(
        d[0].1 == "error" && d[0].2.contains("max_entries"),
        "a dimension up to 100000 gives an n×n error, or passes when small: {d:?}"
    );
    assert_eq!((d[1].0, d[1].1.as_str()), (14, "error"));
    assert!(
        d[1].2
            .contains("4×4 value (16 entries), more than max_entries = 10"),
        "{d:?}"
    );
    assert_eq!(d[2].1, "pass");
    assert_eq!(claims(&doc, "fine.md")[0].1, "pass");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn slow_claims_time_out_and_the_note_goes_on() {
    let dir = tmp("slow");
    write(
        &dir,
        "slow.md",
        "---\ncheck:\n  timeout: 0.2\n---\n# Slow\n\n```check trials=1000000000\nlet x ∈ R^m\nx = x\n```\n\n```check einstein\nlet A, B ∈ R^{n×n}\n(A B)_ik = A_ij B_jk\n```\n\n```check\nlet y ∈ R^m\ny^T y = norm(y)^2\n```\n",
    );
    write(
        &dir,
        "big-einstein.md",
        "---\ndims: {n: 3000}\ncheck:\n  timeout: 0.2\n  trials: 1\n---\n# Einstein at n = 3000\n\n```check einstein\nlet A, B ∈ R^{n×n}\n(A B)_ik = A_ij B_jk\n```\n",
    );
    let started = Instant::now();
    let doc = json(&dir);
    let took = started.elapsed();
    let s = claims(&doc, "slow.md");
    assert_eq!((s[0].0, s[0].1.as_str()), (9, "error"));
    assert!(s[0].2.contains("took longer than 0.2 s"), "{s:?}");
    assert_eq!(s[1].1, "pass", "{s:?}");
    assert_eq!(s[2].1, "pass", "{s:?}");
    let e = claims(&doc, "big-einstein.md");
    assert_eq!((e[0].0, e[0].1.as_str()), (11, "error"));
    assert!(e[0].2.contains("took longer than 0.2 s"), "{e:?}");
    // Both limited claims stop near their budget (debug build, shared CPU).
    assert!(took < Duration::from_secs(15), "took {took:?}");
    eprintln!("two timed-out claims and the rest: {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_note_has_a_budget_of_ten_claims() {
    let dir = tmp("note-budget");
    let mut text = String::from(
        "---\ncheck:\n  timeout: 0.05\n  trials: 1000000000\n---\n# Many slow claims\n\n```check\nlet x ∈ R^m\n",
    );
    for _ in 0..40 {
        text.push_str("x = x\n");
    }
    text.push_str("```\n");
    write(&dir, "many.md", &text);
    let started = Instant::now();
    let doc = json(&dir);
    let took = started.elapsed();
    let c = claims(&doc, "many.md");
    assert_eq!(c.len(), 40);
    assert!(c.iter().all(|c| c.1 == "error"), "{c:?}");
    assert!(c[0].2.contains("took longer than 0.05 s"), "{c:?}");
    assert!(c[39].2.contains("the note's budget"), "{c:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_huge_files_are_reported_and_skipped() {
    let dir = tmp("fifo");
    let notes = dir.join("notes");
    let status = Command::new("mkfifo")
        .arg(notes.join("x.md"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", notes.join("zero.md")).unwrap();
    std::os::unix::fs::symlink(notes.join("x.md"), notes.join("link.md")).unwrap();
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    std::fs::write(notes.join("big.md"), big).unwrap();
    write(&dir, "fine.md", "# Fine\n\n```check\n1 + 1 = 2\n```\n");
    let (text, code, took) = check(&dir, Duration::from_secs(30));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("notes/x.md:1:1: error") && text.contains("not a regular file (a FIFO)"),
        "{text}"
    );
    assert!(text.contains("notes/link.md:1:1: error"), "{text}");
    assert!(
        text.contains("notes/zero.md:1:1: error") && text.contains("(a device)"),
        "{text}"
    );
    assert!(
        text.contains("notes/big.md:1:1: error") && text.contains("more than the 10 MB"),
        "{text}"
    );
    assert!(text.contains("1 pass"), "the fine note is checked: {text}");
    assert!(took < Duration::from_secs(10));
    // `build` does not block either, and renders the fine note.
    let (out, _) = run(
        &dir,
        &["build", "--no-cache", "--out", "site"],
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(dir.join("site/fine.html").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn non_finite_sides_are_errors_not_verdicts() {
    let dir = tmp("nan");
    write(
        &dir,
        "nan.md",
        "# NaN\n\n```check\n0/0 ≠ 0/0\n1/0 = 1/0\nlet x ∈ R^n\nx / 0 ≠ x\nlog(0 x) = log(0 x)\n1 ≠ 2\n```\n",
    );
    let doc = json(&dir);
    let c = claims(&doc, "nan.md");
    assert_eq!(c.len(), 5);
    assert_eq!((c[0].0, c[0].1.as_str()), (4, "error"));
    assert!(
        c[0].2
            .contains("not finite in trial 1: the left side is NaN"),
        "{c:?}"
    );
    assert_eq!(c[1].1, "error");
    assert!(c[1].2.contains("+∞"), "{c:?}");
    assert_eq!(c[2].1, "error");
    assert!(c[2].2.contains("at entry (1, 1)"), "{c:?}");
    assert_eq!(c[3].1, "error");
    assert!(c[3].2.contains("−∞"), "{c:?}");
    assert_eq!(c[4].1, "pass");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cr_only_line_endings_are_read_with_the_right_lines() {
    let dir = tmp("cr");
    let text = "---\rtitle: Old Mac\rcheck:\r  trials: 2\r---\r# Old Mac\r\r```check\rlet A ∈ R^{n×n}\rtr(A^T) = tr(A)\rA = 2 A\r```\r";
    write(&dir, "mac.md", text);
    let doc = json(&dir);
    let c = claims(&doc, "mac.md");
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!((c[0].0, c[0].1.as_str()), (10, "pass"));
    assert_eq!((c[1].0, c[1].1.as_str()), (11, "fail"));
    let (out, code, _) = check(&dir, Duration::from_secs(30));
    assert_eq!(code, 1);
    assert!(out.contains("notes/mac.md:11:3: fail"), "{out}");
    assert!(out.contains("\n11 | A = 2 A\n   | ^^^^^^^\n"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_dimension_fixed_to_one_is_a_warning_not_a_failure() {
    let dir = tmp("dims-one");
    write(
        &dir,
        "one.md",
        "---\ntitle: One\ndims:\n  n: 1\n  m: 3\n---\n# One\n\n```check\nlet A ∈ R^{n×n}\nA = A^T\n```\n",
    );
    let (out, code, _) = check(&dir, Duration::from_secs(30));
    assert_eq!(code, 0, "a warning does not fail CI: {out}");
    assert!(
        out.contains("notes/one.md:4:3: warning: front matter: dims fixes n = 1"),
        "{out}"
    );
    assert!(!out.contains("fixes m"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn long_names_are_fast_and_never_echoed_whole() {
    let dir = tmp("names");
    let long = "ab".repeat(20_000);
    let huge = "xy".repeat(500_000);
    write(
        &dir,
        "long.md",
        &format!("# Long\n\n```check\nlet a, b ∈ R\n{long} = 1\n{huge} = 2\n```\n"),
    );
    let (out, code, took) = check(&dir, Duration::from_secs(60));
    assert_eq!(code, 1);
    assert!(
        out.contains("unknown name 'abababab"),
        "{}",
        &out[..out.len().min(2000)]
    );
    // Neither the messages nor the excerpts echo the giant tokens.
    for line in out.lines() {
        assert!(
            line.chars().count() < 400,
            "the output echoes a giant token: {}…",
            line.chars().take(200).collect::<String>()
        );
    }
    assert!(
        out.contains(" 5 | ababab") && out.contains("abab…"),
        "{out}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    eprintln!("40,000- and 1,000,000-character names: {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn yaml_that_is_not_a_mapping_is_not_printed() {
    let dir = tmp("yaml");
    let prose = "this was meant to be prose but sits in the configuration file ".repeat(50);
    std::fs::write(dir.join("notecheck.yaml"), &prose).unwrap();
    write(&dir, "a.md", &format!("---\n{prose}\n---\n# A\n"));
    let (out, _) = run(&dir, &["check", "--no-cache"], Duration::from_secs(30));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("expected `key: value` lines (a YAML mapping), found a string"),
        "{err}"
    );
    assert!(!err.contains("meant to be prose"), "{err}");
    std::fs::remove_file(dir.join("notecheck.yaml")).unwrap();
    let (text, code, _) = check(&dir, Duration::from_secs(30));
    assert_eq!(code, 1);
    assert!(text.contains("found a string"), "{text}");
    let message = text.lines().find(|l| l.contains("found a string")).unwrap();
    assert!(!message.contains("meant to be prose"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let dir = tmp("deep");
    let n = 100_000;
    write(
        &dir,
        "deep.md",
        &format!(
            "# Deep\n\n$${}x{}$$\n\n```check\nlet x ∈ R\n{}x{} = x\nx = x\n```\n",
            "{".repeat(n),
            "}".repeat(n),
            "(".repeat(n),
            ")".repeat(n)
        ),
    );
    write(&dir, "fine.md", "# Fine\n\n```check\n1 + 1 = 2\n```\n");
    let (out, took) = run(
        &dir,
        &["build", "--no-cache", "--out", "site"],
        Duration::from_secs(60),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert!(
        text.contains("notes/deep.md:7:"),
        "{}",
        &text[..text.len().min(3000)]
    );
    assert!(text.contains("2 pass"), "{}", &text[..text.len().min(3000)]);
    assert!(dir.join("site/deep.html").exists() && dir.join("site/fine.html").exists());
    assert!(took < Duration::from_secs(30), "took {took:?}");
    eprintln!("100,000 nested groups, checked and built: {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_huge_block_of_failing_claims_stays_linear() {
    let dir = tmp("many-claims");
    let mut text =
        String::from("---\ncheck:\n  timeout: 0.001\n---\n# Many\n\n```check\nlet x ∈ R^m\n");
    for _ in 0..50_000 {
        text.push_str("x = 2 x\n");
    }
    text.push_str("```\n");
    write(&dir, "many.md", &text);
    let (out, code, took) = check(&dir, Duration::from_secs(120));
    assert_eq!(code, 1);
    assert!(
        out.contains("notes/many.md:50008:3: error"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(out.contains("\n50008 | x = 2 x\n"));
    assert!(took < Duration::from_secs(40), "took {took:?}");
    eprintln!("50,000 failing claims in one block: {took:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
