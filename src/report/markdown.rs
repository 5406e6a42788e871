//! A note's Markdown body → HTML: math typeset as MathML, headings with
//! stable ids, check blocks replaced by their rendered results.

use std::collections::BTreeSet;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::html::{IdSet, slug};
use super::math::MathContext;
use crate::note::Note;

/// A rendered note body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RenderedBody {
    pub html: String,
    /// Every heading in document order: (level 1–6, id, plain text; math
    /// as its LaTeX with the commands taken out: `\\mathbf{W}` → `W`).
    pub toc: Vec<(u8, String, String)>,
    /// The same headings' contents as HTML (math typeset, links removed),
    /// one per `toc` entry.
    pub toc_html: Vec<String>,
    /// Indices of the check blocks that were placed in the body (normally
    /// all of `note.blocks`).
    pub placed_blocks: BTreeSet<usize>,
    /// Formulas that could not be typeset, unknown equation labels, …:
    /// (byte offset in the note's source, message), in source order.
    pub warnings: Vec<(usize, String)>,
    /// Local files the body links to or shows (relative URLs, without
    /// `#fragment` or `?query`, percent-decoded), each with the byte offset
    /// of its link in the note's source.
    pub local_links: Vec<(usize, String)>,
    /// The prose by section, for the search index: (heading id, heading
    /// text, plain text; math as readable text). The first is the text
    /// before any heading (id and heading empty).
    pub sections: Vec<(String, String, String)>,
}

/// Ids the page itself uses around the body; headings never take them.
pub const RESERVED_IDS: &[&str] = &[
    "top",
    "main",
    "summary",
    "contents",
    "contents-h",
    "problems-h",
    "problems",
    "note-errors",
    "body",
    "unplaced-blocks",
    "coverage",
];

/// The anchor of a check block: its `#id`, else `block-N` (N from 0).
pub fn block_anchor(id: Option<&str>, index: usize) -> String {
    match id {
        Some(id) if !id.is_empty() => id.to_string(),
        _ => format!("block-{index}"),
    }
}

/// The pulldown-cmark options notes are read with.
pub fn options() -> Options {
    Options::ENABLE_MATH
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Prose text with MathJax's own delimiters typeset: `\\(…\\)` inline and
/// `\\[…\\]` display (kramdown notes write them `\\\\(`, which Markdown
/// turns into `\\(`), and `\\eqref` references; `None` when there are none.
fn text_with_math(text: &str, at: usize, math: &mut MathContext) -> Option<String> {
    let next = |rest: &str| {
        [("\\(", "\\)", false), ("\\[", "\\]", true)]
            .into_iter()
            .filter_map(|(o, c, display)| {
                let p = rest.find(o)?;
                let q = rest[p + 2..].find(c)?;
                Some((p, p + 2 + q, display))
            })
            .min_by_key(|(p, ..)| *p)
    };
    next(text)?;
    let mut out = String::new();
    let mut rest = text;
    while let Some((p, q, display)) = next(rest) {
        let before = &rest[..p];
        out.push_str(
            &math
                .prose_refs(before, at)
                .unwrap_or_else(|| super::html::escape(before)),
        );
        out.push_str(&math.render(&rest[p + 2..q], display, at));
        rest = &rest[q + 2..];
    }
    out.push_str(
        &math
            .prose_refs(rest, at)
            .unwrap_or_else(|| super::html::escape(rest)),
    );
    Some(out)
}

/// Renders `note.source[note.body_start..]`. Check blocks (fenced code whose
/// info string's first word is `check`) become `render_block(i)`, `i` the
/// block's position in `note.blocks`; inline and display math become MathML;
/// every heading gets an id (its `{#id}` attribute, else the slug of its
/// text, deduplicated within the page); relative links to `*.md` files are
/// pointed at the rendered `*.html`.
#[cfg(test)]
pub fn body_to_html(note: &Note, render_block: &dyn Fn(usize) -> String) -> RenderedBody {
    render_body(note, render_block, &|_, _| None, None, false)
}

/// [`body_to_html`]; with `drop_title`, a level-1 heading that opens the body
/// and whose text is `drop_title` is left out (the page shows the title).
///
/// The body is read with its display math masked ([`Note::masked`]), so
/// nothing inside `$$…$$` is Markdown; each display equation is typeset in
/// the page's math context (macros, numbers, labels) and becomes
/// `render_equation(i, its MathML)` (the math with verdict badges), or its
/// plain math when that gives `None`. Math inside HTML blocks is typeset
/// too.
#[cfg(test)]
pub(crate) fn render_body(
    note: &Note,
    render_block: &dyn Fn(usize) -> String,
    render_equation: &dyn Fn(usize, &str) -> Option<String>,
    drop_title: Option<&str>,
    safe: bool,
) -> RenderedBody {
    let front = note.front.math.macros().cloned().unwrap_or_default();
    render_body_with(
        note,
        render_block,
        render_equation,
        drop_title,
        &mut MathContext::new(&[&front]),
        safe,
    )
}

/// [`render_body`] with the note's math read in `math` (which holds the
/// project's and the front matter's macros).
pub(crate) fn render_body_with(
    note: &Note,
    render_block: &dyn Fn(usize) -> String,
    render_equation: &dyn Fn(usize, &str) -> Option<String>,
    drop_title: Option<&str>,
    math: &mut MathContext,
    safe: bool,
) -> RenderedBody {
    let start = note.body_start.min(note.source.len());
    let body = note.masked_body();
    let equation_at = |abs: usize| {
        note.equations
            .iter()
            .find(|e| e.range.start <= abs && abs < e.range.end)
    };

    let mut ids = IdSet::default();
    for r in RESERVED_IDS {
        ids.reserve(r);
    }
    for b in &note.blocks {
        ids.reserve(&block_anchor(b.id.as_deref(), b.index));
    }
    for e in &note.equations {
        ids.reserve(&super::equation::equation_anchor(e.index));
    }

    let mut out: Vec<Event> = Vec::new();
    let mut toc = Vec::new();
    let mut toc_html = Vec::new();
    let mut placed = BTreeSet::new();
    let mut check_seen = 0usize;
    let mut first_event = true;
    let mut local_links = Vec::new();
    let mut in_code = false;
    let mut sections = vec![(String::new(), String::new(), String::new())];

    let mut iter = Parser::new_ext(body, options())
        .into_offset_iter()
        .map(|(ev, r)| (mark_user_html(ev, safe), r))
        .peekable();
    let mut in_para = false;
    while let Some((ev, range)) = iter.next() {
        let is_first = std::mem::replace(&mut first_event, false);
        let at = start + range.start;
        if let Some(sec) = sections.last_mut() {
            match &ev {
                Event::Text(t) | Event::Code(t) => {
                    sec.2.push_str(t);
                    sec.2.push(' ');
                }
                Event::InlineMath(t) => {
                    sec.2.push_str(&latex_plain(t));
                    sec.2.push(' ');
                }
                // A prose equation reached the parser masked.
                Event::DisplayMath(t) => {
                    let tex = equation_at(at).map_or(t.as_ref(), |e| e.tex.as_str());
                    sec.2.push_str(&latex_plain(tex));
                    sec.2.push(' ');
                }
                Event::SoftBreak | Event::HardBreak | Event::End(_) => sec.2.push(' '),
                _ => {}
            }
        }
        match &ev {
            Event::Start(Tag::Paragraph) => in_para = true,
            Event::End(TagEnd::Paragraph) => in_para = false,
            _ => {}
        }
        match ev {
            Event::InlineMath(tex) => {
                // In a table cell the parser reads `\|` as an escaped pipe;
                // in math it is the norm bar: take the source as written.
                let raw = note
                    .source
                    .get(start + range.start + 1..(start + range.end).saturating_sub(1))
                    .filter(|r| r.contains("\\|") && !tex.contains("\\|"));
                let tex = raw.map_or(tex.to_string(), str::to_string);
                out.push(Event::InlineHtml(math.render(&tex, false, at).into()))
            }
            Event::DisplayMath(tex) => {
                // The parser saw a prose equation masked: its TeX is the note's.
                let html = match equation_at(at) {
                    Some(e) => {
                        let m = math.render(&e.tex, true, e.range.start);
                        match render_equation(e.index, &m) {
                            // A `<div>` cannot stand in a paragraph (`$$` that
                            // does not open a line): close it around the equation.
                            Some(div) if in_para => format!("</p>\n{div}\n<p>"),
                            Some(div) => div,
                            None => m,
                        }
                    }
                    // `$$…$$` in running text: inline math, as kramdown reads it.
                    None => math.render(&tex, false, at),
                };
                out.push(Event::InlineHtml(html.into()))
            }
            Event::Html(ref html) | Event::InlineHtml(ref html) if html.contains('$') => {
                let block = matches!(ev, Event::Html(_));
                // Under `--safe` the author's HTML carries its mark.
                let raw = html.strip_prefix(USER_HTML).unwrap_or(html);
                let abs = (start + range.start)..(start + range.end);
                for piece in html_with_math(note, raw, abs, render_equation, math) {
                    let h = match piece {
                        Piece::Author(h) if safe => format!("{USER_HTML}{h}"),
                        Piece::Author(h) | Piece::Own(h) => h,
                    };
                    out.push(if block {
                        Event::Html(h.into())
                    } else {
                        Event::InlineHtml(h.into())
                    });
                }
            }
            Event::Start(Tag::CodeBlock(k)) if !is_check_block(&k) => {
                in_code = true;
                out.push(Event::Start(Tag::CodeBlock(k)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Text(t) if !in_code => {
                // An escape (`\\(` in kramdown notes) splits the text: merge.
                let mut text = t.to_string();
                loop {
                    let more = match iter.peek() {
                        Some((Event::Text(more), _)) => more.to_string(),
                        Some((Event::SoftBreak, _)) => "\n".to_string(),
                        _ => break,
                    };
                    text.push_str(&more);
                    if let Some(sec) = sections.last_mut() {
                        sec.2.push_str(&more);
                        sec.2.push(' ');
                    }
                    iter.next();
                }
                match text_with_math(&text, at, math).or_else(|| math.prose_refs(&text, at)) {
                    Some(html) => out.push(Event::InlineHtml(html.into())),
                    None => out.push(Event::Text(text.into())),
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                note_local_link(&dest_url, at, &mut local_links);
                out.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.split_whitespace().next() == Some("check") =>
            {
                // Skip the block's contents.
                for (ev, _) in iter.by_ref() {
                    if matches!(ev, Event::End(TagEnd::CodeBlock)) {
                        break;
                    }
                }
                let abs = (start + range.start)..(start + range.end);
                let index = note
                    .blocks
                    .iter()
                    .position(|b| b.range.start < abs.end && abs.start < b.range.end)
                    .or_else(|| (check_seen < note.blocks.len()).then_some(check_seen));
                check_seen += 1;
                match index {
                    Some(i) if !placed.contains(&i) => {
                        placed.insert(i);
                        out.push(Event::Html(format!("{}\n", render_block(i)).into()));
                    }
                    _ => {}
                }
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let mut inner = Vec::new();
                let mut inner_at = Vec::new();
                for (ev, r) in iter.by_ref() {
                    if matches!(ev, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    inner.push(ev);
                    inner_at.push(start + r.start);
                }
                // The note's title keeps math as LaTeX source; compare like that.
                if is_first
                    && level == HeadingLevel::H1
                    && drop_title.is_some_and(|t| t == plain_text(&inner, false))
                {
                    continue;
                }
                let text = plain_text(&inner, true);
                let anchor = match id {
                    Some(explicit) if !ids.contains(&explicit) => {
                        ids.reserve(&explicit);
                        explicit.to_string()
                    }
                    _ => ids.unique(&slug(&text)),
                };
                sections.push((anchor.clone(), text.clone(), String::new()));
                toc.push((level as u8, anchor.clone(), text));
                toc_html.push(heading_html(&inner, &inner_at, math));
                out.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(anchor.into()),
                    classes,
                    attrs,
                }));
                for (ev, at) in inner.into_iter().zip(inner_at) {
                    out.push(match ev {
                        Event::InlineMath(tex) | Event::DisplayMath(tex) => {
                            Event::InlineHtml(math.render(&tex, false, at).into())
                        }
                        Event::Start(Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            id,
                        }) => {
                            note_local_link(&dest_url, at, &mut local_links);
                            Event::Start(Tag::Link {
                                link_type,
                                dest_url: md_link_to_html(dest_url),
                                title,
                                id,
                            })
                        }
                        other => other,
                    });
                }
                out.push(Event::End(TagEnd::Heading(level)));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                note_local_link(&dest_url, at, &mut local_links);
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: md_link_to_html(dest_url),
                    title,
                    id,
                }))
            }
            other => out.push(other),
        }
    }

    let mut html = String::new();
    if safe {
        html = safe_html(out);
    } else {
        pulldown_cmark::html::push_html(&mut html, out.into_iter());
    }
    let html = math.resolve(&html);
    let toc_html = toc_html.iter().map(|h| math.resolve(h)).collect();
    let mut warnings = std::mem::take(&mut math.warnings);
    warnings.sort();
    warnings.dedup();
    RenderedBody {
        html,
        toc,
        toc_html,
        placed_blocks: placed,
        warnings,
        local_links,
        sections,
    }
}

/// A piece of raw HTML with math typeset: the author's HTML (`Author`) or
/// a fragment of notecheck's own (MathML, an equation with its badges),
/// kept apart so that `--safe` sanitizes only the author's.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Author(String),
    Own(String),
}

/// Raw HTML at `abs` in the note with its math typeset. Display equations
/// inside it (masked in the text the parser saw) come from the note, with
/// their badges; when the event's text is not the source as written (an
/// HTML block inside a block quote), only its own math is typeset.
fn html_with_math(
    note: &Note,
    html: &str,
    abs: std::ops::Range<usize>,
    render_equation: &dyn Fn(usize, &str) -> Option<String>,
    math: &mut MathContext,
) -> Vec<Piece> {
    if note.masked.get(abs.clone()) != Some(html) {
        return math_pieces(html, abs.start, math);
    }
    let mut out = Vec::new();
    let mut pos = abs.start;
    for e in note
        .equations
        .iter()
        .filter(|e| e.range.start >= abs.start && e.range.end <= abs.end)
    {
        out.extend(math_pieces(&note.source[pos..e.range.start], pos, math));
        let m = math.render(&e.tex, true, e.range.start);
        out.push(Piece::Own(render_equation(e.index, &m).unwrap_or(m)));
        pos = e.range.end;
    }
    out.extend(math_pieces(&note.source[pos..abs.end], pos, math));
    out
}

/// `$$…$$` and `$…$` inside raw HTML (a `<div>` block) typeset in the
/// page's math context (`at`: the HTML's byte offset in the note), as the
/// author's pieces and the typeset math between them; the tags are left
/// as they are. A `\$` is a dollar sign.
fn math_pieces(html: &str, at: usize, math: &mut MathContext) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut author = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('$') {
        if rest[..i].ends_with('\\') {
            author.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
            continue;
        }
        author.push_str(&rest[..i]);
        let display = rest[i..].starts_with("$$");
        let delim = if display { "$$" } else { "$" };
        let body = &rest[i + delim.len()..];
        match body.find(delim) {
            Some(j) if j > 0 && (display || !body[..j].contains('\n')) => {
                if !author.is_empty() {
                    out.push(Piece::Author(std::mem::take(&mut author)));
                }
                let offset = at + (html.len() - rest.len()) + i;
                out.push(Piece::Own(math.render(&body[..j], display, offset)));
                rest = &body[j + delim.len()..];
            }
            _ => {
                author.push_str(delim);
                rest = body;
            }
        }
    }
    author.push_str(rest);
    if !author.is_empty() {
        out.push(Piece::Author(author));
    }
    out
}

fn is_check_block(k: &CodeBlockKind) -> bool {
    matches!(k, CodeBlockKind::Fenced(info) if info.split_whitespace().next() == Some("check"))
}

/// Records `url` when it names a local file: relative, not a fragment
/// alone, not a URL with a scheme; the path is percent-decoded.
fn note_local_link(url: &str, at: usize, links: &mut Vec<(usize, String)>) {
    let path = url.split(['#', '?']).next().unwrap_or("");
    let has_scheme = path.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if path.is_empty() || has_scheme || path.starts_with("//") {
        return;
    }
    links.push((at, percent_decode(path)));
}

/// `%20` → ` ` (invalid escapes kept as written).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(hex) = std::str::from_utf8(&b[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

// ---- `--safe` ---------------------------------------------------------------

/// Marks raw HTML written in the note (in `--safe` mode), so that it can be
/// told from the HTML notecheck itself puts into the event stream.
const USER_HTML: char = '\u{FDD2}';
/// Brackets the number of a fragment of notecheck's own HTML while the
/// prose around it is sanitized.
const FRAG_OPEN: char = '\u{E000}';
const FRAG_CLOSE: char = '\u{E001}';

fn mark_user_html(ev: Event<'_>, safe: bool) -> Event<'_> {
    match ev {
        Event::Html(h) if safe => Event::Html(format!("{USER_HTML}{h}").into()),
        Event::InlineHtml(h) if safe => Event::InlineHtml(format!("{USER_HTML}{h}").into()),
        other => other,
    }
}

/// The body's HTML with the note's own markup (raw HTML, links, images)
/// sanitized by ammonia, and notecheck's fragments (MathML, check blocks,
/// figures) kept as rendered: they stand as placeholders while the prose is
/// cleaned. A fragment the cleaned prose lost (inside a `<script>` the note
/// opened, say) is added at the end: nothing checked disappears.
fn safe_html(events: Vec<Event<'_>>) -> String {
    let mut frags: Vec<String> = Vec::new();
    let evs: Vec<Event> = events
        .into_iter()
        .map(|ev| match ev {
            Event::Html(h) | Event::InlineHtml(h) => match h.strip_prefix(USER_HTML) {
                Some(user) => Event::InlineHtml(user.to_string().into()),
                None => {
                    frags.push(h.to_string());
                    Event::InlineHtml(format!("{FRAG_OPEN}{}{FRAG_CLOSE}", frags.len() - 1).into())
                }
            },
            other => other,
        })
        .collect();
    let mut prose = String::new();
    pulldown_cmark::html::push_html(&mut prose, evs.into_iter());
    let clean = sanitize_prose(&prose);
    let mut used = vec![false; frags.len()];
    let mut out = String::with_capacity(clean.len() + frags.iter().map(String::len).sum::<usize>());
    let mut rest = clean.as_str();
    let mut tag = TagState::default();
    while let Some(at) = rest.find(FRAG_OPEN) {
        out.push_str(&rest[..at]);
        tag.scan(&rest[..at]);
        let after = &rest[at + FRAG_OPEN.len_utf8()..];
        let n = after
            .find(FRAG_CLOSE)
            .and_then(|e| Some((after[..e].parse::<usize>().ok()?, e)));
        match n {
            // Math the author put inside a tag (an attribute's value) is
            // never spliced there: it is added at the end instead.
            Some((i, e)) if i < frags.len() && !used[i] && tag.inside => {
                rest = &after[e + FRAG_CLOSE.len_utf8()..];
            }
            Some((i, e)) if i < frags.len() && !used[i] => {
                out.push_str(&frags[i]);
                used[i] = true;
                rest = &after[e + FRAG_CLOSE.len_utf8()..];
            }
            _ => rest = after, // the note's own text: the marker is dropped
        }
    }
    out.push_str(rest);
    for (f, u) in frags.iter().zip(used) {
        if !u {
            out.push_str(f);
        }
    }
    out
}

/// Whether a point of serialized HTML is inside a tag (ammonia's output:
/// no comments, `<` in text escaped, attribute values quoted).
#[derive(Default)]
struct TagState {
    inside: bool,
    quote: Option<char>,
}

impl TagState {
    fn scan(&mut self, html: &str) {
        for c in html.chars() {
            match (self.inside, self.quote) {
                (false, _) => self.inside = c == '<',
                (true, Some(q)) => {
                    if c == q {
                        self.quote = None;
                    }
                }
                (true, None) => match c {
                    '"' | '\'' => self.quote = Some(c),
                    '>' => self.inside = false,
                    _ => {}
                },
            }
        }
    }
}

/// Cleans HTML written by a note's author (`--safe`): ammonia's safe
/// subset of HTML, plus what Markdown itself produces (heading ids,
/// footnotes, task-list boxes, table alignment), and only `http(s)` or
/// relative URLs.
pub fn sanitize_prose(html: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    CLEANER
        .get_or_init(|| {
            let mut b = ammonia::Builder::default();
            b.add_generic_attributes(["id", "class"])
                .add_tags(["input"])
                .add_tag_attributes("input", ["type", "checked", "disabled"])
                .add_tag_attributes("th", ["style"])
                .add_tag_attributes("td", ["style"])
                .filter_style_properties(["text-align"].into_iter().collect())
                .url_schemes(["http", "https"].into_iter().collect());
            b
        })
        .clean(html)
        .to_string()
}

/// The text of a heading's inline events (math as its LaTeX source).
fn plain_text(events: &[Event], strip_latex: bool) -> String {
    let mut s = String::new();
    for ev in events {
        match ev {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                if strip_latex {
                    s.push_str(&latex_plain(t))
                } else {
                    s.push_str(t)
                }
            }
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading's inline events as HTML for the table of contents: math
/// typeset, links and footnote references left out (the entry is a link).
fn heading_html(events: &[Event], at: &[usize], math: &mut MathContext) -> String {
    let evs: Vec<Event> = events
        .iter()
        .zip(at)
        .filter_map(|(ev, &at)| match ev {
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                Some(Event::InlineHtml(math.render(t, false, at).into()))
            }
            Event::Start(Tag::Link { .. })
            | Event::End(TagEnd::Link)
            | Event::FootnoteReference(_) => None,
            Event::Html(h) | Event::InlineHtml(h) if h.starts_with(USER_HTML) => None,
            Event::SoftBreak | Event::HardBreak => Some(Event::Text(" ".into())),
            other => Some(other.clone()),
        })
        .collect();
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, evs.into_iter());
    html.trim().to_string()
}

/// Readable text for LaTeX: commands dropped (Greek letters and a few
/// symbols kept as characters), braces dropped, spacing commands as spaces.
pub fn latex_plain(tex: &str) -> String {
    const SYMBOLS: &[(&str, &str)] = &[
        ("alpha", "α"),
        ("beta", "β"),
        ("gamma", "γ"),
        ("delta", "δ"),
        ("epsilon", "ε"),
        ("varepsilon", "ε"),
        ("zeta", "ζ"),
        ("eta", "η"),
        ("theta", "θ"),
        ("iota", "ι"),
        ("kappa", "κ"),
        ("lambda", "λ"),
        ("mu", "μ"),
        ("nu", "ν"),
        ("xi", "ξ"),
        ("pi", "π"),
        ("rho", "ρ"),
        ("sigma", "σ"),
        ("tau", "τ"),
        ("phi", "φ"),
        ("varphi", "φ"),
        ("chi", "χ"),
        ("psi", "ψ"),
        ("omega", "ω"),
        ("Gamma", "Γ"),
        ("Delta", "Δ"),
        ("Theta", "Θ"),
        ("Lambda", "Λ"),
        ("Xi", "Ξ"),
        ("Pi", "Π"),
        ("Sigma", "Σ"),
        ("Phi", "Φ"),
        ("Psi", "Ψ"),
        ("Omega", "Ω"),
        ("partial", "∂"),
        ("nabla", "∇"),
        ("otimes", "⊗"),
        ("odot", "⊙"),
        ("times", "×"),
        ("cdot", "·"),
        ("in", "∈"),
        ("top", "T"),
        ("sum", "∑"),
        ("to", "→"),
        ("approx", "≈"),
        ("neq", "≠"),
        ("le", "≤"),
        ("ge", "≥"),
        ("infty", "∞"),
        ("quad", " "),
        ("qquad", " "),
    ];
    let mut out = String::new();
    let mut chars = tex.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphabetic() {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if !name.is_empty() && chars.peek() == Some(&' ') {
                    // TeX ignores the spaces after a control word.
                    chars.next();
                }
                if name.is_empty() {
                    // `\,` `\;` `\\` … → space; `\{` → `{`
                    match chars.next() {
                        Some(p @ ('{' | '}' | '$' | '%' | '&' | '#' | '_')) => out.push(p),
                        Some(_) => out.push(' '),
                        None => {}
                    }
                } else if name == "begin" || name == "end" {
                    // `\begin{bmatrix}`: the environment's name is not text.
                    if chars.peek() == Some(&'{') {
                        for c in chars.by_ref() {
                            if c == '}' {
                                break;
                            }
                        }
                    }
                    out.push(' ');
                } else if let Some((_, sym)) = SYMBOLS.iter().find(|(n, _)| *n == name) {
                    out.push_str(sym);
                } else if name == "frac" {
                    out.push(' ');
                }
            }
            '{' | '}' => {}
            '~' | '&' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `other.md`, `../a/b.md#sec` → `.html`; absolute URLs and anchors unchanged.
fn md_link_to_html(url: CowStr<'_>) -> CowStr<'_> {
    let is_relative = !url.contains("://")
        && !url.starts_with('/')
        && !url.starts_with('#')
        && !url.starts_with("mailto:");
    if !is_relative {
        return url;
    }
    let (path, frag) = match url.find(['#', '?']) {
        Some(i) => (&url[..i], &url[i..]),
        None => (&url[..], ""),
    };
    match path.strip_suffix(".md") {
        Some(stem) if !stem.is_empty() => format!("{stem}.html{frag}").into(),
        _ => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::CheckBlock;

    fn note(source: &str, body_start: usize) -> Note {
        let mut blocks = Vec::new();
        let mut search = 0;
        while let Some(i) = source[search..].find("```check") {
            let s = search + i;
            let e = s + 3 + source[s + 3..].find("```").unwrap() + 3;
            let e = if source[e..].starts_with('\n') {
                e + 1
            } else {
                e
            };
            blocks.push(CheckBlock {
                index: blocks.len(),
                body_indent: Vec::new(),
                id: None,
                should_fail: false,
                hide: false,
                einstein: false,
                overrides: Default::default(),
                errors: vec![],
                body: String::new(),
                body_line: 0,
                fence_line: 0,
                range: s..e,
            });
            search = e;
        }
        let parsed = crate::note::parse_note(String::new(), "t.md".into(), source.to_string());
        Note {
            path: "notes/t.md".into(),
            rel_path: "t.md".into(),
            source: source.into(),
            title: "T".into(),
            front: Default::default(),
            errors: vec![],
            body_start,
            blocks,
            warnings: vec![],
            masked: parsed.masked,
            equations: parsed.equations,
            inline_math: parsed.inline_math,
        }
    }

    #[test]
    fn math_headings_blocks_and_code() {
        let src = "---\ntitle: T\n---\n# Intro $x$\n\nSee $a<b$ and\n\n$$\\frac{1}{2}$$\n\n## Intro x\n\n```check\nlet x ∈ R^n\n```\n\n```rust\nfn f() -> Vec<u8> {}\n```\n\n```check #later\nx = x\n```\n\n[other](other.md#s) [web](https://example.org/a.md) | <x\n";
        let n = note(src, src.find("# Intro").unwrap());
        let r = body_to_html(&n, &|i| format!("<section>BLOCK {i}</section>"));
        assert!(
            r.html.contains("<math display=\"inline\"><semantics>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<math display=\"block\">"));
        assert!(
            r.html.contains("application/x-tex\">a &lt; b<")
                || r.html.contains("application/x-tex\">a&lt;b<")
        );
        assert!(r.html.contains("<section>BLOCK 0</section>"));
        assert!(r.html.contains("<section>BLOCK 1</section>"));
        assert!(!r.html.contains("let x"));
        assert!(
            r.html
                .contains("<pre><code class=\"language-rust\">fn f() -&gt; Vec&lt;u8&gt; {}")
        );
        assert!(r.html.contains("href=\"other.html#s\""));
        assert!(r.html.contains("href=\"https://example.org/a.md\""));
        assert!(r.html.contains("| &lt;x"));
        assert_eq!(
            r.toc,
            vec![
                (1, "intro-x".to_string(), "Intro x".to_string()),
                (2, "intro-x-1".to_string(), "Intro x".to_string()),
            ]
        );
        assert!(r.html.contains("<h1 id=\"intro-x\">"));
        assert_eq!(r.placed_blocks.len(), 2);
    }

    #[test]
    fn heading_ids_avoid_block_ids_and_keep_explicit_ids() {
        let src = "# Vectorization\n\n## Custom {#mine}\n\n```check #vectorization\nx = x\n```\n";
        let mut n = note(src, 0);
        n.blocks[0].id = Some("vectorization".into());
        let r = body_to_html(&n, &|_| String::new());
        assert_eq!(r.toc[0].1, "vectorization-1");
        assert_eq!(r.toc[1].1, "mine");
    }

    #[test]
    fn math_in_headings() {
        let src = "## Vectorizing $\\mathbf{W}\\mathbf x$ and $\\delta_{ij}$ [link](a.md)\n";
        let r = body_to_html(&note(src, 0), &|_| String::new());
        assert_eq!(r.toc[0].1, "vectorizing-wx-and-δ-ij-link");
        assert_eq!(r.toc[0].2, "Vectorizing Wx and δ_ij link");
        assert!(r.toc_html[0].starts_with("Vectorizing <math display=\"inline\">"));
        assert!(!r.toc_html[0].contains("<a "));
        assert_eq!(
            latex_plain(r"\frac{\partial f}{\partial W}\,x^{\top}"),
            "∂f∂W x^T"
        );
    }
}

#[cfg(test)]
mod display_math_tests {
    use super::*;

    fn html(src: &str) -> String {
        let note = crate::note::parse_note("t.md".into(), "t.md".into(), src.to_string());
        body_to_html(&note, &|_| String::new()).html
    }

    /// The display equation's LaTeX reaches the typesetter whole: no
    /// Markdown element appears inside it.
    fn one_block(src: &str, forbidden: &[&str]) {
        let h = html(src);
        assert_eq!(h.matches("<math display=\"block\"").count(), 1, "{h}");
        for f in forbidden {
            assert!(!h.contains(f), "{f} in {h}");
        }
    }

    #[test]
    fn list_markers_inside_display_math() {
        one_block("$$\na\n- b\n+ c\n1. d\n$$\n", &["<li>", "<ul>", "<ol>"]);
    }

    #[test]
    fn setext_underlines_inside_display_math() {
        one_block("$$\na\n=\nb\n---\n$$\n", &["<h1", "<h2", "<hr"]);
    }

    #[test]
    fn blank_lines_inside_display_math() {
        let h = html("$$\na = b\n\nc = d\n$$\n");
        assert_eq!(h.matches("<math display=\"block\"").count(), 1, "{h}");
        assert!(!h.contains("$$"), "{h}");
    }

    #[test]
    fn quote_markers_and_emphasis_inside_display_math() {
        one_block("$$\na *b* c\n> d\n*e*\n$$\n", &["<em>", "<blockquote>"]);
        // A display equation inside a block quote stays in the quote.
        let h = html("> $$\n> a\n> - b\n> $$\n");
        assert!(h.contains("<blockquote>") && !h.contains("<li>"), "{h}");
        assert_eq!(h.matches("<math display=\"block\"").count(), 1, "{h}");
    }

    #[test]
    fn inline_math_in_table_cells_keeps_the_norm_bars() {
        let h = html("| a | b |\n|---|---|\n| $\\|x\\|$ | 1 |\n");
        assert!(h.contains("<table>"), "{h}");
        assert!(
            h.contains("‖") || h.contains("&#x2016;") || h.contains("∥"),
            "{h}"
        );
    }

    #[test]
    fn math_inside_html_blocks() {
        let h = html("<div class=\"box\">\n\n$$x^2$$ and $y$\n\n</div>\n\n<div>\n$a_1$\n</div>\n");
        assert!(h.contains("<math"), "{h}");
        assert!(!h.contains("$a_1$"), "{h}");
    }

    #[test]
    fn display_equations_inside_html_blocks() {
        let h = html("<div class=\"box\">\n$$\nx^2\n- y\n$$\n</div>\n");
        assert_eq!(h.matches("<math display=\"block\"").count(), 1, "{h}");
        assert!(!h.contains("xxx") && !h.contains("<li>"), "{h}");
    }

    #[test]
    fn safe_mode_keeps_equation_badges_inside_html_blocks_and_cleans_the_authors_html() {
        let src = "<div class=\"box\" onclick=\"steal()\">\n$$\nx^2 = y\n$$\n<script>alert(1)</script>$a$\n</div>\n\n$$\nz = w\n$$\n\n<span title=\"$q$\">t</span>\n";
        let n = crate::note::parse_note("t.md".into(), "t.md".into(), src.to_string());
        assert_eq!(n.equations.len(), 2);
        let badge = |i: usize, m: &str| {
            Some(format!(
                "<div class=\"equation\" id=\"eq-{}\"><span class=\"eq-badge\" data-status=\"pass\" onmouseover=\"x()\">✓</span>{m}</div>",
                i + 1
            ))
        };
        let h = render_body(&n, &|_| String::new(), &badge, None, true).html;
        // notecheck's own fragments stay as rendered, badges and all.
        for i in 1..=2 {
            assert!(h.contains(&format!("id=\"eq-{i}\"><span class=\"eq-badge\" data-status=\"pass\" onmouseover=\"x()\">")), "{h}");
        }
        assert_eq!(
            h.matches("<math").count(),
            4,
            "two equations, the inline $a$ and $q$: {h}"
        );
        // The author's HTML around them is sanitized.
        assert!(h.contains("class=\"box\""), "{h}");
        assert!(
            !h.contains("onclick") && !h.contains("<script") && !h.contains("alert"),
            "{h}"
        );
        // Math inside an attribute is not spliced into the tag.
        let span = h.split("<span title=").nth(1).expect("the span is kept");
        let tag_end = span.find('>').unwrap();
        assert!(!span[..tag_end].contains("<math"), "{h}");
        // Without --safe the same source is left as written.
        let raw = render_body(&n, &|_| String::new(), &badge, None, false).html;
        assert!(
            raw.contains("onclick=\"steal()\"") && raw.contains("<script>"),
            "{raw}"
        );
        assert!(
            raw.contains("id=\"eq-1\"") && raw.contains("id=\"eq-2\""),
            "{raw}"
        );
    }

    #[test]
    fn an_equation_inside_a_paragraph_closes_the_paragraph_around_it() {
        // `$$…$$` in running text is inline math (kramdown), no equation.
        let src = "Some text $$a = a$$ and more.\n";
        let n = crate::note::parse_note("t.md".into(), "t.md".into(), src.to_string());
        assert!(n.equations.is_empty());
        let none = |_: usize, _: &str| None;
        let h = render_body(&n, &|_| String::new(), &none, None, false).html;
        assert!(h.contains("<p>Some text <math display=\"inline\">"), "{h}");
        assert!(h.contains("</math> and more.</p>"), "{h}");
        // A display equation on its own line within a paragraph's lines.
        let src = "Some text\n$$a = a$$\nand more.\n";
        let n = crate::note::parse_note("t.md".into(), "t.md".into(), src.to_string());
        assert_eq!(n.equations.len(), 1);
        let badge = |i: usize, m: &str| {
            Some(format!(
                "<div class=\"equation\" id=\"eq-{}\">{m}</div>",
                i + 1
            ))
        };
        let h = render_body(&n, &|_| String::new(), &badge, None, false).html;
        assert!(!h.contains("<p><div"), "{h}");
        assert!(
            h.contains("<p>Some text\n</p>\n<div class=\"equation\""),
            "{h}"
        );
        assert!(h.contains("</div>\n<p>\nand more.</p>"), "{h}");
    }

    #[test]
    fn prose_equations_are_typeset_in_the_pages_math_context() {
        // A macro defined in the prose, a tag and a label on a prose
        // equation, a reference before it in the text and one inside an
        // HTML block after it.
        let src = "$\\newcommand{\\R}{\\mathbb{R}}$ See \\eqref{eq:f}.\n\n$$\nf = \\R x \\tag{7} \\label{eq:f}\n$$\n\n$$\ng = x\n$$\n\n<div>\n$$\nh = x \\tag{8}\n$$\n</div>\n";
        let n = crate::note::parse_note("t.md".into(), "t.md".into(), src.to_string());
        assert_eq!(n.equations.len(), 3);
        let seen = std::cell::RefCell::new(Vec::new());
        let badge = |i: usize, m: &str| {
            seen.borrow_mut().push((i, m.to_string()));
            (i != 1).then(|| format!("<div class=\"equation\" id=\"eq-{}\">{m}<span class=\"eq-badge\">✓</span></div>", i + 1))
        };
        let r = render_body(&n, &|_| String::new(), &badge, None, false);
        let h = &r.html;
        // Each equation's math came from the context: the macro expanded
        // (no error, no `\R` left), the tags as number cells with the
        // label's anchor.
        let seen = seen.into_inner();
        assert_eq!(
            seen.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert!(
            seen[0].1.contains("class=\"eqno\" id=\"eq-eq:f\""),
            "{}",
            seen[0].1
        );
        assert!(
            seen[0].1.contains("(7)") && seen[0].1.contains("<mi>ℝ</mi>"),
            "{}",
            seen[0].1
        );
        assert!(seen[2].1.contains("(8)"), "{}", seen[2].1);
        assert!(!h.contains("math-error"), "{h}");
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        // The reference resolved once the page was read; badges kept.
        assert!(
            h.contains("<a class=\"eqref\" href=\"#eq-eq:f\">(7)</a>"),
            "{h}"
        );
        assert_eq!(h.matches("eq-badge").count(), 2, "{h}");
        // The equation without badges (`None`) is its plain math.
        assert!(
            !h.contains("id=\"eq-2\"") && h.matches("<math display=\"block\"").count() == 3,
            "{h}"
        );
    }

    #[test]
    fn code_blocks_keep_their_dollars() {
        let h = html("```\n$$\n- x\n$$\n```\n");
        assert!(h.contains("$$") && !h.contains("<math"), "{h}");
    }
}
