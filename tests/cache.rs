//! The check cache (`.notecheck-cache/`): an unchanged note is not checked
//! again, a changed input is, and cached results equal fresh ones.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh project in a temporary folder: the repository's notes and a
/// `notecheck.yaml`.
/// The folder is removed when the returned guard drops.
fn project(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix(&format!("notecheck-cache-{name}-"))
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    for e in std::fs::read_dir(root().join("notes")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "md") {
            std::fs::copy(&p, dir.join("notes").join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(
        dir.join("notecheck.yaml"),
        "notes: notes\nout: site\ncheck:\n  trials: 2\n",
    )
    .unwrap();
    tmp
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("NOTECHECK_TIMING")
        .output()
        .expect("runs")
}

/// `(notes, from cache)` from the `checked N notes, M from cache` line on stderr.
fn counts(out: &Output) -> (usize, usize) {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("checked "))
        .unwrap_or_else(|| panic!("no summary line on stderr: {err}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    // checked N notes, M from cache
    (words[1].parse().unwrap(), words[3].parse().unwrap())
}

fn build(dir: &Path, extra: &[&str]) -> (usize, usize) {
    let mut args = vec!["build"];
    args.extend_from_slice(extra);
    let out = run(dir, &args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    counts(&out)
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    let mut stack = vec![dir.join(".notecheck-cache").join("results")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

fn append(file: &Path, text: &str) {
    let mut s = std::fs::read_to_string(file).unwrap();
    s.push_str(text);
    std::fs::write(file, s).unwrap();
}

#[test]
fn second_build_checks_nothing_and_one_edit_checks_one_note() {
    let dir = project("edit");
    let dir = dir.path();
    let (n, cached) = build(dir, &[]);
    assert!(n >= 5, "the notes folder has notes: {n}");
    assert_eq!(cached, 0, "a first build has nothing cached");
    assert_eq!(cache_files(dir).len(), n, "one cache file per note");
    assert!(
        std::fs::read_to_string(dir.join(".notecheck-cache/.gitignore"))
            .unwrap()
            .contains('*')
    );

    assert_eq!(build(dir, &[]), (n, n), "nothing re-checked");

    append(
        &dir.join("notes/02-vectorization.md"),
        "\nOne more sentence.\n",
    );
    assert_eq!(build(dir, &[]), (n, n - 1), "exactly the edited note");
    assert_eq!(build(dir, &[]), (n, n));

    // The project configuration is part of every key.
    std::fs::write(
        dir.join("notecheck.yaml"),
        "notes: notes\nout: site\ncheck:\n  trials: 3\n",
    )
    .unwrap();
    assert_eq!(build(dir, &[]), (n, 0), "every note re-checked");
    assert_eq!(build(dir, &[]), (n, n));
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let dir = project("nocache");
    let dir = dir.path();
    let (n, _) = build(dir, &["--no-cache"]);
    assert!(!dir.join(".notecheck-cache").exists(), "nothing written");
    build(dir, &[]);
    let before: Vec<_> = cache_files(dir)
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().modified().unwrap())
        .collect();
    assert_eq!(build(dir, &["--no-cache"]), (n, 0));
    let out = run(dir, &["check", "--no-cache"]);
    assert_eq!(counts(&out), (n, 0));
    let after: Vec<_> = cache_files(dir)
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().modified().unwrap())
        .collect();
    assert_eq!(before, after, "the cache is left alone");
    let out = run(dir, &["check"]);
    assert_eq!(counts(&out), (n, n), "check reads the cache build wrote");
}

#[test]
fn cached_results_equal_fresh_ones() {
    // The fixtures include failing claims with evidence (matrices, NaN-free
    // floats at full precision): every field must survive the cache.
    let dir = project("same");
    let dir = dir.path();
    for f in ["gradients.md", "identities.md"] {
        std::fs::copy(
            root().join("tests/fixtures/basic").join(f),
            dir.join("notes").join(f),
        )
        .unwrap();
    }
    let fresh = run(dir, &["check", "--format", "json", "--no-cache"]);
    let first = run(dir, &["check", "--format", "json"]);
    let cached = run(dir, &["check", "--format", "json"]);
    let (n, hits) = counts(&cached);
    assert_eq!(hits, n);
    assert_eq!(fresh.status.code(), Some(1), "the fixtures fail");
    assert_eq!(cached.status.code(), fresh.status.code());
    assert!(!fresh.stdout.is_empty());
    assert_eq!(first.stdout, fresh.stdout);
    assert_eq!(cached.stdout, fresh.stdout, "JSON identical from the cache");
    let human_fresh = run(dir, &["check", "--no-cache"]);
    let human_cached = run(dir, &["check"]);
    assert_eq!(human_cached.stdout, human_fresh.stdout);

    // So is the site.
    run(dir, &["build", "--no-cache", "-o", "a"]);
    let b = run(dir, &["build", "-o", "b"]);
    assert_eq!(counts(&b), (n, n));
    for e in std::fs::read_dir(dir.join("a")).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            let name = p.file_name().unwrap();
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(dir.join("b").join(name)).unwrap(),
                "{}",
                name.to_string_lossy()
            );
        }
    }
}

#[test]
fn corrupt_cache_files_are_recomputed() {
    let dir = project("corrupt");
    let dir = dir.path();
    let (n, _) = build(dir, &[]);
    let expected = run(dir, &["check", "--format", "json", "--no-cache"]).stdout;
    let files = cache_files(dir);
    std::fs::write(&files[0], b"garbage").unwrap();
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    std::fs::write(&files[1], bytes).unwrap();
    let mut bytes = std::fs::read(&files[2]).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&files[2], bytes).unwrap();
    std::fs::write(&files[3], b"").unwrap();
    let out = run(dir, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(counts(&out), (n, n - 4));
    assert_eq!(out.stdout, expected);
    assert_eq!(counts(&run(dir, &["check"])), (n, n), "rewritten");
}

#[test]
fn an_unchanged_site_is_not_rewritten_but_a_touched_one_is() {
    let dir = project("site");
    let dir = dir.path();
    build(dir, &[]);
    let page = dir.join("site/02-vectorization.html");
    let index = dir.join("site/index.html");
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (p0, i0) = (mtime(&page), mtime(&index));
    build(dir, &[]);
    assert_eq!((mtime(&page), mtime(&index)), (p0, i0), "nothing rewritten");

    // A deleted or edited output file is written again.
    std::fs::remove_file(&page).unwrap();
    build(dir, &[]);
    assert!(page.is_file());
    std::fs::write(&index, "hand edit").unwrap();
    build(dir, &[]);
    assert_ne!(std::fs::read_to_string(&index).unwrap(), "hand edit");

    // An edited note shows on its page.
    let before = std::fs::read_to_string(&page).unwrap();
    append(
        &dir.join("notes/02-vectorization.md"),
        "\n```check\nlet P, Q ∈ R^{n×n}\n(P Q)^T = P^T Q^T\n```\n",
    );
    let out = run(dir, &["build"]);
    assert_eq!(out.status.code(), Some(1), "the new claim fails");
    let after = std::fs::read_to_string(&page).unwrap();
    assert_ne!(before, after);
    assert!(after.contains(r#"data-status="fail""#));
}
