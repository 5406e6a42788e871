//! Trust: the output folder is notecheck's, nothing from a note reaches a
//! page, a report or the terminal as markup or control sequences. The real
//! binary on real note files in temporary folders.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_notecheck"));
    c.env("NO_COLOR", "1").env_remove("GITHUB_STEP_SUMMARY");
    c
}

/// A fresh folder with an empty `notes/`, removed when the returned guard
/// drops (callers shadow it: `let d = tmp("x"); let d = d.path();`).
fn tmp(name: &str) -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix(&format!("notecheck-safety-{name}-"))
        .tempdir()
        .unwrap();
    std::fs::create_dir_all(d.path().join("notes")).unwrap();
    d
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const GOOD: &str = "# Good\n\n```check\nlet A, B ∈ R^{n×n}\n(A B)^T = B^T A^T\n```\n";
const BAD: &str = "# Bad\n\n```check\nlet A, B ∈ R^{n×n}\n(A B)^T = A^T B^T\n```\n";

/// Every file below `dir`, relative, `/`-separated.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(
                    p.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    out.sort();
    out
}

// ---- the output folder -------------------------------------------------------

#[test]
fn a_foreign_file_in_the_output_is_refused_unless_forced_and_never_removed() {
    let dir = tmp("foreign");
    let dir = dir.path();
    std::fs::write(dir.join("notes/a.md"), GOOD).unwrap();
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::write(dir.join("site/mine.txt"), "my notes").unwrap();
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let msg = stderr(&o);
    assert_eq!(msg.trim().lines().count(), 1, "one line: {msg}");
    assert!(msg.contains("mine.txt") && msg.contains("--force"), "{msg}");
    assert_eq!(files(&dir.join("site")), ["mine.txt"], "nothing written");

    // --force writes beside it; the file stays through later builds and
    // the removal of every note's page.
    let o = run(dir, &["build", "notes", "-o", "site", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("site/a.html").is_file());
    std::fs::rename(dir.join("notes/a.md"), dir.join("notes/b.md")).unwrap();
    let o = run(dir, &["build", "notes", "-o", "site", "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !dir.join("site/a.html").exists(),
        "notecheck's own page goes"
    );
    assert!(dir.join("site/b.html").is_file());
    assert_eq!(
        std::fs::read_to_string(dir.join("site/mine.txt")).unwrap(),
        "my notes"
    );

    // An empty or missing folder is fine, and a folder of notecheck's own
    // is rebuilt without --force.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    for out in ["empty", "missing/deeper"] {
        let o = run(dir, &["build", "notes", "-o", out]);
        assert_eq!(o.status.code(), Some(0), "{out}: {}", stderr(&o));
        let o = run(dir, &["build", "notes", "-o", out, "--no-cache"]);
        assert_eq!(o.status.code(), Some(0), "{out}: {}", stderr(&o));
    }
}

#[test]
fn an_output_that_is_or_holds_the_notes_is_refused() {
    let dir = tmp("around");
    let dir = dir.path();
    std::fs::write(dir.join("notes/a.md"), GOOD).unwrap();
    std::fs::create_dir_all(dir.join("notes/sub")).unwrap();
    for out in [
        "notes",
        "notes/",
        "./notes",
        "notes/sub",
        "notes/site",
        ".",
        "..",
    ] {
        let o = run(dir, &["build", "notes", "-o", out, "--force"]);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
        let msg = stderr(&o);
        assert!(msg.contains("notes folder"), "{out}: {msg}");
        assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    }
    assert_eq!(files(&dir.join("notes")), ["a.md"], "nothing written");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/a.md")).unwrap(),
        GOOD
    );

    // The check command's report file may not be a note, nor go among them.
    for file in ["notes/a.md", "notes/report.xml", "./notes/../notes/a.md"] {
        let o = run(
            dir,
            &["check", "notes", "--format", "junit", "--output", file],
        );
        assert_eq!(o.status.code(), Some(2), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains("refusing"), "{}", stderr(&o));
    }
    assert_eq!(files(&dir.join("notes")), ["a.md"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/a.md")).unwrap(),
        GOOD
    );
    let o = run(
        dir,
        &[
            "check",
            "notes",
            "--format",
            "junit",
            "--output",
            "report.xml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("report.xml").is_file());
}

#[test]
fn an_interrupted_build_leaves_whole_pages_and_loses_no_user_file() {
    let dir = tmp("interrupted");
    let dir = dir.path();
    for i in 0..150 {
        let body = if i % 2 == 0 { GOOD } else { BAD };
        std::fs::write(dir.join(format!("notes/n{i:03}.md")), body).unwrap();
    }
    // Kill builds at different moments; whatever the moment, every page
    // present is whole, and the next build needs no --force.
    for delay_ms in [30u64, 120, 400] {
        let mut child = bin()
            .current_dir(dir)
            .args(["build", "notes", "-o", "site", "--no-cache"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for f in files(&dir.join("site")) {
            if f.ends_with(".html") {
                let text = std::fs::read_to_string(dir.join("site").join(&f)).unwrap();
                assert!(text.trim_end().ends_with("</html>"), "{f} is whole");
            }
        }
    }
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let all = files(&dir.join("site"));
    assert!(
        !all.iter().any(|f| f.contains(".notecheck-tmp-")),
        "temporary files are cleaned: {all:?}"
    );

    // A record written just before a rename that never happened (a kill at
    // that moment) does not make the user's own file notecheck's.
    let site = dir.join("site");
    std::fs::write(site.join("users-own.html"), "mine").unwrap();
    let mut manifest = std::fs::read_to_string(site.join(".notecheck-site")).unwrap();
    manifest.push_str(
        "[\"users-own.html\",\"0000000000000000000000000000000000000000000000000000000000000000\"]\n",
    );
    std::fs::write(site.join(".notecheck-site"), manifest).unwrap();
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(2), "still foreign: {}", stderr(&o));
    let o = run(dir, &["build", "notes", "-o", "site", "--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(site.join("users-own.html")).unwrap(),
        "mine"
    );
}

#[test]
fn index_md_is_the_home_page_text_and_colliding_pages_get_free_names() {
    let dir = tmp("collide");
    let dir = dir.path();
    std::fs::write(
        dir.join("notes/index.md"),
        "# Welcome\n\nStart with [the good note](good.md).\n\n```check #home\nlet x ∈ R^n\nx^T x = x^T x\n2 x = x\n```\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes/good.md"), GOOD).unwrap();
    std::fs::create_dir_all(dir.join("notes/assets")).unwrap();
    std::fs::write(dir.join("notes/assets/style.md"), GOOD).unwrap();
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // The home page's claims are checked and counted: 1 pass + 1 fail there.
    assert!(stdout(&o).contains("notes/index.md:"), "{}", stdout(&o));
    let index = std::fs::read_to_string(dir.join("site/index.html")).unwrap();
    assert!(index.contains("class=\"intro\""), "{index}");
    assert!(index.contains("Welcome") && index.contains("Start with"));
    assert!(
        index.contains("data-status=\"fail\""),
        "its claims are on the page"
    );
    assert!(
        index.contains("href=\"#L"),
        "its problem links to the claim"
    );
    // Both other notes have their pages; the stylesheet is the site's.
    assert!(dir.join("site/good.html").is_file());
    assert!(dir.join("site/assets-2/style.html").is_file());
    assert!(index.contains("href=\"./assets-2/style.html\""));
    let css = std::fs::read_to_string(dir.join("site/assets/style.css")).unwrap();
    assert!(!css.contains("<html"));
}

// ---- injection ----------------------------------------------------------------

/// Every start tag in `html`: (name, attribute text), lowercased.
fn tags(html: &str) -> Vec<(String, String)> {
    let lower = html.to_lowercase();
    let mut out = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.is_empty() || !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        out.push((name.clone(), rest[name.len()..end].to_string()));
    }
    out
}

/// Nothing in `html` is an element, handler or URL a note could have
/// smuggled in: no script-like element, no `on…=` attribute, no
/// `javascript:` URL (the template's own reload script aside: none here).
fn assert_inert(what: &str, html: &str) {
    for (name, attrs) in tags(html) {
        // The site's own scripts (theme toggle, search), by their exact tags.
        let own_script = name == "script"
            && (attrs
                .trim_start_matches(" src=\"")
                .trim_start_matches("../")
                == "assets/site.js\""
                || attrs
                    .trim_start_matches(" src=\"")
                    .trim_start_matches("../")
                    == "search-index.js\" defer");
        // The site's own search box.
        let own_form = name == "form"
            && attrs
                == " class=\"site-search\" action=\"search.html\" method=\"get\" role=\"search\"";
        if own_script || own_form {
            continue;
        }
        assert!(
            !["script", "iframe", "object", "embed", "base", "form"].contains(&name.as_str()),
            "{what}: <{name}{attrs}>"
        );
        let words: Vec<&str> = attrs
            .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/')
            .collect();
        for w in words {
            assert!(
                !(w.starts_with("on") && w.contains('=')),
                "{what}: handler {w} in <{name}{attrs}>"
            );
        }
        for key in ["href=", "src=", "action=", "formaction="] {
            for (at, _) in attrs.match_indices(key) {
                let value = attrs[at + key.len()..].trim_start_matches(['"', '\'']);
                assert!(
                    !value.starts_with("javascript:") && !value.starts_with("vbscript:"),
                    "{what}: <{name}{attrs}>"
                );
            }
        }
    }
}

/// [`assert_inert`], and no image either (for notes without raw HTML).
fn assert_no_markup(what: &str, html: &str) {
    assert_inert(what, html);
    assert!(
        !tags(html).iter().any(|(n, _)| n == "img"),
        "{what}: <img> in {html}"
    );
}

#[test]
fn a_note_file_name_cannot_make_a_script_link() {
    let dir = tmp("names");
    let dir = dir.path();
    let names = [
        "javascript:alert(1).md",
        "q?x#y%z.md",
        "quote\"'<b>.md",
        "line\nbreak.md",
        "{{ 7*7 }}.md",
    ];
    for n in names {
        std::fs::write(dir.join("notes").join(n), GOOD).unwrap();
    }
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let index = std::fs::read_to_string(dir.join("site/index.html")).unwrap();
    assert!(
        index.contains("href=\"./javascript%3Aalert(1).html\""),
        "{index}"
    );
    assert!(index.contains("href=\"./q%3Fx%23y%25z.html\""));
    assert!(index.contains("href=\"./quote%22%27%3Cb%3E.html\""));
    assert!(index.contains("href=\"./line%0Abreak.html\""));
    assert!(index.contains("href=\"./%7B%7B%207*7%20%7D%7D.html\""));
    assert!(!index.contains("<b>") && !index.contains("49"));
    assert_no_markup("index", &index);
    for n in names {
        let page = dir.join("site").join(n.replace(".md", ".html"));
        assert!(page.is_file(), "{n}");
        assert_no_markup(n, &std::fs::read_to_string(page).unwrap());
    }
}

/// A note with a payload in every place a note's text reaches an output.
const HOSTILE: &str = r#"---
title: "<script>alert('title')</script> \"><img src=x onerror=alert(1)> {{ 7*7 }}"
---

# Heading $\operatorname{<img src=x onerror=alert(2)>}$

Math: $\operatorname{<img src=x onerror=alert(3)>} + \mathop{</math><script>alert(4)</script>} + \text{]]>}$.

$$\operatorname*{"><img src=x onerror=alert(5)>} = 1$$

```check #"><img-src=x-onerror=alert(6)>
let A ∈ R^{n×n}
(2a) A^T = A  ]]></failure><script>alert(7)</script>
let <script> = 1
tr(A) = javascript:alert(8)
```
"#;

#[test]
fn payloads_in_a_note_reach_no_page_or_report_as_markup() {
    let dir = tmp("payloads");
    let dir = dir.path();
    std::fs::write(dir.join("notes/hostile.md"), HOSTILE).unwrap();
    let o = run(dir, &["build", "notes", "-o", "site"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for f in ["index.html", "hostile.html"] {
        let html = std::fs::read_to_string(dir.join("site").join(f)).unwrap();
        assert_no_markup(f, &html);
        assert!(!html.contains(">49<"), "{f}: a template expression ran");
    }
    let page = std::fs::read_to_string(dir.join("site/hostile.html")).unwrap();
    assert!(
        page.contains("&lt;img src=x onerror=alert(3)&gt;"),
        "{page}"
    );
    assert!(page.contains("data-status=\"error\""));

    // JUnit is XML with only JUnit's elements; JSON parses; GitHub
    // annotations are one line each.
    let o = run(dir, &["check", "notes", "--format", "junit"]);
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        assert!(
            [
                "testsuites",
                "testsuite",
                "testcase",
                "failure",
                "error",
                "skipped",
                "system-out",
                "properties",
                "property"
            ]
            .contains(&n.tag_name().name()),
            "<{}> in {xml}",
            n.tag_name().name()
        );
    }
    let o = run(dir, &["check", "notes", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert!(
        json["notes"][0]["title"]
            .as_str()
            .unwrap()
            .contains("<script>")
    );
    let o = run(dir, &["check", "notes", "--format", "github"]);
    for line in stdout(&o).lines() {
        if line.starts_with("::") {
            assert!(
                line.starts_with("::error ")
                    || line.starts_with("::warning ")
                    || line.starts_with("::notice "),
                "{line}"
            );
        }
    }
}

#[test]
fn raw_html_passes_by_default_and_safe_removes_it() {
    let dir = tmp("safe");
    let dir = dir.path();
    let note = "# Prose\n\n<div class=\"box\">a box</div>\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3)) [ok](https://example.org) [rel](good.md)\n\n## Head <b onclick=alert(4)>x</b>\n\n$\\frac{a}{b}$\n\n```check\nlet A ∈ R^{n×n}\n(A^T)^T = A\n```\n";
    std::fs::write(dir.join("notes/p.md"), note).unwrap();
    std::fs::write(dir.join("notes/good.md"), GOOD).unwrap();
    let o = run(dir, &["build", "notes", "-o", "open"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let open = std::fs::read_to_string(dir.join("open/p.html")).unwrap();
    assert!(
        open.contains("<script>alert(1)</script>"),
        "raw HTML passes by default"
    );
    for (out, args) in [
        ("safe", vec!["build", "notes", "-o", "safe", "--safe"]),
        (
            "safe-yaml",
            vec!["build", "notes", "-o", "safe-yaml", "--config", "safe.yaml"],
        ),
    ] {
        std::fs::write(dir.join("safe.yaml"), "safe: true\n").unwrap();
        let o = run(dir, &args);
        assert_eq!(o.status.code(), Some(0), "{out}: {}", stderr(&o));
        let page = std::fs::read_to_string(dir.join(out).join("p.html")).unwrap();
        assert_inert(out, &page);
        assert!(
            !page.contains("onclick") && !page.contains("javascript:"),
            "{page}"
        );
        assert!(
            page.contains("<div class=\"box\">a box</div>"),
            "harmless HTML kept"
        );
        assert!(page.contains("href=\"https://example.org\""));
        assert!(page.contains("href=\"good.html\""));
        assert!(
            page.contains("<math") && page.contains("<mfrac>"),
            "notecheck's math kept"
        );
        assert!(
            page.contains("data-status=\"pass\""),
            "notecheck's claims kept"
        );
        assert!(
            !page.contains(['\u{FDD2}', '\u{E000}', '\u{E001}']),
            "no marker left"
        );
        assert!(page.contains("<b>x</b>"), "harmless heading markup kept");
    }
}

// ---- the terminal ---------------------------------------------------------------

#[test]
fn control_characters_from_notes_are_shown_not_sent() {
    let dir = tmp("terminal");
    let dir = dir.path();
    let name = "evil\u{1b}[2J\u{7}.md";
    let note = "# T\n\n```check #id\u{1b}]0;owned\u{7}\nlet A ∈ R^{n×n}\nA^T = A \u{1b}[31mred\u{202e}txt\r\n```\n";
    std::fs::write(dir.join("notes").join(name), note).unwrap();
    let t0 = Instant::now();
    for args in [vec!["check", "notes"], vec!["build", "notes", "-o", "site"]] {
        let o = run(dir, &args);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains('\u{1b}'), "ESC sent: {all:?}");
        assert!(!all.contains('\u{7}'), "BEL sent: {all:?}");
        assert!(!all.contains('\u{202e}'), "bidi override sent: {all:?}");
        assert!(!all.contains('\r'), "CR sent: {all:?}");
        assert!(all.contains('␛'), "shown as a symbol: {all}");
    }
    for format in ["github", "junit", "json"] {
        let o = run(dir, &["check", "notes", "--format", format]);
        let out = stdout(&o);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: {out:?}"
        );
    }
    // mdBook's preprocessor prints its problems to the terminal too.
    let book = serde_json::json!([
        {"root": dir.to_string_lossy(), "config": {"book": {"src": "notes"}}, "renderer": "html"},
        {"sections": [{"Chapter": {"name": "e", "content": note, "number": [1], "sub_items": [],
            "path": name, "source_path": name, "parent_names": []}}]}
    ]);
    let mut child = bin()
        .current_dir(dir)
        .arg("mdbook")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        book.to_string().as_bytes(),
    )
    .unwrap();
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}') && err.contains('␛'),
        "{err:?}"
    );
    assert!(t0.elapsed() < Duration::from_secs(60));
}
