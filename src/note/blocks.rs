//! One Markdown pass over a note's body: the first heading and the check blocks.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::options::parse_options;
use super::{CheckBlock, markdown_options};
use crate::diag::{Diagnostic, Span};

#[derive(Clone, Debug, Default)]
pub(crate) struct Scan {
    /// Plain text of the first non-empty heading.
    pub title: Option<String>,
    pub blocks: Vec<CheckBlock>,
    /// Fenced blocks whose info string is a near miss of `check` (spans
    /// in the note's source: the fence and its info word).
    pub warnings: Vec<Diagnostic>,
    /// Display math met by the Markdown parser: (byte range of `$$…$$`, tex).
    pub display: Vec<(std::ops::Range<usize>, String)>,
    /// Inline math that holds `\in` or `∈` (a possible prose declaration)
    /// or a possible macro definition (`\newcommand`, `\def`,
    /// `\DeclareMathOperator`).
    pub inline_math: Vec<super::InlineMath>,
}

/// Is this info string the one of a check block (first word exactly `check`)?
pub fn is_check_info(info: &str) -> bool {
    info.split_whitespace().next() == Some("check")
}

/// A warning for an info string that is a near miss of `check` (```chek,
/// ```Check, ```checks): the block would silently not be checked.
pub fn near_miss_info(info: &str) -> Option<String> {
    let word = info.split_whitespace().next()?;
    let w = word.trim_start_matches('{').trim_end_matches('}');
    if w == "check" {
        return None;
    }
    let lower = w.to_lowercase();
    let near = lower == "check"
        || (lower.len() >= 4
            && lower.len() <= 7
            && crate::diag::edit_distance(&lower, "check") <= 2);
    near.then(|| {
        format!(
            "the fenced block's info string '{word}' is not 'check', so the block is not checked; did you mean ```check?"
        )
    })
}

struct Open {
    start: usize,
    fence_line: usize,
    body: String,
    options_at: usize,
    options: String,
}

/// Where a fence line's parts are in the source.
struct Fence {
    /// Byte offset of the first fence character (after indentation).
    start: usize,
    /// Byte offset after the info string's first word (where the options
    /// of a check block start).
    word_end: usize,
    /// The rest of the line after that word (without a `\r`).
    rest: String,
}

/// Scan `source[body_start..]`; offsets and lines in the result are in `source`.
#[cfg(test)]
pub(crate) fn scan_body(source: &str, body_start: usize) -> Scan {
    scan_masked(source, source, body_start)
}

/// Scan `masked[body_start..]` (the source with display math masked, same
/// length): lines are counted and option text read in `original`.
pub(crate) fn scan_masked(original: &str, masked: &str, body_start: usize) -> Scan {
    let source = masked;
    let body_start = body_start.min(source.len());
    let body = source.get(body_start..).unwrap_or("");
    let mut scan = Scan::default();
    // The span of each block's `#id` option, for duplicates.
    let mut id_spans: Vec<Option<Span>> = Vec::new();
    let lines = crate::diag::LineIndex::new(original);
    let mut heading: Option<String> = None;
    let mut open: Option<Open> = None;
    // A run of prose text (kramdown's `\\( … \\)` math hides in it).
    let mut run: Option<std::ops::Range<usize>> = None;
    let mut code = 0usize;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        let (start, end) = (range.start + body_start, range.end + body_start);
        match &event {
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            _ => {}
        }
        if matches!(event, Event::Text(_) | Event::SoftBreak) && code == 0 {
            run = Some(run.map_or(start..end, |r| r.start..end));
        } else if let Some(r) = run.take() {
            escaped_math(original, r, &mut scan.inline_math);
        }
        match event {
            Event::Start(Tag::Heading { .. }) if scan.title.is_none() => {
                heading = Some(String::new())
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
                    if !h.is_empty() {
                        scan.title = Some(h);
                    }
                }
            }
            Event::DisplayMath(t) | Event::InlineMath(t) if heading.is_none() => {
                let display = end >= start + 4 && source[start..].starts_with("$$");
                if display {
                    // Masked equations come back as `x…`; the note keeps those.
                    let tex = source.get(start + 2..end - 2).unwrap_or("").to_string();
                    scan.display.push((start..end, tex));
                } else if may_declare(&t) {
                    scan.inline_math.push(super::InlineMath {
                        tex_start: start + 1,
                        tex: t.to_string(),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t)
                if heading.is_some() && open.is_none() =>
            {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.push(' ');
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_check_info(&info) => {
                let fence = fence_at(source, start);
                open = Some(Open {
                    start,
                    fence_line: lines.line_col(start).0,
                    body: String::new(),
                    options_at: fence.word_end,
                    options: fence.rest,
                });
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                if let Some(message) = near_miss_info(&info) {
                    let fence = fence_at(source, start);
                    let span = Span::new(fence.start, fence.word_end);
                    scan.warnings.push(Diagnostic::warning(span, message));
                }
            }
            Event::Text(t) => {
                if let Some(o) = open.as_mut() {
                    o.body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(o) = open.take() {
                    let (block, id_span) = finish(source, o, end, scan.blocks.len());
                    scan.blocks.push(block);
                    id_spans.push(id_span);
                }
            }
            _ => {}
        }
    }
    mark_duplicate_ids(&mut scan.blocks, &id_spans);
    if let Some(r) = run.take() {
        escaped_math(original, r, &mut scan.inline_math);
    }
    scan
}

/// MathJax's `\( … \)` and `\[ … \]` as kramdown notes write them
/// (`\\( … \\)`) in the prose text `source[run]`: those that may declare
/// (macro definitions) are inline math for the claim reader, as the page
/// typesets them.
fn escaped_math(source: &str, run: std::ops::Range<usize>, out: &mut Vec<super::InlineMath>) {
    // An escape's text starts after its backslash: take that back.
    let mut run = run;
    if run.start > 0 && source.as_bytes()[run.start - 1] == b'\\' {
        run.start -= 1;
    }
    let Some(text) = source.get(run.clone()) else {
        return;
    };
    let mut from = 0;
    while let Some((p, close)) = ["\\\\(", "\\\\["]
        .iter()
        .zip(["\\\\)", "\\\\]"])
        .filter_map(|(o, c)| text[from..].find(o).map(|p| (from + p, c)))
        .min_by_key(|(p, _)| *p)
    {
        let a = p + 3;
        let Some(q) = text[a..].find(close) else {
            return;
        };
        let tex = &text[a..a + q];
        if may_declare(tex) {
            out.push(super::InlineMath {
                tex_start: run.start + a,
                tex: tex.to_string(),
            });
        }
        from = a + q + 3;
    }
}

/// The parts of the fence line starting at `fence_start`: where the fence
/// starts, where the info string's first word ends, and the rest of the
/// line (a check block's options).
fn fence_at(source: &str, fence_start: usize) -> Fence {
    let line_end = source[fence_start..]
        .find('\n')
        .map_or(source.len(), |i| fence_start + i);
    let line = &source[fence_start..line_end];
    let lead = line.len() - line.trim_start().len();
    let after_ws = &line[lead..];
    let fence_char = after_ws.chars().next().unwrap_or('`');
    let fence_len = after_ws.len() - after_ws.trim_start_matches(fence_char).len();
    let info = &after_ws[fence_len..];
    let info_ws = info.len() - info.trim_start().len();
    let word = info.trim_start();
    let word_len = word.find(char::is_whitespace).unwrap_or(word.len());
    let at = fence_start + lead + fence_len + info_ws + word_len;
    Fence {
        start: fence_start + lead,
        word_end: at,
        rest: source[at..line_end].trim_end_matches('\r').to_string(),
    }
}

/// The block, and the span of its `#id` option in `source`.
fn finish(source: &str, o: Open, end: usize, index: usize) -> (CheckBlock, Option<Span>) {
    let opts = parse_options(&o.options);
    let at = |r: std::ops::Range<usize>| Span::new(o.options_at + r.start, o.options_at + r.end);
    let errors = opts
        .errors
        .into_iter()
        .map(|(range, message)| Diagnostic::error(at(range), message))
        .collect();
    let id_span = opts.id_at.map(at);
    let mut body = o.body;
    if body.contains('\r') {
        body = body.replace("\r\n", "\n");
    }
    if !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    // Each body line is the tail of its file line: what it lost in front is
    // the list item's (or the fence's) indentation.
    let first = source[o.start.min(source.len())..]
        .find('\n')
        .map_or(source.len(), |k| o.start + k + 1);
    let body_indent: Vec<usize> = source[first.min(source.len())..]
        .split('\n')
        .zip(body.lines())
        .map(|(f, b)| {
            let f = f.trim_end_matches('\r');
            f.chars().count().saturating_sub(b.chars().count())
        })
        .collect();
    let body_indent = if body_indent.iter().all(|&k| k == 0) {
        Vec::new()
    } else {
        body_indent
    };
    let block = CheckBlock {
        index,
        id: opts.id,
        should_fail: opts.should_fail,
        hide: opts.hide,
        einstein: opts.einstein,
        overrides: opts.overrides,
        errors,
        body,
        body_line: o.fence_line + 1,
        body_indent,
        fence_line: o.fence_line,
        range: o.start..end.max(o.start),
    };
    (block, id_span)
}

/// A second block with an id already used loses it, with an error at its
/// `#id` option (`id_spans[i]` is block `i`'s).
fn mark_duplicate_ids(blocks: &mut [CheckBlock], id_spans: &[Option<Span>]) {
    for i in 1..blocks.len() {
        let Some(id) = blocks[i].id.clone() else {
            continue;
        };
        if let Some(first) = blocks[..i]
            .iter()
            .find(|b| b.id.as_deref() == Some(id.as_str()))
        {
            let first_line = first.fence_line;
            let b = &mut blocks[i];
            let span = id_spans.get(i).copied().flatten().unwrap_or_default();
            b.errors.push(Diagnostic::error(
                span,
                format!("duplicate block id '#{id}' (first used on line {first_line})"),
            ));
            b.id = None;
        }
    }
}

/// Whether inline math may declare a name or define a macro.
pub(crate) fn may_declare(tex: &str) -> bool {
    ["\\in", "∈", "command", "\\def", "Declare"]
        .iter()
        .any(|w| tex.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(src: &str) -> Vec<CheckBlock> {
        scan_body(src, 0).blocks
    }

    /// Line and column of a diagnostic of `src`, as the outputs print them.
    fn lc(src: &str, d: &Diagnostic) -> (usize, usize) {
        crate::diag::LineIndex::new(src).line_col(d.span.start)
    }

    /// The text a diagnostic's span underlines.
    fn spanned<'a>(src: &'a str, d: &Diagnostic) -> &'a str {
        &src[d.span.start..d.span.end]
    }

    /// Every body line is the tail of its file line.
    fn assert_lines_match(src: &str, b: &CheckBlock) {
        let file: Vec<&str> = src.lines().collect();
        for (i, l) in b.body.lines().enumerate() {
            let f = file[b.body_line - 1 + i].trim_end_matches('\r');
            assert!(f.ends_with(l), "line {}: {f:?} vs {l:?}", b.body_line + i);
        }
    }

    #[test]
    fn finds_check_blocks_only() {
        let src = "# T\n\n```check\nlet x ∈ R^n\n```\n\n```rust\nfn f() {}\n```\n\n```checks\nno\n```\n\n```checker\nno\n```\n\n    ```check\n    indented code, not a fence\n    ```\n\n~~~check #tilde\nx = x\n~~~\n";
        let b = blocks(src);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].index, 0);
        assert_eq!(b[0].fence_line, 3);
        assert_eq!(b[0].body_line, 4);
        assert_eq!(b[0].body, "let x ∈ R^n\n");
        assert_eq!(&src[b[0].range.clone()], "```check\nlet x ∈ R^n\n```");
        assert_eq!(b[1].index, 1);
        assert_eq!(b[1].id.as_deref(), Some("tilde"));
        assert_eq!(b[1].body, "x = x\n");
        assert_eq!(&src[b[1].range.clone()], "~~~check #tilde\nx = x\n~~~");
    }

    #[test]
    fn near_miss_info_strings_warn() {
        let src = "# T\n\n```chek\nx = x\n```\n\n```Check\nx\n```\n\n```checks\nx\n```\n\n```rust\nx\n```\n\n```check\nlet x ∈ R\n```\n";
        let scan = scan_body(src, 0);
        assert_eq!(scan.blocks.len(), 1);
        let at: Vec<(usize, usize)> = scan.warnings.iter().map(|w| lc(src, w)).collect();
        assert_eq!(at, vec![(3, 1), (7, 1), (11, 1)]);
        let spans: Vec<&str> = scan.warnings.iter().map(|w| spanned(src, w)).collect();
        assert_eq!(spans, ["```chek", "```Check", "```checks"]);
        assert!(scan.warnings[0].message.contains("'chek'"));
        assert_eq!(scan.warnings[0].severity, crate::diag::Severity::Warning);
        // Inside a list item, after multi-byte text: the span is the fence
        // and its word, its column the fence's.
        let src = "- é ∂\n\n  ~~~~ chek x\n  a\n  ~~~~\n";
        let w = &scan_body(src, 0).warnings[0];
        assert_eq!((lc(src, w), spanned(src, w)), ((3, 3), "~~~~ chek"));
        assert!(near_miss_info("python").is_none());
        assert!(near_miss_info("check #id").is_none());
    }

    #[test]
    fn blank_lines_and_indentation_kept() {
        let src = "```check\n\nlet a ∈ R\n\n  = a\n\n```\n";
        let b = &blocks(src)[0];
        assert_eq!(b.body, "\nlet a ∈ R\n\n  = a\n\n");
        assert_eq!(b.body_line, 2);
        assert_lines_match(src, b);
    }

    #[test]
    fn inside_list_and_quote() {
        let src = "1. First step:\n\n   ```check #s1\n   let W ∈ R^{n×m}\n\n     f = W x\n   ```\n\n> ```check\n> a = a\n>b = b\n> ```\n\n- x\n  - y\n\n    ~~~check\n    z\n    ~~~\n";
        let b = blocks(src);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].id.as_deref(), Some("s1"));
        assert_eq!(b[0].fence_line, 3);
        assert_eq!(b[0].body, "let W ∈ R^{n×m}\n\n  f = W x\n");
        assert_lines_match(src, &b[0]);
        assert_eq!(b[1].fence_line, 9);
        assert_eq!(b[1].body, "a = a\nb = b\n");
        assert_lines_match(src, &b[1]);
        assert_eq!(b[2].fence_line, 17);
        assert_eq!(b[2].body, "z\n");
        assert!(src[b[2].range.clone()].starts_with("~~~check"));
    }

    #[test]
    fn indented_fence_removes_its_own_indentation() {
        let src = "  ```check\n  a = a\n    b = b\nc = c\n  ```\n";
        let b = &blocks(src)[0];
        assert_eq!(b.body, "a = a\n  b = b\nc = c\n");
        assert_lines_match(src, b);
    }

    #[test]
    fn crlf() {
        let src = "# T\r\n\r\n```check #c\r\nlet x ∈ R\r\n\r\nx = x\r\n```\r\n";
        let b = &blocks(src)[0];
        assert_eq!(b.body, "let x ∈ R\n\nx = x\n");
        assert_eq!(b.id.as_deref(), Some("c"));
        assert!(b.errors.is_empty());
        assert_eq!((b.fence_line, b.body_line), (3, 4));
        assert_lines_match(src, b);
    }

    #[test]
    fn unclosed_fence_runs_to_end() {
        let src = "```check\na = a\nb = b";
        let b = &blocks(src)[0];
        assert_eq!(b.body, "a = a\nb = b\n");
        assert_eq!(b.range, 0..src.len());
        let b = &blocks("```check")[0];
        assert_eq!(b.body, "");
        assert_eq!((b.fence_line, b.body_line), (1, 2));
    }

    #[test]
    fn longer_fences_nest() {
        let src =
            "````markdown\n```check\nnot a block\n```\n````\n\n````check\n```\ninner\n```\n````\n";
        let b = blocks(src);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].body, "```\ninner\n```\n");
        assert_eq!(b[0].fence_line, 7);
    }

    #[test]
    fn option_errors_at_fence_line_and_column() {
        let src = "text\n\n- item\n\n  ```check #ok bogus trials=x\n  a = a\n  ```\n";
        let b = &blocks(src)[0];
        assert_eq!(b.id.as_deref(), Some("ok"));
        assert_eq!(b.errors.len(), 2, "{:?}", b.errors);
        let line = src.lines().nth(4).unwrap();
        assert_eq!(lc(src, &b.errors[0]), (5, line.find("bogus").unwrap() + 1));
        assert!(b.errors[0].message.contains("'bogus'"));
        assert_eq!(
            lc(src, &b.errors[1]),
            (5, line.find("trials=x").unwrap() + 1)
        );
        assert_eq!(spanned(src, &b.errors[0]), "bogus");
        assert_eq!(spanned(src, &b.errors[1]), "trials=x");
        // Columns count characters, not bytes.
        let src = "```check #é ü\n```\n";
        let b = &blocks(src)[0];
        assert_eq!(lc(src, &b.errors[0]), (1, 13));
        assert_eq!(spanned(src, &b.errors[0]), "ü");
    }

    #[test]
    fn options_parsed() {
        let src = "```check #bias einstein should-fail hide trials=7 dim_range=[2, 3]\nx\n```\n";
        let b = &blocks(src)[0];
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        assert!(b.einstein && b.should_fail && b.hide);
        assert_eq!(b.overrides.trials, Some(7));
        assert_eq!(b.overrides.dim_range, Some([2, 3]));
        assert_eq!(b.overrides.einstein, Some(true));
    }

    #[test]
    fn duplicate_ids() {
        let src = "```check #a\n```\n\n```check #a\n```\n";
        let b = blocks(src);
        assert!(b[0].errors.is_empty());
        assert_eq!(b[1].errors.len(), 1);
        assert_eq!(lc(src, &b[1].errors[0]), (4, 10));
        assert_eq!(spanned(src, &b[1].errors[0]), "#a");
        assert!(b[1].errors[0].message.contains("line 1"));
        assert_eq!(b[1].id, None);
    }

    #[test]
    fn title_from_first_heading() {
        let s = scan_body("text\n\n## The $\\mathbb{R}^n$ *space* `x`\n\n# Later\n", 0);
        assert_eq!(s.title.as_deref(), Some("The \\mathbb{R}^n space x"));
        let s = scan_body("Setext\n  heading\n===\n", 0);
        assert_eq!(s.title.as_deref(), Some("Setext heading"));
        let s = scan_body("#\n\n# Real\n", 0);
        assert_eq!(s.title.as_deref(), Some("Real"));
        assert_eq!(scan_body("no heading\n", 0).title, None);
    }

    #[test]
    fn body_offset() {
        let src = "---\ntitle: x\n---\n# H\n```check\na\n```\n";
        let s = scan_body(src, 16);
        assert_eq!(s.title.as_deref(), Some("H"));
        assert_eq!(s.blocks[0].fence_line, 5);
        assert_eq!(&src[s.blocks[0].range.clone()], "```check\na\n```");
    }

    #[test]
    fn pathological_input_does_not_panic() {
        let deep = ">".repeat(50_000) + " ```check\n";
        let _ = scan_body(&deep, 0);
        let lists = "- ".repeat(10_000) + "```check\nx\n";
        let _ = scan_body(&lists, 0);
        let _ = scan_body("```check\u{0}\n\u{0}\n```", 0);
        let _ = scan_body("abc", 10);
        let _ = scan_body("", 0);
    }
}
