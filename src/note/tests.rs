//! Tests of the note API as a whole.

use super::*;
use crate::config::Layout;

fn parse(src: &str) -> Note {
    parse_note(
        "notes/x/my-note.md".into(),
        PathBuf::from("x/my-note.md"),
        src.to_string(),
    )
}

#[test]
fn line_col_of_the_source() {
    let n = parse("ab\ncdé\n\nf");
    assert_eq!(n.line_col(0), (1, 1));
    assert_eq!(n.line_col(3), (2, 1));
    assert_eq!(n.line_col(7), (2, 4)); // after 'é' (2 bytes)
    assert_eq!(n.line_col(6), (2, 3)); // inside 'é' → its start
    assert_eq!(n.line_col(1000), (4, 2));
    assert_eq!(n.line_index().line_col(9), (4, 1));
}

#[test]
fn title_precedence() {
    assert_eq!(parse("---\ntitle: Front\n---\n# Heading\n").title, "Front");
    assert_eq!(parse("intro\n\n## Heading $x^T$\n").title, "Heading x^T");
    assert_eq!(parse("no heading\n").title, "my-note");
    assert_eq!(parse("---\ntitle: '  '\n---\n# H\n").title, "H");
    // A broken front matter keeps its title.
    assert_eq!(
        parse("---\ntitle: Kept\nbogus: 1\n---\n# H\n").title,
        "Kept"
    );
    let n = parse_note("a.md".into(), PathBuf::new(), "".into());
    assert_eq!(n.title, "a");
    let n = parse_note(String::new(), PathBuf::new(), "".into());
    assert_eq!(n.title, "untitled");
}

#[test]
fn empty_file() {
    let n = parse("");
    assert!(n.errors.is_empty());
    assert!(n.blocks.is_empty());
    assert_eq!(n.body_start, 0);
    assert_eq!(n.title, "my-note");
    assert_eq!(n.front, FrontMatter::default());
}

#[test]
fn only_front_matter() {
    let n = parse("---\ntitle: T\ndims: {n: 2}\n---\n");
    assert!(n.errors.is_empty());
    assert_eq!(n.body(), "");
    assert_eq!(n.title, "T");
    assert_eq!(n.front.dims.get("n"), Some(&2));
}

#[test]
fn front_matter_error_lines_and_blocks_still_found() {
    let src = "---\ntitle: T\ncheck:\n  layout: denominator\n  rtoll: 1\n---\n# H\n\n```check\na = a\n```\n";
    let n = parse(src);
    assert_eq!(n.errors.len(), 1);
    assert_eq!(n.line_col(n.errors[0].span.start), (5, 3));
    assert!(n.errors[0].message.contains("`rtoll`"));
    // Defaults after a broken front matter.
    assert_eq!(n.front.check.layout, None);
    assert_eq!(n.blocks.len(), 1);
    assert_eq!(n.blocks[0].fence_line, 9);
    assert_eq!(n.blocks[0].body_line, 10);
}

#[test]
fn unterminated_front_matter() {
    let n = parse("---\ntitle: T\n\n```check\na = a\n```\n");
    assert_eq!(n.errors.len(), 1);
    assert_eq!(n.line_col(n.errors[0].span.start), (1, 1));
    assert_eq!(n.body_start, 0);
    assert_eq!(n.blocks.len(), 1);
    assert_eq!(n.blocks[0].fence_line, 4);
}

#[test]
fn crlf_note() {
    let src = "---\r\ntitle: T\r\n---\r\n# H\r\n\r\n```check #a trials=2\r\nlet x ∈ R\r\n  = x\r\n```\r\n";
    let n = parse(src);
    assert!(n.all_errors().is_empty(), "{:?}", n.all_errors());
    assert_eq!(n.title, "T");
    let b = &n.blocks[0];
    assert_eq!((b.fence_line, b.body_line), (6, 7));
    assert_eq!(b.body, "let x ∈ R\n  = x\n");
    assert_eq!(b.overrides.trials, Some(2));
}

#[test]
fn settings_layering() {
    let src = "---\ncheck:\n  trials: 5\n  layout: denominator\n---\n```check einstein seed=9\n```\n\n```check einstein=false\n```\n";
    let n = parse(src);
    let project = CheckOverrides {
        trials: Some(4),
        seed: Some(1),
        einstein: Some(true),
        ..Default::default()
    };
    let s = n.blocks[0].settings(&project, &n.front.check);
    assert_eq!(
        (s.trials, s.seed, s.layout, s.einstein),
        (5, 9, Layout::Denominator, true)
    );
    let s = n.blocks[1].settings(&project, &n.front.check);
    assert!(!s.einstein);
    assert_eq!(s.seed, 1);
}

#[test]
fn all_errors_sorted() {
    let src = "---\ncheck: {foo: 1}\n---\n```check bad\n```\n```check #x #y\n```\n";
    let n = parse(src);
    let lines: Vec<usize> = n
        .all_errors()
        .iter()
        .map(|e| n.line_col(e.span.start).0)
        .collect();
    assert_eq!(lines, [2, 4, 6]);
}

#[test]
fn read_note_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_path_buf();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let file = dir.join("sub").join("n.md");
    std::fs::write(&file, "\u{feff}# Hello\n\n```check\na = a\n```\n").unwrap();
    let n = read_note(&file, &dir);
    assert_eq!(n.rel_path, PathBuf::from("sub/n.md"));
    assert_eq!(n.title, "Hello");
    assert!(n.errors.is_empty());
    assert!(n.source.starts_with('#'));
    assert!(n.path.ends_with("sub/n.md") && !n.path.contains('\\'));

    let bad = dir.join("bad.md");
    std::fs::write(&bad, b"ok\n\xff\xfe\n").unwrap();
    let n = read_note(&bad, &dir);
    assert_eq!(n.errors.len(), 1);
    assert_eq!(n.line_col(n.errors[0].span.start), (2, 1));
    assert_eq!(
        &n.source[n.errors[0].span.start..n.errors[0].span.end],
        "\u{fffd}"
    );
    assert!(n.source.contains('\u{fffd}'));
    // After a byte order mark and multi-byte text: the column counts the
    // characters of the source (the mark is not part of it).
    std::fs::write(&bad, b"\xef\xbb\xbf\xc3\xa9t\xc3\xa9 \xff\n").unwrap();
    let n = read_note(&bad, &dir);
    assert_eq!(n.source, "été \u{fffd}\n");
    assert_eq!(n.line_col(n.errors[0].span.start), (1, 5));
    assert_eq!(
        &n.source[n.errors[0].span.start..n.errors[0].span.end],
        "\u{fffd}"
    );

    let missing = dir.join("missing.md");
    let n = read_note(&missing, &dir);
    assert_eq!(n.errors.len(), 1);
    assert_eq!(n.errors[0].span, Span::new(0, 0));
    assert!(n.errors[0].message.contains("cannot read"));
    assert_eq!(n.title, "missing");
}

#[test]
fn display_paths() {
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(display_path(&cwd.join("notes").join("a.md")), "notes/a.md");
    assert_eq!(display_path(Path::new("./notes/./a.md")), "notes/a.md");
    assert_eq!(display_path(Path::new("../x/a.md")), "../x/a.md");
    assert_eq!(display_path(Path::new(".")), ".");
    if cfg!(unix) {
        assert_eq!(
            display_path(Path::new("/definitely/elsewhere.md")),
            "/definitely/elsewhere.md"
        );
    }
}

#[test]
fn seed_like_note() {
    let src = "---\ntitle: Matrix calculus\ndims: {n: 3}\n---\n\n## 1 Matrix Calculus\n\nProse with $\\mathbf{r}$.\n\n```check #vector-by-matrix\nlet A ∈ R^{n×k}\nlet φ : R^{n×k} → R^m\nlet r = φ(A)\n(2.2) ∂r/∂A ∈ R^{m×(n×k)}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```check should-fail\n(1c) ∂A/∂W ∈ R^{(k×l×m)×n}\n```\n";
    let n = parse(src);
    assert!(n.all_errors().is_empty());
    assert_eq!(n.blocks.len(), 2);
    assert_eq!(n.blocks[0].id.as_deref(), Some("vector-by-matrix"));
    assert_eq!(n.blocks[0].body.lines().count(), 4);
    assert_eq!(n.blocks[0].body_line, 11);
    assert!(n.blocks[1].should_fail);
    assert_eq!(n.blocks[1].index, 1);
}

#[test]
fn random_input_does_not_panic() {
    // A small deterministic fuzz over tricky fragments.
    let parts = [
        "---\n",
        "...\n",
        "```check",
        "~~~check",
        " #id",
        " trials=",
        "x",
        "\r\n",
        "\n",
        "> ",
        "- ",
        "  ",
        "\t",
        "é",
        "$",
        "$$",
        "# ",
        "title: [",
        "check:\n  ",
        "bogus: 1\n",
        "```",
        "\u{feff}",
        "[^1]: ",
        "|a|\n|-|\n",
    ];
    let mut state: u64 = 12345;
    for _ in 0..3000 {
        let mut s = String::new();
        for _ in 0..(state % 16) {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push_str(parts[(state >> 33) as usize % parts.len()]);
        }
        let n = parse(&s);
        assert!(n.body_start <= n.source.len());
        for b in &n.blocks {
            assert!(b.range.start <= b.range.end && b.range.end <= n.source.len());
            assert!(b.body.is_empty() || b.body.ends_with('\n'));
            // Body lines never run past the file's lines.
            assert!(
                b.body_line - 1 + b.body.lines().count() <= n.source.lines().count().max(1),
                "{s:?}"
            );
        }
        state = state.wrapping_add(7);
    }
}

#[test]
fn cr_only_line_endings_are_line_breaks() {
    assert_eq!(
        normalize_line_endings("a\rb\r\nc\n\r".into()),
        "a\nb\r\nc\n\n"
    );
    let n = parse("---\rtitle: Mac\r---\r# H\r\r```check\r1 = 1\r2 = 2\r```\r");
    assert_eq!(n.title, "Mac");
    assert_eq!(n.blocks.len(), 1);
    assert_eq!(n.blocks[0].body_line, 7);
    assert_eq!(n.blocks[0].body, "1 = 1\n2 = 2\n");
}

#[test]
fn a_dimension_fixed_to_one_is_warned_about_at_its_key() {
    let n = parse("---\ntitle: t\ndims:\n  m: 3\n  n: 1\n---\n# x\n");
    let w = dims_warnings(&n);
    assert_eq!(w.len(), 1);
    assert_eq!(n.line_col(w[0].span.start), (5, 3));
    assert_eq!(&n.source[w[0].span.start..w[0].span.end], "n: 1");
    assert!(
        w[0].message.contains("dims fixes n = 1"),
        "{}",
        w[0].message
    );
    assert!(dims_warnings(&parse("---\ndims: {n: 2}\n---\n")).is_empty());
}

#[cfg(unix)]
#[test]
fn special_and_huge_files_are_not_read() {
    let dir = std::env::temp_dir().join(format!("notecheck-read-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("f.md");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let n = read_note(&fifo, &dir);
    assert!(n.source.is_empty());
    assert!(n.errors[0].message.contains("not a regular file (a FIFO)"));
    let n = read_note(Path::new("/dev/null"), &dir);
    assert!(n.errors[0].message.contains("(a device)"), "{:?}", n.errors);
    let big = dir.join("big.md");
    std::fs::write(&big, vec![b'#'; (MAX_NOTE_BYTES + 1) as usize]).unwrap();
    let n = read_note(&big, &dir);
    assert!(
        n.errors[0].message.contains("more than the 10 MB"),
        "{:?}",
        n.errors
    );
    std::fs::write(&big, "# ok\r\rtext\r").unwrap();
    let n = read_note(&big, &dir);
    assert!(n.errors.is_empty());
    assert_eq!(n.source, "# ok\n\ntext\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_blocks_after_display_math_keep_their_lines() {
    let src = "# T\n\n$$\na\n\n- b\n$$\n\n```check\nx = x\n```\n";
    let n = parse(src);
    assert_eq!(n.blocks[0].fence_line, 9);
    assert_eq!(n.blocks[0].body_line, 10);
    assert_eq!(n.equations.len(), 1);
    assert_eq!(n.equations[0].line, 3);
    assert_eq!(n.masked.len(), n.source.len());
}
