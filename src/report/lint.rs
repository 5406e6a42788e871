//! What the report stage finds wrong in a note without failing a claim:
//! formulas that cannot be typeset, unknown equation labels, missing local
//! files, broken links to other notes. Used by `check` (no site written)
//! and `build` alike; the pipeline puts the warnings on the note's result.
//!
//! Local files a note links to or shows are copied into the site at the
//! same relative path: only files inside the notes folder (a link whose
//! `..` leaves it, or an absolute path, is never followed), at most
//! [`MAX_ASSET_BYTES`] each.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path};

use super::markdown::render_body_with;
use super::math::MathContext;
use crate::check::verdict::Warning;
use crate::note::Note;

/// Largest local file copied into the site.
pub const MAX_ASSET_BYTES: u64 = 50 << 20;

/// A note's warnings and the local files (paths in the notes folder,
/// `/`-separated) its page links to, present or not: those present are
/// copied at every build ([`copy_assets`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NoteLint {
    pub warnings: Vec<Warning>,
    pub assets: Vec<String>,
}

/// The math context of a note: the project's macros, then its front matter's.
pub fn math_context(note: &Note, project_macros: &BTreeMap<String, String>) -> MathContext {
    match note.front.math.macros() {
        Some(front) => MathContext::new(&[project_macros, front]),
        None => MathContext::new(&[project_macros]),
    }
}

/// Reads `note` as its page would and checks its links. `notes` holds the
/// notes' paths in the notes folder (`/`-separated).
pub fn lint_note(
    note: &Note,
    project_macros: &BTreeMap<String, String>,
    notes_dir: &Path,
    notes: &BTreeSet<String>,
) -> NoteLint {
    let mut math = math_context(note, project_macros);
    // As the page reads it (see `render_note_page`): the title heading is
    // the page's title, not part of the body.
    let title = note.title.trim();
    let body = render_body_with(
        note,
        &|_| String::new(),
        &|_, _| None,
        (!title.is_empty()).then_some(title),
        &mut math,
        false,
    );
    let mut out = links(note, &body.local_links, notes_dir, notes);
    out.warnings = with_formula_warnings(note, std::mem::take(&mut out.warnings), &body.warnings);
    out
}

/// `link_warnings` and the body's formula warnings (byte offsets), at
/// their lines and columns, sorted.
pub fn with_formula_warnings(
    note: &Note,
    mut link_warnings: Vec<Warning>,
    formula: &[(usize, String)],
) -> Vec<Warning> {
    let lines = note.line_index();
    for (at, message) in formula {
        let (line, col) = lines.line_col(*at);
        link_warnings.push(Warning {
            line,
            col,
            message: message.clone(),
        });
    }
    link_warnings.sort();
    link_warnings.dedup();
    link_warnings
}

/// The warnings and assets of a page's local links.
pub fn links(
    note: &Note,
    local_links: &[(usize, String)],
    notes_dir: &Path,
    notes: &BTreeSet<String>,
) -> NoteLint {
    let mut out = NoteLint::default();
    let mut assets = BTreeSet::new();
    let lines = note.line_index();
    for (at, link) in local_links {
        let (line, col) = lines.line_col(*at);
        let mut warn = |message: String| out.warnings.push(Warning { line, col, message });
        let Some(rel) = resolve(&note.rel_path, link) else {
            warn(format!(
                "`{link}` is outside the notes folder: it is not copied into the site"
            ));
            continue;
        };
        if rel.is_empty() {
            continue;
        }
        let mut file = notes_dir.to_path_buf();
        file.extend(rel.split('/'));
        if rel.ends_with(".md") {
            // A note of this run, or one on disk (a run over part of the notes).
            if !notes.contains(&rel) && !file.is_file() {
                warn(format!("broken link: no note `{rel}` in the notes folder"));
            }
            continue;
        }
        match std::fs::metadata(&file) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.len() > MAX_ASSET_BYTES => warn(format!(
                "`{link}` is larger than {} MB: it is not copied into the site",
                MAX_ASSET_BYTES >> 20
            )),
            Ok(_) => {
                assets.insert(rel);
            }
            Err(_) => {
                warn(format!(
                    "missing file: `{link}` (looked for {})",
                    file.display()
                ));
                // Listed all the same: a page is not rendered again when only
                // the file appears, and the copy happens at every build.
                assets.insert(rel);
            }
        }
    }
    out.assets = assets.into_iter().collect();
    out
}

/// `link` (relative to the note at `note_rel`) as a path in the notes
/// folder, `/`-separated; `None` when it is absolute or leaves the folder.
pub fn resolve(note_rel: &Path, link: &str) -> Option<String> {
    if link.starts_with('/') || link.starts_with('\\') || link.contains(':') {
        return None;
    }
    let mut parts: Vec<String> = note_rel
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for piece in link.split(['/', '\\']) {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p.to_string()),
        }
    }
    Some(parts.join("/"))
}

/// Copies every entry's assets from `notes_dir` into `out` at the same
/// relative path, unless the copy there already has the same bytes; a file
/// that is missing (a warning) or too large is skipped.
pub fn copy_assets(
    notes_dir: &Path,
    dir: &crate::outdir::OutDir,
    entries: &[super::IndexEntry],
) -> crate::error::Result<Vec<String>> {
    let all: BTreeSet<&str> = entries
        .iter()
        .flat_map(|e| e.assets.iter().map(String::as_str))
        .collect();
    let root = crate::outdir::canonical(notes_dir);
    let mut copied = Vec::new();
    for rel in all {
        let mut from = notes_dir.to_path_buf();
        from.extend(rel.split('/'));
        // Only regular files that really lie in the notes folder (a link
        // leading out of it, a FIFO or a device is never read).
        let real = crate::outdir::canonical(&from);
        let regular =
            std::fs::metadata(&real).is_ok_and(|m| m.is_file() && m.len() <= MAX_ASSET_BYTES);
        if !regular || !real.starts_with(&root) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&real) else {
            continue;
        };
        if bytes.len() as u64 > MAX_ASSET_BYTES {
            continue;
        }
        let to = super::site_file(dir.root(), rel);
        if !(dir.owns(rel) && std::fs::read(&to).is_ok_and(|old| old == bytes)) {
            dir.write(rel, &bytes)?;
        }
        copied.push(rel.to_string());
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_inside_the_folder_only() {
        let n = Path::new("ch1/a.md");
        assert_eq!(resolve(n, "img/x.png").as_deref(), Some("ch1/img/x.png"));
        assert_eq!(resolve(n, "../b.md").as_deref(), Some("b.md"));
        assert_eq!(resolve(n, "./../ch2/./c.png").as_deref(), Some("ch2/c.png"));
        assert_eq!(resolve(n, "../../etc/passwd"), None);
        assert_eq!(resolve(n, "/etc/passwd"), None);
        assert_eq!(resolve(n, "C:/x"), None);
    }
}
