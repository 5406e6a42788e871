//! What `notecheck check` and `build` are pointed at, as pytest takes it: a
//! notes folder, one note (`notes/x.md`), the claims at one line of a note
//! (`notes/x.md:42`) or one check block (`notes/x.md#block-id`); and where
//! `notecheck.yaml` is (the current folder or the nearest parent).

use std::path::{Path, PathBuf};

use crate::check::verdict::{BlockResult, CheckedNote, ClaimResult, Holder};
use crate::error::Error;

/// The configuration file's name, looked for in the current folder and
/// then in each parent.
pub const CONFIG_FILE: &str = "notecheck.yaml";

/// Which claims of the targeted notes are reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Select {
    /// Every claim.
    All,
    /// The claims whose relation symbol is on this 1-based line.
    Line(usize),
    /// The claims of the check block with this id (`#vec-identity`) or
    /// anchor (`#block-3`).
    Block(String),
}

/// A parsed target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// A notes folder or a note file.
    pub path: PathBuf,
    pub select: Select,
    /// The target as typed.
    pub spec: String,
}

impl Target {
    /// The whole of `path` (a folder or a note).
    pub fn all(path: &Path) -> Target {
        Target {
            path: path.to_path_buf(),
            select: Select::All,
            spec: path.display().to_string(),
        }
    }

    /// `notes`, `notes/x.md`, `notes/x.md:42`, `notes/x.md#block-id`. A
    /// path that exists as typed is always a path (a file may be called
    /// `a:1.md`); otherwise a `:LINE` or `#BLOCK` suffix is split off when
    /// what is before it is a file. Anything else is returned as a path,
    /// for the caller to report as missing.
    pub fn parse(spec: &str) -> Target {
        let path = PathBuf::from(spec);
        if path.exists() {
            return Target::all(&path);
        }
        if let Some((file, line)) = spec.rsplit_once(':')
            && let Ok(line) = line.parse::<usize>()
            && Path::new(file).is_file()
        {
            return Target {
                path: PathBuf::from(file),
                select: Select::Line(line),
                spec: spec.to_string(),
            };
        }
        if let Some((file, block)) = spec.split_once('#')
            && !block.is_empty()
            && Path::new(file).is_file()
        {
            return Target {
                path: PathBuf::from(file),
                select: Select::Block(block.to_string()),
                spec: spec.to_string(),
            };
        }
        Target {
            path,
            select: Select::All,
            spec: spec.to_string(),
        }
    }

    /// Whether the target names one file (not a folder).
    pub fn is_file(&self) -> bool {
        self.path.is_file()
    }

    /// Whether `claim` (held by the note, a block or a prose equation) is
    /// selected.
    pub fn selects(&self, holder: Holder<'_>, claim: &ClaimResult) -> bool {
        match &self.select {
            Select::All => true,
            Select::Line(n) => claim.line == *n,
            Select::Block(_) => holder.block().is_some_and(|b| self.selects_block(b)),
        }
    }

    /// Whether the target is `#id` (or `#block-N`) of this block.
    pub fn selects_block(&self, b: &BlockResult) -> bool {
        match &self.select {
            Select::Block(id) => {
                b.id.as_deref() == Some(id.as_str())
                    || crate::report::markdown::block_anchor(b.id.as_deref(), b.index) == *id
            }
            _ => false,
        }
    }

    /// Keeps only the selected claims of `notes` (every note was checked in
    /// full, so names defined elsewhere in a note are known). `Err` is the
    /// message for a selection that matches nothing.
    pub fn apply(&self, notes: &mut [CheckedNote<'_>]) -> crate::error::Result<()> {
        if self.select == Select::All {
            return Ok(());
        }
        // A block may have no claims yet still be targeted (only `let`s).
        let block_found = notes
            .iter()
            .any(|n| n.result.blocks.iter().any(|b| self.selects_block(b)));
        let mut kept = 0;
        for n in notes.iter_mut() {
            n.result.retain_claims(|b, c| self.selects(b, c));
            kept += n.result.counts.total();
        }
        match &self.select {
            Select::Line(n) if kept == 0 => Err(Error::Input(format!(
                "no claim at {}:{n} (a claim is at the line of its relation symbol)",
                self.path.display()
            ))),
            Select::Block(id) if !block_found => Err(Error::Input(format!(
                "no check block #{id} in {}",
                self.path.display()
            ))),
            _ => Ok(()),
        }
    }
}

/// `notecheck.yaml` in `start` or its nearest parent that has one, as a
/// path relative to `start` (`notecheck.yaml`, `../notecheck.yaml`, …);
/// `notecheck.yaml` when there is none (the defaults apply).
pub fn find_config(start: &Path) -> PathBuf {
    let mut rel = PathBuf::new();
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(CONFIG_FILE).is_file() {
            return rel.join(CONFIG_FILE);
        }
        rel.push("..");
        dir = d.parent();
    }
    PathBuf::from(CONFIG_FILE)
}

/// The folder relative paths in the configuration file `config` are taken
/// from: the file's own folder (empty for `notecheck.yaml`: the current
/// folder).
pub fn config_base(config: &Path) -> PathBuf {
    config.parent().map(Path::to_path_buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_pytest_takes_them() {
        let dir = tempfile::tempdir().unwrap();
        let note = dir.path().join("x.md");
        std::fs::write(&note, "# x\n").unwrap();
        let p = note.display().to_string();
        assert_eq!(Target::parse(&p).select, Select::All);
        assert_eq!(Target::parse(&format!("{p}:42")).select, Select::Line(42));
        assert_eq!(Target::parse(&format!("{p}:42")).path, note);
        assert_eq!(
            Target::parse(&format!("{p}#vec")).select,
            Select::Block("vec".into())
        );
        // Not a file: left for the caller to report.
        let missing = Target::parse("no/such.md:3");
        assert_eq!(missing.select, Select::All);
        assert_eq!(missing.path, PathBuf::from("no/such.md:3"));
    }

    #[test]
    fn the_configuration_is_found_in_the_nearest_parent() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), "notes: notes\n").unwrap();
        assert_eq!(find_config(&sub), PathBuf::from("../..").join(CONFIG_FILE));
        assert_eq!(find_config(dir.path()), PathBuf::from(CONFIG_FILE));
        assert_eq!(config_base(Path::new(CONFIG_FILE)), PathBuf::new());
        assert_eq!(
            config_base(Path::new("../notecheck.yaml")),
            PathBuf::from("..")
        );
    }
}
