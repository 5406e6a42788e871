//! Stage 1: notes on disk → [`Note`]s (front matter, Markdown body, check blocks).
//!
//! Nothing here knows the claim language: a check block is its info-string
//! options and its body text with the line it starts on.

use std::path::{Component, Path, PathBuf};

use crate::config::{CheckOverrides, CheckSettings, FrontMatter};
use crate::diag::{Diagnostic, LineIndex, Span};

mod blocks;
mod front;
mod math;
mod options;
mod walk;

pub use front::dims_warnings;
pub use math::{CheckMode, Equation, InlineMath};
pub use walk::walk;

/// Note files larger than this are reported and skipped (spec §7).
pub const MAX_NOTE_BYTES: u64 = 10 * 1024 * 1024;

/// A note as read from disk.
#[derive(Clone, Debug)]
pub struct Note {
    /// The path as the user would type it (relative to the current directory
    /// when the note is below it), with `/` separators.
    pub path: String,
    /// The path relative to the notes folder, e.g. `linear/vectorization.md`.
    pub rel_path: PathBuf,
    /// The whole file.
    pub source: String,
    /// Front matter title, else the first heading's text, else the file stem.
    pub title: String,
    /// The parsed front matter (defaults where it was missing or broken).
    pub front: FrontMatter,
    /// Problems reading the file and front matter problems (YAML syntax,
    /// unknown key), with spans in `source` (see [`Note::line_col`]).
    pub errors: Vec<Diagnostic>,
    /// Byte offset in `source` where the Markdown body starts (after the
    /// front matter's closing `---` line; 0 without front matter).
    pub body_start: usize,
    /// The check blocks in document order.
    pub blocks: Vec<CheckBlock>,
    /// Problems that do not stop checking, with spans in `source`: a
    /// fenced block whose info string is a near miss of `check` (```chek).
    pub warnings: Vec<Diagnostic>,
    /// The source with the contents of every display equation masked (see
    /// `math.rs`): what a Markdown parser must read, so that nothing inside
    /// `$$…$$` is taken for Markdown. Same length and offsets as `source`.
    pub masked: String,
    /// The display equations (`$$…$$`) in document order.
    pub equations: Vec<Equation>,
    /// Inline math spans that may be prose declarations (they hold `\in`).
    pub inline_math: Vec<InlineMath>,
}

/// A fenced code block whose info string starts with `check`.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckBlock {
    /// Position among the note's check blocks, from 0.
    pub index: usize,
    /// `#some-id`, without the `#`.
    pub id: Option<String>,
    pub should_fail: bool,
    pub hide: bool,
    /// `einstein` option (also settable as `einstein=true` in `overrides`).
    pub einstein: bool,
    /// `key=value` options.
    pub overrides: CheckOverrides,
    /// Unknown options or bad values, with spans in the note's source (the
    /// option at fault).
    pub errors: Vec<Diagnostic>,
    /// The text between the fences (each line's indentation as in the file,
    /// minus the fence's own indentation), ending with a newline.
    pub body: String,
    /// 1-based file line of the first body line.
    pub body_line: usize,
    /// Characters of indentation each body line lost against its file line
    /// (a block inside a list item), so that columns are the file's; empty
    /// when none.
    pub body_indent: Vec<usize>,
    /// 1-based file line of the opening fence.
    pub fence_line: usize,
    /// Byte range of the whole fenced block (fences included) in `source`.
    pub range: std::ops::Range<usize>,
}

/// The Markdown extensions notecheck reads notes with (math, tables,
/// strikethrough, task lists, footnotes). Render with the same options so
/// that the check blocks found here are the ones rendered.
pub fn markdown_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_MATH
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

/// A path as the user would type it: relative to the current directory when
/// the path is below it (else as given), `.` components dropped, with `/`
/// separators.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let relative = if path.is_absolute() {
        cwd.as_deref().and_then(|cwd| {
            path.strip_prefix(cwd)
                .ok()
                .map(Path::to_path_buf)
                .or_else(|| {
                    let canon_cwd = std::fs::canonicalize(cwd).ok()?;
                    let canon = std::fs::canonicalize(path).ok()?;
                    canon.strip_prefix(&canon_cwd).ok().map(Path::to_path_buf)
                })
        })
    } else {
        None
    };
    let shown = relative.as_deref().unwrap_or(path);
    let parts: Vec<String> = shown
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    match parts.as_slice() {
        [] => ".".to_string(),
        [root] if root.is_empty() => "/".to_string(),
        _ => parts.join("/").replace("//", "/"),
    }
}

/// Read and parse one note. Never fails: an unreadable file is a [`Note`]
/// with an error at line 1 (and no content); invalid UTF-8 is replaced by
/// U+FFFD with an error at the first one; a leading byte order mark is
/// dropped from `source`.
///
/// `path` is `display_path` of `file`; `rel_path` is `file` relative to
/// `notes_root` (the file name when `file` is not below it).
pub fn read_note(file: &Path, notes_root: &Path) -> Note {
    let path = display_path(file);
    let rel_path = relative_to(file, notes_root);
    let at_start = |message: String| Some(Diagnostic::error(Span::new(0, 0), message));
    let (source, error) = match read_bounded(file) {
        Err(message) => (String::new(), at_start(message)),
        Ok(Err(e)) => (
            String::new(),
            at_start(format!(
                "cannot read the note: {}",
                crate::error::io_reason(&e)
            )),
        ),
        Ok(Ok(bytes)) => match String::from_utf8(bytes) {
            Ok(s) => (s, None),
            Err(e) => {
                // The first U+FFFD in the text read (and so in `source`).
                let valid = e.utf8_error().valid_up_to();
                let s = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let span = Span::new(valid, valid + '\u{fffd}'.len_utf8());
                let message = "the file is not valid UTF-8; bad bytes are shown as �";
                (s, Some(Diagnostic::error(span, message)))
            }
        },
    };
    let (source, error) = match source.strip_prefix('\u{feff}') {
        Some(rest) => {
            let bom = '\u{feff}'.len_utf8();
            let back = |s: usize| s.saturating_sub(bom);
            let error = error.map(|mut d| {
                d.span = Span::new(back(d.span.start), back(d.span.end));
                d
            });
            (rest.to_string(), error)
        }
        None => (source, error),
    };
    let mut note = parse_note(path, rel_path, source);
    if let Some(e) = error {
        note.errors.insert(0, e);
    }
    note
}

/// The bytes of a note file, refusing (without opening it, so nothing can
/// block) anything that is not a regular file, or is over
/// [`MAX_NOTE_BYTES`]. The outer `Err` is the message of a skipped file.
fn read_bounded(file: &Path) -> Result<std::io::Result<Vec<u8>>, String> {
    use std::io::Read;
    let meta = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e)),
    };
    if !meta.is_file() {
        return Err(format!(
            "skipped: not a regular file ({}); only regular files are read as notes",
            file_kind(&meta)
        ));
    }
    let too_big = |n: u64| {
        format!(
            "skipped: the file has {n} bytes, more than the {} MB a note may have",
            MAX_NOTE_BYTES / (1024 * 1024)
        )
    };
    if meta.len() > MAX_NOTE_BYTES {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(file).and_then(|f| f.take(MAX_NOTE_BYTES + 1).read_to_end(&mut bytes));
    match read {
        Err(e) => Ok(Err(e)),
        // It grew between the check and the read.
        Ok(_) if bytes.len() as u64 > MAX_NOTE_BYTES => Err(too_big(bytes.len() as u64)),
        Ok(_) => Ok(Ok(bytes)),
    }
}

/// "a folder", "a FIFO", "a device", … for a message.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// Old Mac line endings: a `\r` not followed by `\n` becomes `\n`, so that
/// every line break counts as one line (`\r\n` is kept: it is one break).
pub fn normalize_line_endings(source: String) -> String {
    if !source.contains('\r') {
        return source;
    }
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

fn relative_to(file: &Path, root: &Path) -> PathBuf {
    let rel = file
        .strip_prefix(root)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| {
            let canon_root = std::fs::canonicalize(root).ok()?;
            let canon = std::fs::canonicalize(file).ok()?;
            canon.strip_prefix(&canon_root).ok().map(Path::to_path_buf)
        });
    match rel {
        Some(r) if !r.as_os_str().is_empty() => r,
        _ => file
            .file_name()
            .map_or_else(|| file.to_path_buf(), PathBuf::from),
    }
}

/// Parse a note's text: front matter, title, check blocks. Never fails;
/// problems are in `errors` (front matter) and each block's `errors`.
///
/// `path` and `rel_path` are stored as given; the file stem of `rel_path`
/// (else of `path`) is the title of last resort.
pub fn parse_note(path: String, rel_path: PathBuf, source: String) -> Note {
    let source = normalize_line_endings(source);
    let f = front::split_front(&source);
    let (masked, mut equations) = math::protect(&source, f.body_start);
    let scan = blocks::scan_masked(&source, &masked, f.body_start);
    // `$$…$$` in running text is inline math, as kramdown (Jekyll) reads
    // it: a possible declaration, never a display equation.
    let mut inline_math = scan.inline_math;
    for (range, tex) in scan.display {
        if !equations
            .iter()
            .any(|e| e.range.start <= range.start && range.start < e.range.end)
            && blocks::may_declare(&tex)
        {
            inline_math.push(InlineMath {
                tex_start: range.start + 2,
                tex,
            });
        }
    }
    inline_math.sort_by_key(|m| m.tex_start);
    equations.sort_by_key(|e| e.range.start);
    for (i, e) in equations.iter_mut().enumerate() {
        e.index = i;
        math::read_options(e);
    }
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.trim().is_empty())
    };
    let title = f
        .front
        .title
        .clone()
        .or(f.salvaged_title)
        .or(scan.title)
        .or_else(|| stem(&rel_path))
        .or_else(|| stem(Path::new(&path)))
        .unwrap_or_else(|| "untitled".to_string());
    Note {
        path,
        rel_path,
        source,
        title,
        front: f.front,
        errors: f.errors,
        body_start: f.body_start,
        blocks: scan.blocks,
        warnings: scan.warnings,
        masked,
        equations,
        inline_math,
    }
}

impl Note {
    /// The Markdown body (after the front matter).
    pub fn body(&self) -> &str {
        self.source.get(self.body_start..).unwrap_or("")
    }

    /// The Markdown body as Markdown parsers must read it (display math masked).
    pub fn masked_body(&self) -> &str {
        self.masked.get(self.body_start..).unwrap_or("")
    }

    /// The line index of `source`: byte offsets of diagnostics to lines
    /// and columns. Build it once for many lookups.
    pub fn line_index(&self) -> LineIndex<'_> {
        LineIndex::new(&self.source)
    }

    /// 1-based line and character column of byte `offset` of `source` (one
    /// lookup; see [`Note::line_index`] for many).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.line_index().line_col(offset)
    }

    /// Every problem found while reading the note: front matter errors,
    /// block option errors and `% check` option errors, in source order.
    pub fn all_errors(&self) -> Vec<&Diagnostic> {
        let mut all: Vec<&Diagnostic> = self
            .errors
            .iter()
            .chain(self.blocks.iter().flat_map(|b| &b.errors))
            .chain(self.equations.iter().flat_map(|e| &e.options.errors))
            .collect();
        all.sort_by_key(|e| e.span.start);
        all
    }
}

impl CheckBlock {
    /// The block's settings: defaults ← `project` ← `front` ← the block's options.
    pub fn settings(&self, project: &CheckOverrides, front: &CheckOverrides) -> CheckSettings {
        let mut s = self
            .overrides
            .apply(&front.apply(&project.apply(&CheckSettings::default())));
        if self.einstein {
            s.einstein = true;
        }
        s
    }
}

#[cfg(test)]
mod tests;
