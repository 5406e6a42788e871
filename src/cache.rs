//! The check cache: one file per note key in `.notecheck-cache/`, so that an
//! unchanged note is not checked again.
//!
//! A note's key is a BLAKE3 hash of everything its [`NoteResult`] depends
//! on: the tool (version, cache format, and the identity of the running
//! executable, so that a rebuilt binary never reads results of an older
//! one), the project configuration as parsed, and the note itself (path,
//! path in the notes folder, text, and the problems met reading it). A
//! result is only ever looked up by its full key, so nothing can be stale:
//! a changed input is a different key.
//!
//! Results are stored in postcard (a compact binary serde format), which
//! round-trips every `f64` exactly, NaN included; JSON would not. A file
//! carries a magic header, its key and a checksum of its payload; one that
//! is truncated, corrupt or from another format is ignored and recomputed,
//! never an error. Writes go to a temporary file renamed into place, so two
//! runs sharing the folder never see half a file.
//!
//! The same folder holds one manifest per output folder ([`SiteManifest`]):
//! the key of everything the site was rendered from and, for every file
//! written, its size, modification time and a hash of its contents; for
//! every page also the key of its own inputs and its entry on the index.
//! A rebuild whose inputs are unchanged and whose files are untouched does
//! not render at all; otherwise only pages whose inputs changed (or whose
//! file was touched) are rendered, and only files whose contents changed
//! are written. Which files of the folder are notecheck's is kept in the
//! folder itself ([`crate::outdir`]), so that it holds without a cache.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use crate::check::verdict::NoteResult;
use crate::config::ProjectConfig;
use crate::note::Note;

/// Bumped whenever the layout of cache files or of [`NoteResult`] changes
/// in a way the executable identity would not catch (2: typed evidence,
/// `Diagnosis`, claim `source`).
pub const CACHE_FORMAT: u32 = 2;

/// The cache folder's name, created next to `notecheck.yaml`.
pub const CACHE_DIR: &str = ".notecheck-cache";

const MAGIC: &[u8; 8] = b"NCKCACH1";
const HEADER: usize = 8 + 32 + 32;

/// A 32-byte BLAKE3 hash.
pub type Key = [u8; 32];

/// `.notecheck-cache` next to the configuration file `config_path`
/// (`notecheck.yaml` in the current directory: `./.notecheck-cache`).
pub fn dir_for(config_path: &Path) -> PathBuf {
    match config_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(CACHE_DIR),
        _ => PathBuf::from(CACHE_DIR),
    }
}

/// What identifies the running tool: version, cache format, and the
/// executable's path, size and modification time (a rebuilt binary, even
/// of the same version, gets fresh keys).
pub fn tool_identity() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| {
                let m = fs::metadata(&p).ok()?;
                let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
                Some(format!("{}|{}|{}", p.display(), m.len(), t.as_nanos()))
            })
            .unwrap_or_else(|| "unknown-executable".to_string());
        format!(
            "notecheck {} cache-format {} exe {}",
            env!("CARGO_PKG_VERSION"),
            CACHE_FORMAT,
            exe
        )
    })
}

/// Feeds length-prefixed fields into a hasher, so that field boundaries
/// cannot be confused (`"ab","c"` ≠ `"a","bc"`).
struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    fn new(domain: &str) -> KeyHasher {
        let mut h = KeyHasher(blake3::Hasher::new());
        h.field(domain.as_bytes());
        h.field(tool_identity().as_bytes());
        h
    }
    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }
    fn finish(&self) -> Key {
        *self.0.finalize().as_bytes()
    }
}

/// The part of every note key that comes from the project: the parsed
/// configuration (its `Debug` form: every field, ordered maps only).
pub fn project_key(config: &ProjectConfig) -> Key {
    KeyHasher::new("project")
        .field(format!("{config:?}").as_bytes())
        .finish()
}

/// The key of one note's result under the project key `project`.
pub fn note_key(project: &Key, note: &Note) -> Key {
    let lines = note.line_index();
    let errors: Vec<String> = note
        .errors
        .iter()
        .map(|e| {
            let (line, col) = lines.line_col(e.span.start);
            format!("{line}:{col}:{}", e.message)
        })
        .collect();
    KeyHasher::new("note")
        .field(project)
        .field(note.path.as_bytes())
        .field(note.rel_path.to_string_lossy().as_bytes())
        .field(note.source.as_bytes())
        .field(errors.join("\n").as_bytes())
        .finish()
}

/// A fingerprint of the report templates: the built-in ones and, when
/// `dir` is given, every file in it (name and contents).
pub fn templates_key(dir: Option<&Path>) -> Key {
    let mut h = KeyHasher::new("templates");
    for (name, text) in crate::report::DEFAULT_TEMPLATES {
        h.field(name.as_bytes()).field(text.as_bytes());
    }
    if let Some(dir) = dir {
        h.field(dir.to_string_lossy().as_bytes());
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        for f in files {
            if let Ok(bytes) = fs::read(&f) {
                h.field(f.to_string_lossy().as_bytes()).field(&bytes);
            }
        }
    }
    h.finish()
}

/// Lowercase hexadecimal.
pub fn hex(key: &Key) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache folder, or nothing (`--no-cache`).
#[derive(Debug)]
pub struct Cache {
    dir: Option<PathBuf>,
    tmp_counter: AtomicU64,
}

impl Cache {
    /// A cache in `dir` (created on first write), or a disabled one.
    pub fn new(dir: Option<PathBuf>) -> Cache {
        Cache {
            dir,
            tmp_counter: AtomicU64::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn result_path(&self, key: &Key) -> Option<PathBuf> {
        let h = hex(key);
        Some(self.dir.as_ref()?.join("results").join(&h[..2]).join(&h))
    }

    /// The stored result for `key`; `None` when missing, unreadable or corrupt.
    pub fn load(&self, key: &Key) -> Option<NoteResult> {
        let bytes = fs::read(self.result_path(key)?).ok()?;
        let payload = unframe(&bytes, key)?;
        postcard::from_bytes(payload).ok()
    }

    /// Store `result` under `key`. Failures (read-only folder, full disk)
    /// are ignored: the cache is only ever an optimisation.
    pub fn store(&self, key: &Key, result: &NoteResult) {
        let Some(path) = self.result_path(key) else {
            return;
        };
        let Ok(payload) = postcard::to_allocvec(result) else {
            return;
        };
        // Only store what reads back as itself (guards against a serde
        // attribute that a non-self-describing format cannot honour).
        match postcard::from_bytes::<NoteResult>(&payload) {
            Ok(back) if postcard::to_allocvec(&back).ok().as_deref() == Some(&payload[..]) => {}
            _ => return,
        }
        self.write_atomic(&path, &frame(key, &payload));
    }

    /// Write `bytes` to `path` through a temporary file renamed into place.
    fn write_atomic(&self, path: &Path, bytes: &[u8]) {
        let Some(parent) = path.parent() else {
            return;
        };
        if fs::create_dir_all(parent).is_err() {
            return;
        }
        self.mark_dir();
        let tmp = parent.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            self.tmp_counter.fetch_add(1, Ordering::Relaxed)
        ));
        if fs::write(&tmp, bytes).is_ok() {
            if fs::rename(&tmp, path).is_err() {
                let _ = fs::remove_file(&tmp);
            }
        } else {
            let _ = fs::remove_file(&tmp);
        }
    }

    /// Mark the folder as a cache: ignored by git and by backup tools.
    fn mark_dir(&self) {
        static DONE: OnceLock<()> = OnceLock::new();
        let Some(dir) = &self.dir else {
            return;
        };
        DONE.get_or_init(|| {
            let gi = dir.join(".gitignore");
            if !gi.exists() {
                let _ = fs::write(&gi, "# created by notecheck\n*\n");
            }
            let tag = dir.join("CACHEDIR.TAG");
            if !tag.exists() {
                let _ = fs::write(
                    &tag,
                    "Signature: 8a477f597d28d172789f06886806bc55\n# notecheck's check cache; safe to delete.\n",
                );
            }
        });
    }

    /// Remove stored results whose keys are not in `keep` once there are
    /// more than `limit` of them (old versions of edited notes pile up).
    pub fn prune(&self, keep: &[Key], limit: usize) {
        let Some(dir) = &self.dir else {
            return;
        };
        let root = dir.join("results");
        let mut files = Vec::new();
        for sub in fs::read_dir(&root).into_iter().flatten().flatten() {
            for f in fs::read_dir(sub.path()).into_iter().flatten().flatten() {
                files.push(f.path());
            }
        }
        if files.len() <= limit {
            return;
        }
        let keep: std::collections::BTreeSet<String> = keep.iter().map(hex).collect();
        for f in files {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| !keep.contains(&n)) {
                let _ = fs::remove_file(&f);
            }
        }
    }

    /// `sites/<hash of the site folder>.<ext>`: one name per folder whatever
    /// the tool's version (a manifest written by another build of the tool
    /// fails its frame check and is replaced).
    fn site_path(&self, out: &Path, ext: &str) -> Option<PathBuf> {
        let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
        let h = blake3::hash(format!("notecheck site folder\n{}", abs.display()).as_bytes());
        Some(
            self.dir
                .as_ref()?
                .join("sites")
                .join(format!("{}.{ext}", &h.to_hex()[..32])),
        )
    }

    fn manifest_path(&self, out: &Path) -> Option<PathBuf> {
        self.site_path(out, "manifest")
    }

    /// The manifest of the site last rendered into `out`.
    pub fn load_manifest(&self, out: &Path) -> Option<SiteManifest> {
        let bytes = fs::read(self.manifest_path(out)?).ok()?;
        let key = manifest_frame_key(out);
        postcard::from_bytes(unframe(&bytes, &key)?).ok()
    }

    pub fn store_manifest(&self, out: &Path, m: &SiteManifest) {
        let Some(path) = self.manifest_path(out) else {
            return;
        };
        if let Ok(payload) = postcard::to_allocvec(m) {
            self.write_atomic(&path, &frame(&manifest_frame_key(out), &payload));
        }
    }
}

fn manifest_frame_key(out: &Path) -> Key {
    let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    KeyHasher::new("manifest-2")
        .field(abs.to_string_lossy().as_bytes())
        .finish()
}

fn frame(key: &Key, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER + payload.len());
    v.extend_from_slice(MAGIC);
    v.extend_from_slice(key);
    v.extend_from_slice(blake3::hash(payload).as_bytes());
    v.extend_from_slice(payload);
    v
}

fn unframe<'a>(bytes: &'a [u8], key: &Key) -> Option<&'a [u8]> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC || &bytes[8..40] != key {
        return None;
    }
    let payload = &bytes[HEADER..];
    (blake3::hash(payload).as_bytes() == &bytes[40..72]).then_some(payload)
}

/// What a site folder was rendered from, and what was written.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteManifest {
    /// Hash of every input of the rendering (note keys, templates, options).
    pub inputs: Key,
    /// One per note page, in the notes' order.
    pub pages: Vec<PageRecord>,
    /// The index and the assets.
    pub files: Vec<FileRecord>,
}

/// One note page as written.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PageRecord {
    pub file: FileRecord,
    /// Hash of the page's inputs (its note's key, templates, options).
    pub key: Key,
    /// The page's row on the index.
    pub entry: crate::report::IndexEntry,
    /// The page's figure files.
    pub figures: Vec<FileRecord>,
}

impl PageRecord {
    /// True when the page and its figure files are on disk as written.
    pub fn is_current(&self, out: &Path) -> bool {
        self.file.is_current(out) && self.figures.iter().all(|f| f.is_current(out))
    }
}

/// A file written into the site folder.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    /// Relative to the site folder, `/`-separated.
    pub rel: String,
    /// Size and modification time (nanoseconds since the epoch) after writing.
    pub len: u64,
    pub mtime: u128,
    /// BLAKE3 hash of the contents.
    pub hash: Key,
}

impl FileRecord {
    /// Write `text` to `rel` under `out`, unless the file already holds
    /// exactly this text (as `old` records, when the file is untouched
    /// since; else as read back). Returns the record and whether the file
    /// was written.
    /// The file is written atomically through `dir` (a temporary file,
    /// then a rename) and recorded there as notecheck's.
    pub fn write(
        dir: &crate::outdir::OutDir,
        rel: &str,
        text: &str,
        old: Option<&FileRecord>,
    ) -> crate::error::Result<(FileRecord, bool)> {
        let out = dir.root();
        let hash = *blake3::hash(text.as_bytes()).as_bytes();
        if let Some(o) = old
            && o.rel == rel
            && o.hash == hash
            && o.is_current(out)
            && dir.owns(rel)
        {
            return Ok((o.clone(), false));
        }
        let path = crate::report::site_file(out, rel);
        // Without a record (no cache, or a touched file) the file itself
        // tells whether it already holds this text.
        let same = dir.owns(rel)
            && stat(&path).is_some_and(|(len, _)| len == text.len() as u64)
            && fs::read(&path).is_ok_and(|b| b == text.as_bytes());
        if !same {
            dir.write(rel, text.as_bytes())?;
        }
        let (len, mtime) = stat(&path).unwrap_or((u64::MAX, 0));
        Ok((
            FileRecord {
                rel: rel.to_string(),
                len,
                mtime,
                hash,
            },
            !same,
        ))
    }

    /// True when the file is on disk with the recorded size and time.
    pub fn is_current(&self, out: &Path) -> bool {
        stat(&crate::report::site_file(out, &self.rel)) == Some((self.len, self.mtime))
    }
}

/// Size and modification time (nanoseconds since the epoch) of `path`.
fn stat(path: &Path) -> Option<(u64, u128)> {
    let m = fs::metadata(path).ok()?;
    let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((m.len(), t.as_nanos()))
}

impl SiteManifest {
    /// The record of the (non-page) file `rel`, if any.
    pub fn file(&self, rel: &str) -> Option<&FileRecord> {
        self.files.iter().find(|f| f.rel == rel)
    }

    /// True when `inputs` match and every file recorded is on disk as written.
    pub fn is_current(&self, inputs: &Key, out: &Path) -> bool {
        &self.inputs == inputs
            && self
                .pages
                .iter()
                .flat_map(|p| std::iter::once(&p.file).chain(&p.figures))
                .chain(&self.files)
                .all(|f| f.is_current(out))
    }
}

/// A key over a sequence of parts (for the site's inputs).
pub fn combine(domain: &str, parts: &[&[u8]]) -> Key {
    let mut h = KeyHasher::new(domain);
    for p in parts {
        h.field(p);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_reject_corruption_and_wrong_keys() {
        let k = [7u8; 32];
        let f = frame(&k, b"payload");
        assert_eq!(unframe(&f, &k), Some(&b"payload"[..]));
        assert_eq!(unframe(&f, &[8u8; 32]), None);
        let mut bad = f.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(unframe(&bad, &k), None);
        assert_eq!(unframe(&f[..f.len() - 1], &k), None);
        assert_eq!(unframe(b"short", &k), None);
    }

    #[test]
    fn keys_separate_fields() {
        let a = combine("t", &[b"ab", b"c"]);
        let b = combine("t", &[b"a", b"bc"]);
        assert_ne!(a, b);
        assert_eq!(a, combine("t", &[b"ab", b"c"]));
    }
}
