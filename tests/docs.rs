//! The documentation is checked like the notes it describes.
//!
//! - Every note in `docs/examples/` is checked by the real binary, and
//!   each claim gets the verdict its source says it gets: `pass`, or
//!   `xfail` inside a `should-fail` block, unless a marker on its line says
//!   otherwise. A marker is a comment at the end of the line (in a check
//!   block or in the front matter): `# error: TEXT` or `# xfail: TEXT`,
//!   where TEXT must occur in the claim's message; or, for a line that
//!   cannot hold a comment (a fence line), `<!-- error below: TEXT -->` on
//!   the line before it. The counts per note are also pinned below, so a
//!   claim that silently disappears is noticed.
//! - Every ```` ```check ```` block quoted in `docs/guide.md` and
//!   `docs/language.md` (also inside a quoted ```` ````markdown ```` note)
//!   appears verbatim in some example note, and so does every quoted
//!   Markdown note: the docs cannot show a claim the test suite does not
//!   check.
//! - Every relative link in the docs resolves to a file in the repository.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples_dir() -> PathBuf {
    root().join("docs/examples")
}

/// `(pass, fail, error, xfail, xpass)` of each example note.
const EXPECTED: &[(&str, [u64; 5])] = &[
    ("claims.md", [18, 0, 0, 0, 0]),
    ("derivatives.md", [24, 0, 0, 1, 0]),
    ("errors.md", [1, 0, 30, 0, 0]),
    ("functions.md", [27, 0, 0, 3, 0]),
    ("expressions.md", [43, 0, 0, 0, 0]),
    ("getting-started.md", [4, 0, 0, 1, 0]),
    ("indices.md", [16, 0, 0, 0, 0]),
    ("orders.md", [14, 0, 0, 4, 0]),
    ("prose.md", [4, 0, 0, 1, 0]),
    ("second-order.md", [14, 0, 0, 4, 0]),
    ("spaces.md", [24, 0, 0, 0, 0]),
    ("spellings.md", [14, 0, 0, 0, 0]),
    ("verdicts.md", [0, 0, 0, 14, 0]),
    ("writing-notes.md", [4, 0, 0, 1, 0]),
];

const STATUSES: [&str; 5] = ["pass", "fail", "error", "xfail", "xpass"];

/// Runs `notecheck check docs/examples --format json` from an empty
/// folder (so no `notecheck.yaml` applies), without the cache.
fn check_examples() -> (Value, Option<i32>) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .arg("check")
        .arg(examples_dir())
        .args(["--format", "json", "--no-cache"])
        .output()
        .expect("run notecheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "notecheck did not write JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, out.status.code())
}

/// What the source says a claim at a line must be.
#[derive(Debug)]
struct Marker {
    status: &'static str,
    text: String,
}

/// The markers of a note, by 1-based line.
fn markers(source: &str) -> BTreeMap<usize, Marker> {
    let mut out = BTreeMap::new();
    for (i, line) in source.lines().enumerate() {
        for status in ["error", "xfail"] {
            if let Some(text) = line
                .trim()
                .strip_prefix(&format!("<!-- {status} below: "))
                .and_then(|t| t.strip_suffix("-->"))
            {
                let text = text.trim().to_string();
                out.insert(i + 2, Marker { status, text });
            } else if let Some(pos) = line.find(&format!("# {status}: ")) {
                let text = line[pos + status.len() + 4..].trim().to_string();
                out.insert(i + 1, Marker { status, text });
            }
        }
    }
    out
}

/// A fenced code block: its info string, its body and the lines of its
/// body (1-based, in the text it was found in).
#[derive(Debug)]
struct Fenced {
    info: String,
    body: String,
    lines: std::ops::RangeInclusive<usize>,
}

/// The fenced code blocks of a Markdown text, outermost only.
fn fenced_blocks(text: &str) -> Vec<Fenced> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, usize, String, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let fence = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        match &mut open {
            None => {
                for c in ['`', '~'] {
                    let n = fence(c);
                    if n >= 3 && indent < 4 {
                        let info = trimmed[n..].trim().to_string();
                        open = Some((c, n, indent, info, String::new(), i + 1));
                        break;
                    }
                }
            }
            Some((c, n, ind, info, body, start)) => {
                let closing = fence(*c);
                if closing >= *n && trimmed[closing..].trim().is_empty() {
                    out.push(Fenced {
                        info: std::mem::take(info),
                        body: std::mem::take(body),
                        lines: *start + 1..=i,
                    });
                    open = None;
                } else {
                    let strip = line.len() - line.trim_start_matches(' ').len();
                    body.push_str(&line[strip.min(*ind)..]);
                    body.push('\n');
                }
            }
        }
    }
    out
}

fn is_check(info: &str) -> bool {
    info.split_whitespace().next() == Some("check")
}

fn is_markdown(info: &str) -> bool {
    matches!(info.split_whitespace().next(), Some("markdown" | "md"))
}

/// The lines (1-based) inside `should-fail` check blocks.
fn should_fail_lines(source: &str) -> Vec<usize> {
    fenced_blocks(source)
        .into_iter()
        .filter(|b| is_check(&b.info) && b.info.split_whitespace().any(|w| w == "should-fail"))
        .flat_map(|b| b.lines)
        .collect()
}

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .expect("docs/examples")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    files.sort();
    files
}

fn file_name(p: &str) -> String {
    Path::new(p)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn every_example_gets_the_verdicts_its_source_states() {
    let (json, code) = check_examples();
    let notes = json["notes"].as_array().expect("notes");
    let mut seen: Vec<String> = notes
        .iter()
        .map(|n| file_name(n["path"].as_str().unwrap_or_default()))
        .collect();
    seen.sort();
    let mut expected_names: Vec<String> = EXPECTED.iter().map(|(n, _)| n.to_string()).collect();
    expected_names.sort();
    assert_eq!(
        seen, expected_names,
        "the notes in docs/examples/ and the table EXPECTED in tests/docs.rs must list the same files"
    );
    let on_disk: Vec<String> = example_files()
        .iter()
        .map(|p| file_name(&p.to_string_lossy()))
        .collect();
    assert_eq!(on_disk, expected_names);

    let mut problems = Vec::new();
    let mut any_error = false;
    for note in notes {
        let name = file_name(note["path"].as_str().unwrap_or_default());
        let source = std::fs::read_to_string(examples_dir().join(&name)).expect("the note");
        let marks = markers(&source);
        let xfail_lines = should_fail_lines(&source);
        let mut counts = [0u64; 5];
        let mut used = std::collections::BTreeSet::new();
        for claim in note["claims"].as_array().expect("claims") {
            let line = claim["line"].as_u64().expect("line") as usize;
            let status = claim["status"].as_str().expect("status");
            // The diagnosis (the usual mistake named) is kept apart from
            // the message; the docs may quote either.
            let message = format!(
                "{}\n{}",
                claim["message"].as_str().unwrap_or_default(),
                claim["diagnosis"].as_str().unwrap_or_default()
            );
            let text = claim["text"].as_str().unwrap_or_default();
            if let Some(k) = STATUSES.iter().position(|s| *s == status) {
                counts[k] += 1;
            }
            any_error |= status == "error";
            let (want, want_text) = match marks.get(&line) {
                Some(m) => {
                    used.insert(line);
                    (m.status, Some(m.text.as_str()))
                }
                None if xfail_lines.contains(&line) => ("xfail", None),
                None => ("pass", None),
            };
            if status != want {
                problems.push(format!(
                    "{name}:{line}: `{text}` is {status}, the docs say {want} ({message})"
                ));
            } else if let Some(t) = want_text
                && !message.contains(t)
            {
                problems.push(format!(
                    "{name}:{line}: `{text}`: the message does not contain the documented text\n  documented: {t}\n  message:    {message}"
                ));
            }
        }
        for (line, m) in &marks {
            if !used.contains(line) {
                problems.push(format!(
                    "{name}:{line}: the docs expect an {} here (\"{}\"), but no claim is reported at this line",
                    m.status, m.text
                ));
            }
        }
        let want = EXPECTED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| *c)
            .expect("listed");
        if counts != want {
            problems.push(format!(
                "{name}: counts (pass, fail, error, xfail, xpass) are {counts:?}, EXPECTED says {want:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    // The error examples make the run fail, as any `error` does.
    assert!(any_error, "errors.md shows errors");
    assert_eq!(code, Some(1), "exit status 1 when a claim is an error");
}

#[test]
fn the_examples_without_errors_pass_as_a_project() {
    // Every example except errors.md checks green: exit status 0.
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).expect("a temporary folder");
    for f in example_files() {
        if f.file_name().is_some_and(|n| n != "errors.md") {
            std::fs::copy(&f, notes.join(f.file_name().expect("a name"))).expect("copy");
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(["check", "notes", "--no-cache"])
        .output()
        .expect("run notecheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}

/// The check blocks and Markdown notes quoted in a doc page.
fn quoted(doc: &str) -> (Vec<String>, Vec<String>) {
    let mut checks = Vec::new();
    let mut notes = Vec::new();
    for b in fenced_blocks(doc) {
        if is_check(&b.info) {
            checks.push(format!("```{}\n{}```", b.info, b.body));
        } else if is_markdown(&b.info) {
            for inner in fenced_blocks(&b.body) {
                if is_check(&inner.info) {
                    checks.push(format!("```{}\n{}```", inner.info, inner.body));
                }
            }
            notes.push(b.body);
        }
    }
    (checks, notes)
}

#[test]
fn every_quoted_check_block_is_a_checked_example() {
    let examples: Vec<(String, String)> = example_files()
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("an example");
            (file_name(&p.to_string_lossy()), text)
        })
        .collect();
    let mut missing = Vec::new();
    for (doc, at_least) in [("docs/guide.md", 5), ("docs/language.md", 30)] {
        let text = std::fs::read_to_string(root().join(doc)).expect("the doc");
        let (checks, notes) = quoted(&text);
        assert!(
            checks.len() >= at_least,
            "{doc} quotes {} check blocks; expected at least {at_least}",
            checks.len()
        );
        for block in checks.iter().chain(&notes) {
            if !examples.iter().any(|(_, t)| t.contains(block.as_str())) {
                missing.push(format!("{doc}:\n{block}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "quoted in the docs but in no note of docs/examples/ (copy it there verbatim, so that it is checked):\n\n{}",
        missing.join("\n\n")
    );
}

/// `[text](target)` links of a Markdown text, outside code.
fn links(text: &str) -> Vec<String> {
    let mut code_lines = std::collections::BTreeSet::new();
    for b in fenced_blocks(text) {
        code_lines.extend(*b.lines.start() - 1..=*b.lines.end() + 1);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if code_lines.contains(&(i + 1)) {
            continue;
        }
        // Drop inline code spans.
        let plain: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = plain.as_str();
        while let Some(p) = rest.find("](") {
            let after = &rest[p + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// The anchors GitHub gives a Markdown text's headings: lower case,
/// punctuation dropped, spaces as `-`, repeats numbered.
fn anchors(text: &str) -> Vec<String> {
    let mut code_lines = std::collections::BTreeSet::new();
    for b in fenced_blocks(text) {
        code_lines.extend(*b.lines.start() - 1..=*b.lines.end() + 1);
    }
    let mut out: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(title) = line.strip_prefix('#').map(|t| t.trim_start_matches('#')) else {
            continue;
        };
        if code_lines.contains(&(i + 1)) || !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let repeats = out.iter().filter(|a| a.as_str() == slug).count();
        out.push(slug.clone());
        if repeats > 0 {
            out.push(format!("{slug}-{repeats}"));
        }
    }
    out
}

#[test]
fn relative_links_in_the_docs_resolve() {
    let root = root().canonicalize().expect("the repository");
    let mut pages = vec![
        root.join("README.md"),
        root.join("docs/README.md"),
        root.join("docs/guide.md"),
        root.join("docs/language.md"),
    ];
    pages.extend(example_files());
    let mut broken = Vec::new();
    let mut count = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("a page");
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (target, fragment) = match link.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (link.as_str(), None),
            };
            count += 1;
            let path = if target.is_empty() {
                page.clone()
            } else {
                page.parent().expect("a folder").join(target)
            };
            match path.canonicalize() {
                Ok(p) if p.starts_with(&root) => {
                    let markdown = p.extension().is_some_and(|x| x == "md");
                    if let Some(f) = fragment.filter(|_| markdown) {
                        let text = std::fs::read_to_string(&p).expect("a page");
                        if !anchors(&text).iter().any(|a| a == f) {
                            broken.push(format!(
                                "{}: {link}: no heading with the anchor #{f}",
                                page.display()
                            ));
                        }
                    }
                }
                Ok(p) => broken.push(format!(
                    "{}: {link} leaves the repository ({})",
                    page.display(),
                    p.display()
                )),
                Err(_) => broken.push(format!("{}: {link} does not exist", page.display())),
            }
        }
    }
    assert!(count >= 10, "only {count} relative links found");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_documented_configuration_is_accepted() {
    // The `notecheck.yaml` shown in the guide, with every key, is a valid
    // configuration: a project using it checks green (exit status 0), and
    // its settings apply (`dims: {n: 3}` fixes n).
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).expect("the guide");
    let config = fenced_blocks(&guide)
        .into_iter()
        .find(|b| b.info == "yaml" && b.body.starts_with("notes:"))
        .expect("the guide shows a notecheck.yaml")
        .body;
    for key in [
        "notes:",
        "out:",
        "title:",
        "templates:",
        "dims:",
        "trials:",
        "seed:",
        "dim_range:",
        "rtol:",
        "atol:",
        "approx_rtol:",
        "flatten:",
        "layout:",
        "einstein:",
    ] {
        assert!(
            config.contains(key),
            "the guide's notecheck.yaml shows {key}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).expect("a temporary folder");
    std::fs::write(dir.join("notecheck.yaml"), &config).expect("write the configuration");
    std::fs::copy(
        examples_dir().join("getting-started.md"),
        notes.join("getting-started.md"),
    )
    .expect("copy");
    std::fs::write(notes.join("n.md"), "```check\nn = 3\n```\n").expect("a note");
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(["check", "--no-cache"])
        .output()
        .expect("run notecheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("6 passed, 0 failed"), "{stdout}");
}

#[test]
fn the_documented_command_lines_exist() {
    // Every option and format the guide's synopsis shows is one the
    // binary's `--help` lists for that command, and every option the
    // binary has is in the synopsis.
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).expect("the guide");
    let synopsis = fenced_blocks(&guide)
        .into_iter()
        .find(|b| b.info.is_empty() && b.body.starts_with("notecheck build"))
        .expect("the guide's synopsis of the commands")
        .body;
    let mut commands = 0;
    for line in synopsis.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(command) = words.get(1) else {
            continue;
        };
        commands += 1;
        let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
            .args([command, "--help"])
            .output()
            .expect("run notecheck");
        assert!(out.status.success(), "notecheck {command} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        let shown: Vec<String> = line
            .split(|c: char| c.is_whitespace() || "[]|".contains(c))
            .filter(|w| w.starts_with('-'))
            .map(str::to_string)
            .collect();
        for option in &shown {
            assert!(
                [" ", ",", "\n"]
                    .iter()
                    .any(|end| help.contains(&format!("{option}{end}"))),
                "the guide shows `{option}` for `notecheck {command}`, which its --help does not list:\n{help}"
            );
        }
        for option in help
            .split_whitespace()
            .filter(|w| w.starts_with("--") && *w != "--help")
        {
            let option = option.trim_end_matches(',');
            assert!(
                shown.iter().any(|s| s == option),
                "`notecheck {command}` has {option}, which the guide's synopsis does not show"
            );
        }
        if *command == "check" {
            for format in ["human", "json", "junit", "github"] {
                assert!(line.contains(format) && help.contains(&format!("- {format}")));
            }
        }
    }
    assert_eq!(commands, 5, "build, check, serve, init, mdbook");
}
