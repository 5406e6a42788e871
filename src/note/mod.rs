//! Stage 1: notes on disk → [`Note`]s (front matter, Markdown body, check blocks).
//!
//! Nothing here knows the claim language: a check block is its info-string
//! options and its body text with the line it starts on.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::{CheckOverrides, FrontMatter};

/// A problem found while reading a note, at a 1-based line of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

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
    /// Front matter problems (YAML syntax, unknown key) at their file lines.
    pub errors: Vec<NoteError>,
    /// Byte offset in `source` where the Markdown body starts (after the
    /// front matter's closing `---` line; 0 without front matter).
    pub body_start: usize,
    /// The check blocks in document order.
    pub blocks: Vec<CheckBlock>,
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
    /// Unknown options or bad values, at the fence line.
    pub errors: Vec<NoteError>,
    /// The text between the fences (each line's indentation as in the file,
    /// minus the fence's own indentation), ending with a newline.
    pub body: String,
    /// 1-based file line of the first body line.
    pub body_line: usize,
    /// 1-based file line of the opening fence.
    pub fence_line: usize,
    /// Byte range of the whole fenced block (fences included) in `source`.
    pub range: std::ops::Range<usize>,
}

/// Dimension values fixed for a note: project `dims` overlaid by front matter `dims`.
pub type Dims = BTreeMap<String, u64>;
