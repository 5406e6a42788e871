//! The output folder is notecheck's: what it may write there, and what it
//! may remove.
//!
//! - Every file is written atomically: to a temporary file in the same
//!   folder (`.notecheck-tmp-…`), then renamed over the target, so that a
//!   reader (a browser, `serve`) never sees half a page, and a build killed
//!   at any moment leaves every file either as it was or as it is now.
//! - The folder keeps a list of the files notecheck wrote there,
//!   [`MANIFEST`] (one JSON string a line). A file is only ever removed
//!   when it is on that list. A file is recorded before its rename as
//!   pending, with the hash of its new contents; a pending record counts
//!   only when the file on disk holds exactly those contents, i.e. only
//!   once the file has really been written. At the end of a build the list
//!   is rewritten (atomically) as the files now owned.
//! - [`OutDir::open`] refuses, before anything is written: an output that is
//!   the notes folder, lies inside it or contains it, and a folder holding
//!   files notecheck did not write (unless `force`). An empty or missing
//!   folder is fine.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// The list of files notecheck wrote into an output folder, in that folder.
pub const MANIFEST: &str = ".notecheck-site";

/// Temporary files start with this (and are notecheck's: a leftover from an
/// interrupted build is removed by the next one).
pub const TMP_PREFIX: &str = ".notecheck-tmp-";

/// An output folder opened for writing.
#[derive(Debug)]
pub struct OutDir {
    root: PathBuf,
    owned: Mutex<BTreeSet<String>>,
    journal: Mutex<Option<File>>,
    counter: AtomicU64,
    /// Folders under the root found (this run) not to lead out of it.
    inside: Mutex<BTreeSet<PathBuf>>,
}

/// `path` made absolute and free of `.`/`..` and symbolic links, even when
/// its last components do not exist yet.
pub fn canonical(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = abs.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = fs::canonicalize(&existing) {
            let mut out = c;
            for r in rest.iter().rev() {
                if r == ".." {
                    out.pop();
                } else if r != "." {
                    out.push(r);
                }
            }
            return out;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
}

/// Refuses an output folder `out` that is the notes folder, lies inside it
/// or contains it.
pub fn check_not_notes(out: &Path, notes_dir: &Path) -> Result<()> {
    let o = canonical(out);
    let n = canonical(notes_dir);
    let why = if o == n {
        "is the notes folder"
    } else if o.starts_with(&n) {
        "lies inside the notes folder"
    } else if n.starts_with(&o) {
        "contains the notes folder"
    } else {
        return Ok(());
    };
    Err(Error::Refused(format!(
        "refusing to write the site into '{}': it {why} '{}'; choose another --out",
        out.display(),
        notes_dir.display()
    )))
}

/// Refuses a report file (`check --output FILE`) that is one of `notes` or
/// lies inside the notes folder.
pub fn check_report_file(file: &Path, notes_dir: &Path, notes: &[PathBuf]) -> Result<()> {
    let f = canonical(file);
    let n = canonical(notes_dir);
    if f.starts_with(&n) || notes.iter().any(|p| canonical(p) == f) {
        return Err(Error::Refused(format!(
            "refusing to write the report to '{}': it is a note or lies inside the notes folder '{}'",
            file.display(),
            notes_dir.display()
        )));
    }
    Ok(())
}

/// `out` joined with a `/`-separated relative path.
fn join(out: &Path, rel: &str) -> PathBuf {
    let mut p = out.to_path_buf();
    p.extend(rel.split('/'));
    p
}

/// A plain relative `/`-separated path (no `..`, no absolute part).
fn is_plain(rel: &str) -> bool {
    !rel.is_empty()
        && rel.split('/').all(|c| {
            !c.is_empty()
                && c != "."
                && c != ".."
                && !c.contains(['\\', '\0'])
                && matches!(Path::new(c).components().next(), Some(Component::Normal(_)))
        })
}

/// The records of [`MANIFEST`]: files owned, and pending ones with the hash
/// their contents must have.
fn read_manifest(root: &Path) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut owned = BTreeSet::new();
    let mut pending = Vec::new();
    let Ok(text) = fs::read_to_string(root.join(MANIFEST)) else {
        return (owned, pending);
    };
    for line in text.lines() {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::String(rel)) if is_plain(&rel) => {
                owned.insert(rel);
            }
            Ok(serde_json::Value::Array(a)) => {
                if let [
                    serde_json::Value::String(rel),
                    serde_json::Value::String(hash),
                ] = &a[..]
                    && is_plain(rel)
                {
                    pending.push((rel.clone(), hash.clone()));
                }
            }
            _ => {} // a header, or a line torn by a crash
        }
    }
    (owned, pending)
}

fn hash_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

impl OutDir {
    /// Opens `out` for a build: creates it when missing, reads its list of
    /// files, removes temporary files left by an interrupted build, and
    /// refuses a folder holding a file notecheck did not write (unless
    /// `force`). `Err` is one line for the user.
    pub fn open(out: &Path, force: bool) -> Result<OutDir> {
        match fs::symlink_metadata(out) {
            Ok(m) if !m.is_dir() && !fs::metadata(out).is_ok_and(|m| m.is_dir()) => {
                return Err(Error::Refused(format!(
                    "the output '{}' is not a folder; choose another --out",
                    out.display()
                )));
            }
            Ok(_) => {}
            Err(_) => fs::create_dir_all(out).map_err(|e| Error::io("create", out, e))?,
        }
        let (mut owned, pending) = read_manifest(out);
        for (rel, hash) in pending {
            if fs::read(join(out, &rel)).is_ok_and(|b| hash_hex(&b) == hash) {
                owned.insert(rel);
            }
        }
        // A file present that is not ours (the first one met: a folder
        // full of other files is refused without walking all of it). With
        // `force` nothing needs to be known about other files.
        let mut foreign = None;
        let mut stack = vec![(out.to_path_buf(), String::new())];
        while let Some((dir, prefix)) = stack.pop().filter(|_| !force && foreign.is_none()) {
            let Ok(rd) = fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = rd.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = format!("{prefix}{name}");
                let Ok(t) = e.file_type() else { continue };
                if t.is_dir() {
                    stack.push((e.path(), format!("{rel}/")));
                } else if prefix.is_empty() && name == MANIFEST {
                } else if name.starts_with(TMP_PREFIX) {
                    let _ = fs::remove_file(e.path());
                } else if !owned.contains(&rel) {
                    foreign = Some(rel);
                    break;
                }
            }
        }
        if let Some(first) = foreign {
            return Err(Error::Refused(format!(
                "refusing to write into '{}': it holds files notecheck did not write (such as '{}'); choose another --out, empty it, or pass --force",
                out.display(),
                crate::output::human::visible(&first)
            )));
        }
        // Forget files that are gone.
        owned.retain(|rel| fs::symlink_metadata(join(out, rel)).is_ok());
        let journal = OpenOptions::new()
            .create(true)
            .append(true)
            .open(out.join(MANIFEST))
            .map_err(|e| Error::io("write", out.join(MANIFEST), e))?;
        Ok(OutDir {
            inside: Mutex::default(),
            root: out.to_path_buf(),
            owned: Mutex::new(owned),
            journal: Mutex::new(Some(journal)),
            counter: AtomicU64::new(0),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether notecheck wrote `rel` (and it is still there).
    pub fn owns(&self, rel: &str) -> bool {
        self.owned.lock().is_ok_and(|o| o.contains(rel))
    }

    /// Writes `bytes` to `rel` atomically and records it as notecheck's.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        if !is_plain(rel) {
            return Err(Error::Internal(format!("bad site path {rel:?}")));
        }
        let path = join(&self.root, rel);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir).map_err(|e| Error::io("create", dir, e))?;
        // A folder inside the site that is a link to elsewhere is not written through.
        let known = || self.inside.lock().is_ok_and(|k| k.contains(dir));
        if dir != self.root.as_path() && !known() {
            let inside = match (fs::canonicalize(dir), fs::canonicalize(&self.root)) {
                (Ok(d), Ok(r)) => d.starts_with(r),
                _ => false,
            };
            if inside && let Ok(mut k) = self.inside.lock() {
                k.insert(dir.to_path_buf());
            }
            if !inside {
                return Err(Error::Refused(format!(
                    "refusing to write {}: its folder leads out of '{}'",
                    path.display(),
                    self.root.display()
                )));
            }
        }
        let tmp = dir.join(format!(
            "{TMP_PREFIX}{}-{}",
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            // No fsync: a rename is atomic for every reader and survives a
            // killed process; only a power cut could lose the newest pages
            // (and a rebuild writes them again).
            drop(f);
            // Pending: counts once the file holds these bytes.
            if let Ok(mut j) = self.journal.lock()
                && let Some(j) = j.as_mut()
            {
                let line = serde_json::json!([rel, hash_hex(bytes)]).to_string();
                j.write_all(format!("{line}\n").as_bytes())?;
            }
            fs::rename(&tmp, &path)
        })();
        match result {
            Ok(()) => {
                if let Ok(mut o) = self.owned.lock() {
                    o.insert(rel.to_string());
                }
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(Error::io("write", path, e))
            }
        }
    }

    /// Removes `rel` when notecheck wrote it (and folders left empty, never
    /// the output folder itself). True when a file was removed.
    pub fn remove(&self, rel: &str) -> bool {
        if !is_plain(rel) || !self.owns(rel) {
            return false;
        }
        let path = join(&self.root, rel);
        if fs::remove_file(&path).is_err() {
            return false;
        }
        if let Ok(mut o) = self.owned.lock() {
            o.remove(rel);
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || !d.starts_with(&self.root) || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
        true
    }

    /// Every file notecheck owns in the folder, sorted.
    pub fn owned(&self) -> Vec<String> {
        self.owned
            .lock()
            .map(|o| o.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Rewrites the list as the files owned now (atomically).
    pub fn commit(&self) -> Result<()> {
        let mut text = String::from("{\"notecheck-site\":1}\n");
        for rel in self.owned() {
            text.push_str(&serde_json::Value::String(rel).to_string());
            text.push('\n');
        }
        if fs::read_to_string(self.root.join(MANIFEST)).is_ok_and(|t| t == text) {
            return Ok(());
        }
        if let Ok(mut j) = self.journal.lock() {
            *j = None;
        }
        let tmp = self
            .root
            .join(format!("{TMP_PREFIX}{}-manifest", std::process::id()));
        fs::write(&tmp, text)
            .and_then(|()| fs::rename(&tmp, self.root.join(MANIFEST)))
            .map_err(|e| {
                let _ = fs::remove_file(&tmp);
                Error::io("write", self.root.join(MANIFEST), e)
            })?;
        let journal = OpenOptions::new()
            .append(true)
            .open(self.root.join(MANIFEST))
            .ok();
        if let Ok(mut j) = self.journal.lock() {
            *j = journal;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder, removed when the guard drops; tests use its (not
    /// yet existing) `site/`.
    fn tmp(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("notecheck-outdir-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn pending_records_count_only_once_written() {
        let d = tmp("pending");
        let d = d.path().join("site");
        let o = OutDir::open(&d, false).unwrap();
        o.write("a.html", b"A").unwrap();
        drop(o);
        // As after a kill: a pending record whose rename never happened.
        fs::write(d.join("b.html"), "user's own").unwrap();
        let mut m = fs::OpenOptions::new()
            .append(true)
            .open(d.join(MANIFEST))
            .unwrap();
        writeln!(m, "{}", serde_json::json!(["b.html", hash_hex(b"ours")])).unwrap();
        writeln!(m, "[\"torn").unwrap();
        drop(m);
        fs::write(d.join(".notecheck-tmp-1-2"), "half").unwrap();
        let err = OutDir::open(&d, false).unwrap_err();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        let err = err.to_string();
        assert!(err.contains("b.html") && err.contains("--force"), "{err}");
        let o = OutDir::open(&d, true).unwrap();
        assert!(o.owns("a.html") && !o.owns("b.html"));
        assert!(!d.join(".notecheck-tmp-1-2").exists());
        assert!(!o.remove("b.html"));
        assert!(d.join("b.html").exists());
        assert!(o.remove("a.html"));
        o.commit().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_linked_folder() {
        let d = tmp("linked");
        let d = d.path().join("site");
        let elsewhere = tmp("linked-elsewhere");
        let elsewhere = elsewhere.path().join("site");
        fs::create_dir_all(&d).unwrap();
        fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, d.join("sub")).unwrap();
        assert!(
            OutDir::open(&d, false).is_err(),
            "the link is not notecheck's"
        );
        let o = OutDir::open(&d, true).unwrap();
        let err = o.write("sub/x.html", b"x").unwrap_err();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        let err = err.to_string();
        assert!(err.contains("leads out"), "{err}");
        assert_eq!(fs::read_dir(&elsewhere).unwrap().count(), 0);
        o.write("y.html", b"y").unwrap();
    }

    #[test]
    fn refuses_outputs_around_the_notes() {
        let d = tmp("around");
        let d = d.path().join("site");
        fs::create_dir_all(d.join("notes/sub")).unwrap();
        let notes = d.join("notes");
        for bad in [
            d.join("notes"),
            d.join("notes/sub/site"),
            d.clone(),
            d.join("notes/./"),
        ] {
            assert!(check_not_notes(&bad, &notes).is_err(), "{}", bad.display());
        }
        assert!(check_not_notes(&d.join("site"), &notes).is_ok());
        assert!(check_not_notes(&d.join("notes-site"), &notes).is_ok());
        assert!(check_report_file(&d.join("notes/a.md"), &notes, &[]).is_err());
        assert!(check_report_file(&d.join("report.xml"), &notes, &[]).is_ok());
    }
}
