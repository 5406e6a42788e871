//! `notecheck mdbook` as mdBook runs it, on recorded preprocessor input
//! (`tests/fixtures/mdbook/*.json`, mdBook 0.4's format).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/fixtures/mdbook").join(name)).unwrap()
}

fn chapters(items: &Value, out: &mut Vec<Value>) {
    for it in items.as_array().unwrap() {
        if let Some(ch) = it.get("Chapter") {
            out.push(ch.clone());
            chapters(&ch["sub_items"], out);
        }
    }
}

fn chapter<'a>(all: &'a [Value], path: &str) -> &'a Value {
    all.iter()
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("chapter {path}"))
}

/// The chapter as mdBook 0.4 renders it: pulldown-cmark without the math
/// extension, so `<math>` only survives as raw HTML.
fn as_mdbook_renders(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut s = String::new();
    html::push_html(&mut s, Parser::new_ext(md, opts));
    s
}

#[test]
fn supports_every_renderer() {
    for r in ["html", "markdown", "linkcheck", "epub"] {
        let o = run(&["mdbook", "supports", r], "");
        assert_eq!(o.status.code(), Some(0), "{r}");
    }
}

fn check_passing_output(o: &Output, key: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let book: Value = serde_json::from_slice(&o.stdout).expect("the book as JSON");
    let input: Value = serde_json::from_str(&fixture("passing-book.json")).unwrap();

    // Structure kept: part titles, separators, drafts, unknown fields.
    let items = book[key].as_array().expect(key);
    assert_eq!(items.len(), 5);
    assert_eq!(items[1], serde_json::json!({"PartTitle": "Calculus"}));
    assert_eq!(items[3], "Separator");
    assert_eq!(items[4], input[1]["sections"][4]);
    assert!(book.get("__non_exhaustive").is_some());

    let mut all = Vec::new();
    chapters(&book[key], &mut all);
    assert_eq!(all.len(), 4);
    for ch in &all {
        let c = ch["content"].as_str().unwrap();
        assert!(!c.contains("```check"), "check blocks replaced: {c}");
        assert!(!c.contains("> ```"), "{c}");
    }

    // Math is MathML, in prose and in tables; code keeps its dollars.
    let intro = chapter(&all, "intro.md")["content"].as_str().unwrap();
    assert!(!intro.contains("$\\mathbf"), "{intro}");
    assert!(intro.contains("<math display=\"inline\">"), "{intro}");
    assert!(intro.contains("<math display=\"block\">"), "{intro}");
    assert!(intro.contains("`$HOME` and `$x$`"), "{intro}");
    let html = as_mdbook_renders(intro);
    assert!(!html.contains("&lt;math"), "{html}");
    assert!(html.contains("<td><math display=\"inline\">"), "{html}");
    assert!(
        html.contains(
            "<annotation encoding=\"application/x-tex\">\\mathbf x \\in \\mathbb R^m</annotation>"
        ),
        "{html}"
    );
    assert!(html.contains("<code>$HOME</code>"), "{html}");

    // Check blocks: statements and verdicts, as raw HTML wherever the
    // block stood (top level, list item, block quote).
    let vec = chapter(&all, "calculus/vectorization.md")["content"]
        .as_str()
        .unwrap();
    let html = as_mdbook_renders(vec);
    assert!(
        html.contains("<section class=\"check-block\" id=\"vec-identity\">"),
        "{html}"
    );
    assert!(html.contains("<section class=\"check-block should-fail\" id=\"mistake\">"));
    assert_eq!(html.matches("data-status=\"pass\"").count(), 4, "{html}");
    assert_eq!(html.matches("data-status=\"xfail\"").count(), 1);
    assert!(
        html.contains("data-line=\"11\""),
        "line of the first claim: {html}"
    );
    assert!(html.contains("<p>The end.</p>"), "{html}");
    assert!(!html.contains("&lt;section") && !html.contains("&lt;div"));
    assert!(vec.starts_with("<style>"));

    let idx = chapter(&all, "calculus/index-notation.md")["content"]
        .as_str()
        .unwrap();
    let html = as_mdbook_renders(idx);
    assert_eq!(html.matches("data-status=\"pass\"").count(), 3, "{html}");
    assert!(html.contains("<li>"), "{html}");
    assert!(html.contains("<blockquote>"), "{html}");
    assert!(
        !html.contains("&lt;section") && !html.contains("&lt;math"),
        "{html}"
    );

    assert!(err.contains("8 claims hold in 3 chapters"), "{err}");
}

#[test]
fn passing_book() {
    let o = run(&["mdbook"], &fixture("passing-book.json"));
    check_passing_output(&o, "sections");
}

#[test]
fn passing_book_mdbook_0_5() {
    // mdBook 0.5 renamed the book's `sections` to `items`.
    let mut v: Value = serde_json::from_str(&fixture("passing-book.json")).unwrap();
    v[0]["mdbook_version"] = "0.5.0".into();
    let book = v[1].as_object_mut().unwrap();
    let sections = book.remove("sections").unwrap();
    book.insert("items".into(), sections);
    let o = run(&["mdbook"], &v.to_string());
    check_passing_output(&o, "items");
}

#[test]
fn failing_book_fails_the_build_with_locations() {
    let o = run(&["mdbook"], &fixture("failing-book.json"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("src/chapters/mistakes.md:7:9: fail: "),
        "{err}"
    );
    assert!(err.contains("src/chapters/mistakes.md:13:"), "{err}");
    assert!(err.contains(": error: "), "{err}");
    assert!(!err.contains("src/good.md"), "{err}");
    assert!(err.contains("2 of 3 claims fail"), "{err}");
    // The book is still written, with the failures rendered.
    let book: Value = serde_json::from_slice(&o.stdout).expect("the book as JSON");
    let mut all = Vec::new();
    chapters(&book["sections"], &mut all);
    let c = chapter(&all, "chapters/mistakes.md")["content"]
        .as_str()
        .unwrap();
    assert!(c.contains("data-status=\"fail\" data-line=\"7\""), "{c}");
    assert!(c.contains("data-status=\"error\" data-line=\"13\""), "{c}");
}

#[test]
fn bad_input_and_bad_config_exit_2() {
    let o = run(&["mdbook"], "{\"not\": \"a book\"}");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("[context, book]"));

    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("notecheck.yaml"), "check:\n  trails: 3\n").unwrap();
    let mut v: Value = serde_json::from_str(&fixture("failing-book.json")).unwrap();
    v[0]["root"] = dir.to_str().unwrap().into();
    let o = run(&["mdbook"], &v.to_string());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("notecheck.yaml:2:"), "{err}");
}

#[test]
fn project_settings_come_from_the_book_root() {
    // `dims` in the book's notecheck.yaml fixes n: the failure's evidence says so.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("notecheck.yaml"), "dims: {n: 2}\n").unwrap();
    let mut v: Value = serde_json::from_str(&fixture("failing-book.json")).unwrap();
    v[0]["root"] = dir.to_str().unwrap().into();
    let o = run(&["mdbook"], &v.to_string());
    assert_eq!(o.status.code(), Some(1));
    let book: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut all = Vec::new();
    chapters(&book["sections"], &mut all);
    let c = chapter(&all, "chapters/mistakes.md")["content"]
        .as_str()
        .unwrap();
    assert!(c.contains("n = 2"), "{c}");
}

#[test]
fn prose_equations_get_badges_in_the_book() {
    let chapter_md = "# Prose\n\nLet $\\mathbf W \\in \\mathbb R^{n \\times m}$ and $\\mathbf x \\in \\mathbb R^m$.\n\n$$\n\\begin{aligned}\n\\mathbf f &= \\mathbf W \\mathbf x \\\\\n&= \\mathbf I \\mathbf W \\mathbf x\n\\end{aligned}\n$$\n\n$$\n\\frac{\\partial \\mathbf f}{\\partial \\mathbf x} = \\mathbf W^\\top % check: should-fail\n$$\n\n$$\n- a\n$$\n";
    let input = serde_json::json!([
        {"root": "/tmp/book", "config": {"book": {"title": "B", "src": "src"}},
         "renderer": "html", "mdbook_version": "0.4.40"},
        {"sections": [{"Chapter": {"name": "Prose", "content": chapter_md, "number": [1],
          "sub_items": [], "path": "prose.md", "source_path": "prose.md", "parent_names": []}}],
         "__non_exhaustive": null}
    ]);
    let o = run(&["mdbook"], &input.to_string());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let book: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut all = Vec::new();
    chapters(&book["sections"], &mut all);
    let md = chapter(&all, "prose.md")["content"].as_str().unwrap();
    let html = as_mdbook_renders(md);
    // One badge per relation, linked to the claim, on the equation itself.
    assert!(html.contains("<div class=\"equation eq-checked"), "{html}");
    let badges = html.split("<ul class=\"eq-badges\">").nth(1).unwrap_or("");
    let badges = badges.split("</ul>").next().unwrap();
    assert!(
        badges.contains("data-status=\"pass\" data-line=\"8\""),
        "{html}"
    );
    assert!(badges.contains("href=\"#L8\""), "{html}");
    // One element per claim: the evidence below carries no data-status.
    assert_eq!(html.matches("data-status=").count(), 2, "{html}");
    assert!(html.contains("data-status=\"xfail\""), "{html}");
    // The third equation is not Markdown (no list) and is not a claim.
    assert!(!html.contains("<li>a"), "{html}");
    assert!(html.contains("eq-unchecked"), "{html}");
}

/// `[context, book]` for a book at `root` whose chapters are `chapters`
/// (`None`: a draft chapter, no path and no content).
fn book_input(root: &std::path::Path, chapters: &[Option<(String, String)>]) -> String {
    let sections: Vec<Value> = chapters
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Some((path, content)) => serde_json::json!({"Chapter": {
                "name": path, "content": content, "number": [i + 1], "sub_items": [],
                "path": path, "source_path": path, "parent_names": []}}),
            None => serde_json::json!({"Chapter": {
                "name": "draft", "content": null, "number": null, "sub_items": [],
                "path": null, "source_path": null, "parent_names": []}}),
        })
        .collect();
    serde_json::json!([
        {"root": root.to_string_lossy(), "config": {"book": {"src": "src"}},
         "renderer": "html", "mdbook_version": "0.4.40"},
        {"sections": sections, "__non_exhaustive": null}
    ])
    .to_string()
}

#[test]
fn many_chapters_are_checked_in_order_through_the_cache() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::write(root.join("notecheck.yaml"), "check:\n  trials: 2\n").unwrap();
    let mut book_chapters: Vec<Option<(String, String)>> = (0..60)
        .map(|i| {
            let claim = if i % 7 == 3 {
                "(A B)^T = A^T B^T"
            } else {
                "(A B)^T = B^T A^T"
            };
            Some((
                format!("ch{i:02}.md"),
                format!("# Chapter {i}\n\n```check\nlet A, B ∈ R^{{n×n}}\n{claim}\n```\n"),
            ))
        })
        .collect();
    book_chapters.insert(10, None);
    let input = book_input(root, &book_chapters);
    let run_in = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_notecheck"))
            .current_dir(root)
            .args(["mdbook"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let first = run_in(&input);
    assert_eq!(first.status.code(), Some(1));
    let err = String::from_utf8_lossy(&first.stderr);
    // Chapters 3, 10, 17, … fail, reported in book order.
    let failing: Vec<&str> = err.lines().filter(|l| l.contains(": fail:")).collect();
    assert_eq!(failing.len(), 9, "{err}");
    assert!(failing[0].starts_with("src/ch03.md:5:"), "{err}");
    assert!(failing[8].starts_with("src/ch59.md:5:"), "{err}");
    let book: Value = serde_json::from_slice(&first.stdout).unwrap();
    let mut all = Vec::new();
    chapters(&book["sections"], &mut all);
    assert_eq!(all.len(), 61);
    assert!(all[10]["content"].is_null(), "the draft stays a draft");
    for (i, ch) in all.iter().enumerate().filter(|(i, _)| *i != 10) {
        let n = if i < 10 { i } else { i - 1 };
        let text = ch["content"].as_str().unwrap();
        assert!(
            text.contains(&format!("# Chapter {n}\n")),
            "chapter {n} in place"
        );
        let status = if n % 7 == 3 { "fail" } else { "pass" };
        assert!(text.contains(&format!("data-status=\"{status}\"")), "{n}");
    }
    // Stored in the book's cache; a second run gives the same book.
    let stored = std::fs::read_dir(root.join(".notecheck-cache/results"))
        .unwrap()
        .flatten()
        .map(|d| std::fs::read_dir(d.path()).unwrap().count())
        .sum::<usize>();
    assert_eq!(stored, 60);
    let second = run_in(&input);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(second.stderr, first.stderr);
}

#[test]
fn warnings_reach_the_terminal_and_strict_fails_the_build() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    // A formula that cannot be typeset (line 3) and a link to a missing
    // file (line 5); the one claim holds.
    let chapter = "# Warned\n\n$\\undefinedmacro x$ is broken.\n\nSee [the data](data/missing.csv).\n\n```check\nlet A ∈ R^{m×k}\nlet B ∈ R^{k×n}\n(A B)^T = B^T A^T\n```\n";
    let input = book_input(root, &[Some(("warned.md".into(), chapter.into()))]);
    let o = run(&["mdbook"], &input);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("warned.md:3:"), "{err}");
    assert!(err.contains("warned.md:5:"), "{err}");
    assert!(err.contains("missing.csv"), "{err}");
    assert!(
        err.contains("1 claim holds in 1 chapter; 2 warnings"),
        "{err}"
    );
    serde_json::from_slice::<Value>(&o.stdout).expect("the book is still written");

    // `[preprocessor.notecheck] strict = true`: the same book fails.
    let mut strict: Value = serde_json::from_str(&input).unwrap();
    strict[0]["config"]["preprocessor"] = serde_json::json!({"notecheck": {"strict": true}});
    let o = run(&["mdbook"], &strict.to_string());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("2 warnings (strict)"), "{err}");
}
