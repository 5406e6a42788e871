//! The stages wired together: load notes, check them, render.
//!
//! `main.rs` only parses the command line and calls these.

use std::path::{Path, PathBuf};

use crate::check::verdict::NoteResult;
use crate::config::ProjectConfig;
use crate::note::{self, Note};

/// The project as found on disk.
pub struct Project {
    pub config: ProjectConfig,
    pub notes_dir: PathBuf,
    pub notes: Vec<Note>,
}

/// Read `notecheck.yaml` (when present in the current directory) and every note.
/// `Err` is the one line to print before exiting with status 2.
pub fn load(notes_arg: Option<&Path>, config_path: &Path) -> Result<Project, String> {
    let config = if config_path.is_file() {
        crate::config::load_project(config_path)?
    } else {
        ProjectConfig::default()
    };
    let notes_dir = notes_arg
        .map(Path::to_path_buf)
        .or_else(|| config.notes.clone())
        .unwrap_or_else(|| PathBuf::from("notes"));
    let files = note::walk(&notes_dir)?;
    let notes = files
        .iter()
        .map(|f| note::read_note(f, &notes_dir))
        .collect();
    Ok(Project {
        config,
        notes_dir,
        notes,
    })
}

/// Check every note; one note's problems never stop another.
pub fn check_all(project: &Project) -> Vec<NoteResult> {
    project
        .notes
        .iter()
        .map(|n| crate::check::check(n, &project.config))
        .collect()
}

/// Render the checked notes into a site at `out`.
pub fn render(project: &Project, results: &[NoteResult], out: &Path) -> Result<(), String> {
    let opts = crate::report::SiteOptions {
        title: project
            .config
            .title
            .clone()
            .unwrap_or_else(|| "Verified notes".to_string()),
        templates_dir: project.config.templates.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: format!("notecheck check {}", project.notes_dir.display()),
    };
    crate::report::render_site(&project.notes, results, &opts, out)
}
