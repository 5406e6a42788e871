//! `notecheck init [DIR]`: a new project that checks green.
//!
//! Writes `notecheck.yaml`, one example note that uses every construct of
//! the claim language (with comments), and a GitHub Actions workflow. The
//! files live in `templates/init/` and are built into the binary. Existing
//! files are never overwritten unless `force` is set.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The scaffold: path inside the project → contents.
pub const FILES: &[(&str, &str)] = &[
    (
        "notecheck.yaml",
        include_str!("../templates/init/notecheck.yaml"),
    ),
    (
        "notes/example.md",
        include_str!("../templates/init/example.md"),
    ),
    (
        ".github/workflows/notecheck.yml",
        include_str!("../templates/init/notecheck.yml"),
    ),
];

/// Creates the scaffold in `dir` (created when missing). Returns the files
/// written, in [`FILES`] order. Without `force`, if any of the files exists,
/// nothing is written and the error names every one that exists.
pub fn init(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let targets: Vec<(PathBuf, &str)> = FILES
        .iter()
        .map(|(rel, text)| {
            // `init` in the current folder names the files as `notecheck.yaml`, not `./notecheck.yaml`.
            let path = if dir == Path::new(".") || dir.as_os_str().is_empty() {
                PathBuf::from(rel)
            } else {
                dir.join(rel)
            };
            (path, *text)
        })
        .collect();
    if !force {
        let existing: Vec<PathBuf> = targets
            .iter()
            .filter(|(p, _)| p.symlink_metadata().is_ok())
            .map(|(p, _)| p.clone())
            .collect();
        if !existing.is_empty() {
            return Err(Error::Exists(existing));
        }
    }
    let mut written = Vec::new();
    for (path, text) in targets {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("create", parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_template_parses() {
        let (_, text) = FILES[0];
        crate::config::parse_project(text).expect("notecheck.yaml template is valid");
    }

    #[test]
    fn example_note_has_every_block_option() {
        let (_, text) = FILES[1];
        let note = crate::note::parse_note(
            "notes/example.md".into(),
            "example.md".into(),
            text.to_string(),
        );
        assert!(note.errors.is_empty(), "{:?}", note.errors);
        assert!(note.blocks.iter().all(|b| b.errors.is_empty()));
        assert!(note.blocks.iter().any(|b| b.einstein));
        assert!(note.blocks.iter().any(|b| b.should_fail));
        assert!(note.blocks.iter().any(|b| b.hide));
        assert!(note.blocks.iter().any(|b| b.overrides.trials.is_some()));
    }
}
