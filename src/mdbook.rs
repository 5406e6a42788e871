//! `notecheck mdbook`: an mdBook preprocessor.
//!
//! mdBook runs `notecheck mdbook supports <renderer>` (every renderer is
//! supported), then `notecheck mdbook` with the JSON array
//! `[context, book]` on standard input, and reads the book back from
//! standard output. Each chapter is parsed as a note and checked under the
//! project configuration (`notecheck.yaml` in the book's root, or the file
//! named by `[preprocessor.notecheck] config = "…"`); its check blocks are
//! replaced by their rendered statements and verdicts (the report's own
//! block rendering), and its `$…$` / `$$…$$` math by MathML, so that the
//! book needs neither JavaScript nor MathJax for it.
//!
//! Chapters are checked as `build` checks notes: in parallel, through the
//! check cache (`.notecheck-cache/` next to the configuration file, so an
//! unchanged chapter is not checked again; none when the book's root is not
//! a folder), and rewritten in parallel.
//!
//! Every failing claim (`fail`, `error`, `xpass`) is a problem
//! `src/chapter.md:LINE:COL: status: message`; with any problem the
//! preprocessor exits 1 and `mdbook build` fails with those lines.
//!
//! The book is handled as plain JSON: only chapters' `content` changes,
//! every other field (known to this version or not) is passed through. Both
//! mdBook 0.4 (`sections`) and 0.5 (`items`) are understood.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser};
use serde_json::{Map, Value};

use crate::check::verdict::{BlockResult, Counts, NoteResult};
use crate::config::ProjectConfig;
use crate::error::{Error, Result};
use crate::note::{self, Note};
use crate::report::blocks::{ClaimView, PageRenderer};
use crate::report::html::escape;
use crate::report::markdown::{RESERVED_IDS, block_anchor};

/// Every renderer is supported: the output is Markdown with inline HTML.
pub fn supports(_renderer: &str) -> bool {
    true
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// The book as JSON, for standard output (empty when
    /// [`preprocess_to`] wrote it out already).
    pub book: String,
    /// One `path:line:col: status: message` line per failing claim, in
    /// book order.
    pub problems: Vec<String>,
    /// One `path:line:col: warning: message` line per warning (a formula
    /// that cannot be typeset, a broken link, a missing file), in book
    /// order.
    pub warnings: Vec<String>,
    /// `[preprocessor.notecheck] strict = true`: warnings fail the build.
    pub strict: bool,
    /// Counts over every chapter.
    pub counts: Counts,
    /// Chapters that were checked.
    pub chapters: usize,
}

/// Reads `[context, book]` (mdBook's preprocessor input), checks and
/// rewrites every chapter. `Err` when the input is not what mdBook sends or
/// the configuration cannot be read.
pub fn preprocess(input: &str) -> Result<Outcome> {
    preprocess_inner(input, None)
}

/// [`preprocess`], writing the book straight to `sink` (a large book is
/// never held twice, as a value and as text). Nothing is written on `Err`.
pub fn preprocess_to(input: &str, sink: &mut dyn std::io::Write) -> Result<Outcome> {
    preprocess_inner(input, Some(sink))
}

fn preprocess_inner(input: &str, sink: Option<&mut dyn std::io::Write>) -> Result<Outcome> {
    let value: Value = serde_json::from_str(input)
        .map_err(|e| Error::Input(format!("the input is not mdBook's preprocessor JSON: {e}")))?;
    let Value::Array(mut pair) = value else {
        return Err(Error::Input(
            "the input is not mdBook's preprocessor JSON: expected [context, book]".into(),
        ));
    };
    if pair.len() != 2 {
        return Err(Error::Input(format!(
            "the input is not mdBook's preprocessor JSON: expected [context, book], got {} items",
            pair.len()
        )));
    }
    let mut book = pair.pop().unwrap_or(Value::Null);
    let context = pair.pop().unwrap_or(Value::Null);

    let root = PathBuf::from(context["root"].as_str().unwrap_or("."));
    let src = context["config"]["book"]["src"]
        .as_str()
        .unwrap_or("src")
        .to_string();
    let (project, config_path) = project_config(&context, &root)?;

    let items = match book.as_object_mut() {
        Some(obj) => {
            let key = if obj.contains_key("items") {
                "items"
            } else {
                "sections"
            };
            obj.get_mut(key).and_then(Value::as_array_mut)
        }
        None => None,
    };
    let Some(items) = items else {
        return Err(Error::Input(
            "the input is not mdBook's preprocessor JSON: the book has no `sections` (or `items`)"
                .into(),
        ));
    };

    let mut out = Outcome {
        book: String::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
        strict: context["config"]["preprocessor"]["notecheck"]["strict"].as_bool() == Some(true),
        counts: Counts::default(),
        chapters: 0,
    };
    // Every chapter as a note (its text moved out of the book for now).
    let mut notes = Vec::new();
    let mut taken = Vec::new();
    for_each_chapter(items, &mut |ch| {
        let n = chapter_note(ch, &src);
        taken.push(n.is_some());
        notes.extend(n);
    });
    let project = crate::pipeline::Project {
        config: project,
        notes_dir: root.join(&src),
        notes,
        force: false,
        root: root.to_path_buf(),
        partial: false,
        note_paths: Default::default(),
    };
    // The cache lives in the book's folder (never one this run would create).
    let cache =
        crate::cache::Cache::new(root.is_dir().then(|| crate::cache::dir_for(&config_path)));
    let run = crate::pipeline::check_all_with(&project, &cache, false);
    let rewritten: Vec<String> = {
        use rayon::prelude::*;
        run.notes
            .par_iter()
            .map(|c| rewrite(c.note, &c.result, &project.config.math.macros))
            .collect()
    };
    for (note, result) in run.notes.iter().map(|c| (c.note, &c.result)) {
        out.chapters += 1;
        out.counts.merge(&result.counts);
        for c in result.claims() {
            if c.status.is_failure() {
                out.problems.push(problem_line(&note.path, c));
            }
        }
        for w in &result.warnings {
            out.warnings.push(format!(
                "{}:{}:{}: warning: {}",
                note.path, w.line, w.col, w.message
            ));
        }
    }
    drop(run);
    drop(project);
    let mut rewritten = rewritten.into_iter();
    let mut taken = taken.into_iter();
    for_each_chapter(items, &mut |ch| {
        if taken.next() == Some(true)
            && let Some(text) = rewritten.next()
        {
            ch.insert("content".into(), Value::String(text));
        }
    });
    match sink {
        Some(w) => serde_json::to_writer(w, &book),
        None => serde_json::to_string(&book).map(|b| out.book = b),
    }
    .map_err(|e| Error::System {
        doing: "write the book".into(),
        source: e.into(),
    })?;
    Ok(out)
}

/// `notecheck.yaml` in the book's root, or `[preprocessor.notecheck] config`;
/// and the file's path (the cache goes next to it).
fn project_config(context: &Value, root: &Path) -> Result<(ProjectConfig, PathBuf)> {
    let named = context["config"]["preprocessor"]["notecheck"]["config"].as_str();
    let path = root.join(named.unwrap_or("notecheck.yaml"));
    if path.is_file() {
        Ok((crate::config::load_project(&path)?, path))
    } else if named.is_some() {
        Err(Error::Input(format!(
            "{}: no such file (named by [preprocessor.notecheck] config)",
            path.display()
        )))
    } else {
        Ok((ProjectConfig::default(), path))
    }
}

/// Calls `f` on every chapter object (`{"name", "content", …}`), depth first
/// in book order.
fn for_each_chapter(items: &mut [Value], f: &mut dyn FnMut(&mut Map<String, Value>)) {
    for item in items {
        let Some(ch) = item.get_mut("Chapter").and_then(Value::as_object_mut) else {
            continue; // "Separator", {"PartTitle": …}
        };
        f(ch);
        if let Some(sub) = ch.get_mut("sub_items").and_then(Value::as_array_mut) {
            for_each_chapter(sub, f);
        }
    }
}

/// The chapter's path in the book's source folder; `None` for a draft.
fn chapter_source(ch: &Map<String, Value>) -> Option<String> {
    ch.get("source_path")
        .and_then(Value::as_str)
        .or_else(|| ch.get("path").and_then(Value::as_str))
        .map(str::to_string)
}

/// The chapter as a note; its `content` is taken out of the book (left
/// `null` until the rewritten text is put back). Draft chapters have no
/// path and no content: `None`.
fn chapter_note(ch: &mut Map<String, Value>, src: &str) -> Option<Note> {
    let rel = chapter_source(ch)?;
    if !ch.get("content").is_some_and(Value::is_string) {
        return None;
    }
    let Some(Value::String(content)) = ch.insert("content".into(), Value::Null) else {
        return None;
    };
    let shown = chapter_path(src, &rel);
    Some(note::parse_note(shown, PathBuf::from(&rel), content))
}

/// `src/chapter.md`: the chapter's file as seen from the book's root.
fn chapter_path(src: &str, rel: &str) -> String {
    let joined = Path::new(src).join(rel);
    let parts: Vec<String> = joined
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/").replace("//", "/")
}

fn problem_line(path: &str, c: &crate::check::verdict::ClaimResult) -> String {
    let why = crate::output::headline(c);
    let mut s = format!("{path}:{}:{}: {}: {why}", c.line, c.col, c.status.as_str());
    let text = crate::output::one_line(&c.text);
    if !text.is_empty() {
        let _ = write!(s, " (claim: {text})");
    }
    s
}

/// The chapter's Markdown with the front matter removed, check blocks
/// replaced by their rendered results and math by MathML.
/// `macros` are the project's `math.macros`.
pub fn rewrite(note: &Note, result: &NoteResult, macros: &BTreeMap<String, String>) -> String {
    let source = note.source.as_str();
    let body_start = note.body_start.min(source.len());
    let mut reps: Vec<(Range<usize>, String)> = Vec::new();
    if body_start > 0 {
        reps.push((0..body_start, String::new()));
    }

    let mut reserved: Vec<String> = RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    reserved.extend(
        note.blocks
            .iter()
            .map(|b| block_anchor(b.id.as_deref(), b.index)),
    );
    let pr = PageRenderer::new(&note.path, result, &reserved);

    for b in &note.blocks {
        let html = match find_block(result, b.index) {
            Some(r) => pr.block(r),
            None => format!(
                "<section class=\"check-block unchecked\" id=\"{}\"><p class=\"block-caption\">This check block was not checked.</p></section>",
                escape(&block_anchor(b.id.as_deref(), b.index))
            ),
        };
        let range = b.range.start.min(source.len())..b.range.end.min(source.len());
        reps.push((range, format!("{}\n", single_line_html(&html))));
    }

    // Math, found exactly as the site finds it (display math masked), and
    // typeset in reading order in one math context, as a page's (macros,
    // equation numbers, labels and references).
    let mut formulas: Vec<(Range<usize>, Option<&note::Equation>, String, bool)> = note
        .equations
        .iter()
        .map(|eq| {
            let range = eq.range.start.min(source.len())..eq.range.end.min(source.len());
            (range, Some(eq), eq.tex.clone(), true)
        })
        .collect();
    let body = note.masked.get(body_start..).unwrap_or("");
    for (ev, r) in Parser::new_ext(body, note::markdown_options()).into_offset_iter() {
        let (tex, display) = match ev {
            Event::InlineMath(t) => (t, false),
            // `$$…$$` in running text (display math is masked): inline.
            Event::DisplayMath(t) => (t, false),
            _ => continue,
        };
        let range = (r.start + body_start)..(r.end + body_start);
        let overlaps = |o: &Range<usize>| o.start < range.end && range.start < o.end;
        if reps.iter().any(|(o, _)| overlaps(o)) || formulas.iter().any(|(o, ..)| overlaps(o)) {
            continue;
        }
        formulas.push((range, None, tex.to_string(), display));
    }
    formulas.sort_by_key(|(r, ..)| r.start);
    let mut math = crate::report::lint::math_context(note, macros);
    for (range, eq, tex, display) in formulas {
        let m = math.render(&tex, display, range.start);
        // Display equations: their math with verdict badges (spec section 6).
        let html = match eq
            .and_then(|eq| Some((eq, result.equations.iter().find(|r| r.index == eq.index)?)))
        {
            Some((eq, r)) => single_line_html(&crate::report::equation::render(&pr, eq, r, &m)),
            None => inline_html(&m),
        };
        reps.push((range, html));
    }

    let mut head = String::new();
    if !note.blocks.is_empty() || !result.errors.is_empty() || !result.equations.is_empty() {
        head.push_str(&style());
        head.push_str("\n\n");
    }
    if !result.errors.is_empty() {
        let mut s = String::from(
            "<section class=\"note-errors\"><p class=\"block-caption\">Problems reading this chapter</p>",
        );
        for c in &result.errors {
            s.push_str(&pr.claim(c, ClaimView::Full));
        }
        s.push_str("</section>");
        head.push_str(&single_line_html(&s));
        head.push_str("\n\n");
    }

    reps.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = head;
    let mut pos = 0;
    for (r, text) in reps {
        if r.start < pos {
            continue; // overlaps an earlier replacement
        }
        out.push_str(&source[pos..r.start]);
        out.push_str(&text);
        pos = r.end;
    }
    out.push_str(&source[pos..]);
    // `\eqref` and `\ref` now that every label is known.
    math.resolve(&out)
}

fn find_block(result: &NoteResult, index: usize) -> Option<&BlockResult> {
    result.blocks.iter().find(|b| b.index == index)
}

/// HTML on one line, so that Markdown takes it as one HTML block wherever
/// the fence stood (top level, list item, block quote) and no blank line
/// inside it can end the block early: newlines inside tags become spaces,
/// newlines in text become `&#10;` (the same character to the browser, so
/// `<pre>` keeps its lines).
fn single_line_html(html: &str) -> String {
    let mut o = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.trim_end().chars() {
        match ch {
            '<' => {
                in_tag = true;
                o.push(ch);
            }
            '>' => {
                in_tag = false;
                o.push(ch);
            }
            '\r' => {}
            '\n' if in_tag => o.push(' '),
            '\n' => o.push_str("&#10;"),
            c => o.push(c),
        }
    }
    o
}

/// Inline HTML (MathML) that Markdown passes through untouched: on one line,
/// and the text between tags has every character Markdown would act on as a
/// numeric reference.
fn inline_html(html: &str) -> String {
    let mut o = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.trim().chars() {
        if in_tag {
            match ch {
                '>' => {
                    in_tag = false;
                    o.push(ch);
                }
                '\n' | '\r' => o.push(' '),
                c => o.push(c),
            }
            continue;
        }
        match ch {
            '<' => {
                in_tag = true;
                o.push(ch);
            }
            '\n' | '\r' => o.push(' '),
            // Markdown syntax, and what smart punctuation would turn into
            // typographic quotes and dashes.
            '*' | '_' | '\\' | '`' | '[' | ']' | '~' | '|' | '$' | '!' | '#' | '^' | '\'' | '"'
            | '-' | '.' => {
                let _ = write!(o, "&#{};", ch as u32);
            }
            c => o.push(c),
        }
    }
    o
}

/// The look of rendered check blocks inside any mdBook theme (light or
/// dark): borders and tints only, colours that read on both. The rules
/// live in `templates/mdbook.css`, one a line; a chapter gets them as one
/// `<style>` line, so that Markdown leaves them alone.
fn style() -> String {
    let css: String = include_str!("../templates/mdbook.css")
        .lines()
        .map(str::trim)
        .collect();
    format!("<style>{css}</style>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_keeps_pre_lines() {
        let h = "<div\nclass=\"a\">\n<pre>x\n\ny</pre>\n</div>\n";
        assert_eq!(
            single_line_html(h),
            "<div class=\"a\">&#10;<pre>x&#10;&#10;y</pre>&#10;</div>"
        );
    }

    #[test]
    fn inline_html_hides_markdown_syntax() {
        let h = "<math><mi>a</mi><mo>*</mo><msub><mi>x</mi><mi>_</mi></msub></math>";
        assert_eq!(
            inline_html(h),
            "<math><mi>a</mi><mo>&#42;</mo><msub><mi>x</mi><mi>&#95;</mi></msub></math>"
        );
    }

    #[test]
    fn chapter_paths() {
        assert_eq!(chapter_path("src", "a/b.md"), "src/a/b.md");
        assert_eq!(chapter_path("./src", "b.md"), "src/b.md");
    }
}
