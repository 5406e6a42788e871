//! Finding the notes: a recursive walk over a notes folder.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, io_reason};

/// Every `*.md` file below `notes_dir`, recursively, sorted by path
/// components. Files and folders whose name starts with `.` or `_` are
/// skipped (the folder itself is not, whatever its name). Symbolic links are
/// followed; a folder reached twice through links is walked once.
///
/// Errors (one line): the folder is missing, is not a folder, or a folder
/// below it cannot be listed.
pub fn walk(notes_dir: &Path) -> Result<Vec<PathBuf>> {
    let shown = notes_dir.display();
    match fs::metadata(notes_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Input(format!(
                "notes folder '{shown}' does not exist"
            )));
        }
        Err(e) => {
            return Err(Error::Input(format!(
                "notes folder '{shown}': {}",
                io_reason(&e)
            )));
        }
        Ok(m) if !m.is_dir() => {
            return Err(Error::Input(format!(
                "notes folder '{shown}' is not a folder"
            )));
        }
        Ok(_) => {}
    }
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![notes_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        if let Ok(canon) = fs::canonicalize(&dir)
            && !seen.insert(canon)
        {
            continue;
        }
        let entries = fs::read_dir(&dir).map_err(|e| Error::io("list folder", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("list folder", &dir, e))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let path = entry.path();
            let is_dir = match entry.file_type() {
                Ok(t) if t.is_symlink() => fs::metadata(&path).is_ok_and(|m| m.is_dir()),
                Ok(t) => t.is_dir(),
                Err(_) => false,
            };
            if is_dir {
                stack.push(path);
            } else if Path::new(name.as_ref())
                .extension()
                .is_some_and(|e| e == "md")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (removed when the returned guard drops)
    fn tmp(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("notecheck-walk-{name}-"))
            .tempdir()
            .unwrap()
    }

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "# x\n").unwrap();
    }

    #[test]
    fn walks_recursively_sorted_and_skips_hidden_and_drafts() {
        let root = tmp("basic");
        let root = root.path().to_path_buf();
        for f in [
            "b.md",
            "a.md",
            "sub/z.md",
            "sub/a.md",
            "sub-x/a.md",
            "_drafts/wip.md",
            "sub/_partial.md",
            ".hidden.md",
            ".git/x.md",
            "readme.txt",
            "notes.md.bak",
            "deep/er/still.md",
        ] {
            touch(&root, f);
        }
        fs::create_dir_all(root.join("folder.md")).unwrap();
        let got: Vec<String> = walk(&root)
            .unwrap()
            .iter()
            .map(|p| {
                p.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        // Sorted by components: "sub/…" before "sub-x/…" although '-' < '/'.
        assert_eq!(
            got,
            [
                "a.md",
                "b.md",
                "deep/er/still.md",
                "sub/a.md",
                "sub/z.md",
                "sub-x/a.md"
            ]
        );
    }

    #[test]
    fn root_named_with_underscore_is_walked() {
        let u = tmp("u");
        let root = u.path().join("_notes");
        touch(&root, "a.md");
        assert_eq!(walk(&root).unwrap().len(), 1);
    }

    #[test]
    fn missing_or_not_a_folder() {
        let root = tmp("missing");
        let root = root.path().to_path_buf();
        let missing = root.join("nope");
        let e = walk(&missing).unwrap_err();
        assert!(matches!(e, crate::error::Error::Input(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("notes folder '{}' does not exist", missing.display())
        );
        touch(&root, "f.md");
        let e = walk(&root.join("f.md")).unwrap_err().to_string();
        assert!(e.ends_with("is not a folder"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn empty_folder_is_empty_list() {
        let root = tmp("empty");
        let root = root.path().to_path_buf();
        assert!(walk(&root).unwrap().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_cycles_terminate() {
        let root = tmp("cycle");
        let root = root.path().to_path_buf();
        touch(&root, "sub/a.md");
        std::os::unix::fs::symlink(&root, root.join("sub/loop")).unwrap();
        let got = walk(&root).unwrap();
        assert!(!got.is_empty() && got.len() <= 2, "{got:?}");
    }
}
