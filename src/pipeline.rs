//! The stages wired together: load notes, check them, render.
//!
//! `main.rs` only parses the command line and calls these.
//!
//! Notes are read and checked in parallel (one note per task; a note's
//! check is single-threaded), results come back in the notes' order;
//! [`build`] renders each note's page as soon as the note is checked. With
//! a [`Cache`], a note whose key is unchanged is not checked again, a page
//! whose inputs (the note's key, the templates, the options) are unchanged
//! and whose file is untouched is not rendered again, a file whose text is
//! unchanged is not written again, and the page of a note that is gone is
//! removed; a site whose inputs and files are all unchanged is not even
//! indexed again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::{self, Cache, FileRecord, Key, PageRecord, SiteManifest};
use crate::check::verdict::NoteResult;
use crate::config::ProjectConfig;
use crate::note::{self, Note};

/// The project as found on disk.
pub struct Project {
    pub config: ProjectConfig,
    pub notes_dir: PathBuf,
    pub notes: Vec<Note>,
    /// The notes' paths, computed on first use (see [`note_paths`]).
    pub note_paths: OnceLock<BTreeSet<String>>,
}

/// The worker threads: one per core, with the main thread's stack size so
/// that deeply nested input recurses as far in parallel as it did serially.
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(8 << 20)
            .thread_name(|i| format!("notecheck-{i}"))
            .build()
            .expect("a thread pool")
    })
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
    let t0 = Instant::now();
    let files = note::walk(&notes_dir)?;
    let notes = pool().install(|| {
        files
            .par_iter()
            .map(|f| note::read_note(f, &notes_dir))
            .collect()
    });
    timing("load", t0);
    Ok(Project {
        config,
        notes_dir,
        notes,
        note_paths: OnceLock::new(),
    })
}

/// Check every note (in parallel, without a cache); one note's problems
/// never stop another. `results[i]` is `project.notes[i]`'s.
pub fn check_all(project: &Project) -> Vec<NoteResult> {
    check_all_with(project, &Cache::new(None), false).results
}

/// The outcome of [`check_all_with`].
pub struct CheckRun {
    /// One per note, in the notes' order.
    pub results: Vec<NoteResult>,
    /// Each note's cache key (computed whether or not the cache is on).
    pub keys: Vec<Key>,
    /// Notes checked in this run.
    pub checked: usize,
    /// Notes whose result came from the cache.
    pub from_cache: usize,
    /// When the run started (a progress display waits a second from here).
    pub started: Instant,
    /// Whether to show progress on standard error.
    pub progress: bool,
}

impl CheckRun {
    /// `checked N notes, M from cache`.
    pub fn summary(&self) -> String {
        format!(
            "checked {} notes, {} from cache",
            self.results.len(),
            self.from_cache
        )
    }
}

/// Check every note, in parallel, through `cache`; with `progress`, a
/// progress bar is drawn on standard error once the run has taken a second.
pub fn check_all_with(project: &Project, cache: &Cache, progress: bool) -> CheckRun {
    let started = Instant::now();
    let project_key = cache::project_key(&project.config);
    let done = Arc::new(AtomicUsize::new(0));
    let bar = progress.then(|| {
        Bar::start(
            started,
            Some(project.notes.len()),
            Arc::clone(&done),
            "notes checked",
        )
    });
    let outcomes: Vec<(NoteResult, Key, bool)> = pool().install(|| {
        project
            .notes
            .par_iter()
            .map(|n| {
                let key = cache::note_key(&project_key, n);
                let (result, hit) = check_one(project, cache, n, &key);
                done.fetch_add(1, Ordering::Relaxed);
                (result, key, hit)
            })
            .collect()
    });
    drop(bar);
    let run = check_run(outcomes, cache, started, progress);
    timing("check", started);
    run
}

/// A note's result from `cache`, or checked (and stored); true when cached.
/// Its warnings (formulas, links: see [`crate::report::lint`]) are found
/// afresh every time, since they depend on other files.
fn check_one(project: &Project, cache: &Cache, note: &Note, key: &Key) -> (NoteResult, bool) {
    let (mut r, hit) = check_only(project, cache, note, key);
    r.warnings = warnings(project, note);
    (r, hit)
}

/// [`check_one`] without the warnings.
fn check_only(project: &Project, cache: &Cache, note: &Note, key: &Key) -> (NoteResult, bool) {
    match cache.load(key) {
        Some(r) => (r, true),
        None => {
            let r = crate::check::check(note, &project.config);
            cache.store(key, &r);
            (r, false)
        }
    }
}

/// A note's warnings, read afresh (see [`crate::report::lint`]).
fn warnings(project: &Project, note: &Note) -> Vec<crate::check::verdict::Warning> {
    crate::report::lint::lint_note(
        note,
        &project.config.math.macros,
        &project.notes_dir,
        note_paths(project),
    )
    .warnings
}

/// The notes' paths in the notes folder, `/`-separated.
fn note_paths(project: &Project) -> &BTreeSet<String> {
    project.note_paths.get_or_init(|| {
        project
            .notes
            .iter()
            .map(|n| n.rel_path.to_string_lossy().replace('\\', "/"))
            .collect()
    })
}

/// The run from each note's (result, key, whether cached); prunes the cache.
fn check_run(
    outcomes: Vec<(NoteResult, Key, bool)>,
    cache: &Cache,
    started: Instant,
    progress: bool,
) -> CheckRun {
    let mut results = Vec::with_capacity(outcomes.len());
    let mut keys = Vec::with_capacity(outcomes.len());
    let mut from_cache = 0;
    for (r, k, hit) in outcomes {
        results.push(r);
        keys.push(k);
        from_cache += usize::from(hit);
    }
    let checked = results.len() - from_cache;
    if cache.enabled() && checked > 0 {
        cache.prune(&keys, (4 * keys.len()).max(1024));
    }
    CheckRun {
        checked,
        from_cache,
        results,
        keys,
        started,
        progress,
    }
}

/// A progress display on standard error that appears only once `since` is
/// a second old, and disappears when dropped.
struct Bar {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Bar {
    /// A bar of `len` steps counted by `done`, or a spinner when `len` is `None`.
    fn start(
        since: Instant,
        len: Option<usize>,
        done: Arc<AtomicUsize>,
        what: &'static str,
    ) -> Bar {
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let wait = Duration::from_secs(1).saturating_sub(since.elapsed());
            if rx.recv_timeout(wait) != Err(RecvTimeoutError::Timeout) {
                return;
            }
            let target = indicatif::ProgressDrawTarget::stderr();
            let (bar, template) = match len {
                Some(n) => (
                    indicatif::ProgressBar::with_draw_target(Some(n as u64), target),
                    format!("{{bar:40}} {{pos}}/{{len}} {what} ({{elapsed}})"),
                ),
                None => (
                    indicatif::ProgressBar::with_draw_target(None, target),
                    format!("{{spinner}} {what} ({{elapsed}})"),
                ),
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            loop {
                if len.is_some() {
                    bar.set_position(done.load(Ordering::Relaxed) as u64);
                } else {
                    bar.tick();
                }
                if rx.recv_timeout(Duration::from_millis(100)) != Err(RecvTimeoutError::Timeout) {
                    break;
                }
            }
            bar.finish_and_clear();
        });
        Bar {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The report's options for this project.
pub fn site_options(project: &Project) -> crate::report::SiteOptions {
    crate::report::SiteOptions {
        title: project
            .config
            .title
            .clone()
            .unwrap_or_else(|| "Verified notes".to_string()),
        templates_dir: project.config.templates.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: format!("notecheck check {}", project.notes_dir.display()),
        math_macros: project.config.math.macros.clone(),
        nav: crate::report::site::nav_order(
            &project.notes,
            &project.notes_dir,
            &project.config.order,
        ),
        notes_dir: project.notes_dir.clone(),
    }
}

/// Render the checked notes into a site at `out`.
pub fn render(project: &Project, results: &[NoteResult], out: &Path) -> Result<(), String> {
    crate::report::render_site(&project.notes, results, &site_options(project), out)
}

/// Render like [`render`], through `cache`'s record of `out`: when it
/// records that `out` already holds this very site (same note keys, hence
/// same results, same templates and options, every file as it was written)
/// nothing is rendered; otherwise only the pages whose inputs changed or
/// whose file was touched are rendered, the index is rendered from every
/// page's entry (the unchanged ones from the record), only files whose
/// contents changed are written, and pages written earlier for notes that
/// are gone are removed. Without a cache every page is rendered and
/// written. Returns whether any file of the site changed.
pub fn render_with(
    project: &Project,
    run: &CheckRun,
    out: &Path,
    cache: &Cache,
) -> Result<bool, String> {
    let t0 = Instant::now();
    if project.notes.len() != run.results.len() || run.keys.len() != run.results.len() {
        return Err(format!(
            "internal error: {} notes but {} results",
            project.notes.len(),
            run.results.len()
        ));
    }
    let Some(plan) = SiteBuild::prepare(project, &run.keys, out, cache)? else {
        timing("skip", t0);
        return Ok(false);
    };
    let _bar = run.progress.then(|| {
        Bar::start(
            run.started,
            None,
            Arc::new(AtomicUsize::new(0)),
            "rendering pages",
        )
    });
    let records: Vec<Result<PageRecord, String>> = pool().install(|| {
        (0..project.notes.len())
            .into_par_iter()
            .map(|i| {
                plan.page(project, i, &run.keys[i], &run.results[i])
                    .map(|(record, _)| record)
            })
            .collect()
    });
    let changed = pool().install(|| plan.finish(records, cache))?;
    timing("render", t0);
    Ok(changed)
}

/// [`check_all_with`] and [`render_with`] in one parallel pass: each note's
/// page is rendered as soon as the note is checked, so that checking and
/// rendering overlap. Returns the run and whether any file of the site
/// changed.
pub fn build(
    project: &Project,
    cache: &Cache,
    out: &Path,
    progress: bool,
) -> Result<(CheckRun, bool), String> {
    let started = Instant::now();
    let project_key = cache::project_key(&project.config);
    let keys: Vec<Key> = pool().install(|| {
        project
            .notes
            .par_iter()
            .map(|n| cache::note_key(&project_key, n))
            .collect()
    });
    let plan = SiteBuild::prepare(project, &keys, out, cache)?;
    if plan.is_none() {
        timing("skip", started);
    }
    let done = Arc::new(AtomicUsize::new(0));
    let bar = progress.then(|| {
        Bar::start(
            started,
            Some(project.notes.len()),
            Arc::clone(&done),
            if plan.is_some() {
                "notes checked and rendered"
            } else {
                "notes checked"
            },
        )
    });
    #[allow(clippy::type_complexity)]
    let outcomes: Vec<((NoteResult, Key, bool), Option<Result<PageRecord, String>>)> = pool()
        .install(|| {
            // Load the templates on this thread while the others check.
            let (_, outcomes) = rayon::join(
                || plan.as_ref().map(|p| p.site().is_ok()),
                || {
                    project
                        .notes
                        .par_iter()
                        .zip(keys)
                        .enumerate()
                        .map(|(i, (n, key))| {
                            let (mut result, hit) = check_only(project, cache, n, &key);
                            let page = plan.as_ref().map(|p| p.page(project, i, &key, &result));
                            // A page rendered now found the note's warnings
                            // on the way; otherwise they are read afresh.
                            result.warnings = match &page {
                                Some(Ok((_, Some(w)))) => w.clone(),
                                _ => warnings(project, n),
                            };
                            let page = page.map(|p| p.map(|(record, _)| record));
                            done.fetch_add(1, Ordering::Relaxed);
                            ((result, key, hit), page)
                        })
                        .collect()
                },
            );
            outcomes
        });
    drop(bar);
    let (outcomes, records): (Vec<_>, Vec<_>) = outcomes.into_iter().unzip();
    let run = check_run(outcomes, cache, started, progress);
    timing("check+pages", started);
    let changed = match plan {
        Some(plan) => {
            let records = records
                .into_iter()
                .map(|r| r.unwrap_or_else(|| Err("internal error: a page is missing".into())))
                .collect();
            pool().install(|| plan.finish(records, cache))?
        }
        None => false,
    };
    timing("build", started);
    Ok((run, changed))
}

/// A site being rendered into a folder: the templates, the keys of the
/// inputs and what the cache recorded of the last rendering there.
struct SiteBuild {
    /// Loaded by whichever thread needs it first (see [`SiteBuild::site`]).
    site: OnceLock<Result<crate::report::Site, String>>,
    opts: crate::report::SiteOptions,
    /// Hash of the templates and options.
    site_key: Key,
    /// Hash of everything the site is rendered from.
    inputs: Key,
    /// The record of the last rendering into the folder (empty without one).
    old: SiteManifest,
    /// Page of each old record, by path.
    old_pages: BTreeMap<String, usize>,
    /// The site folder.
    out: PathBuf,
    /// Where each note's page goes.
    rels: Vec<String>,
    /// The pages this tool may have written into the folder.
    claimed: Vec<String>,
    rendered: AtomicUsize,
    written: AtomicUsize,
}

impl SiteBuild {
    /// `None` when `cache` records that `out` holds this very site already.
    fn prepare(
        project: &Project,
        keys: &[Key],
        out: &Path,
        cache: &Cache,
    ) -> Result<Option<SiteBuild>, String> {
        let opts = site_options(project);
        let templates = cache::templates_key(opts.templates_dir.as_deref());
        let opts_text = format!("{opts:?}");
        let site_key = cache::combine("site", &[&templates, opts_text.as_bytes()]);
        let old = cache.load_manifest(out).unwrap_or_default();
        // The local files the pages link to (as last recorded): one that
        // appears or changes is copied, though no page changes.
        let files = linked_files_state(&opts.notes_dir, &old);
        let mut parts: Vec<&[u8]> = vec![&site_key, files.as_bytes()];
        parts.extend(keys.iter().map(|k| &k[..]));
        let inputs = cache::combine("site-inputs", &parts);
        if cache.enabled() && old.is_current(&inputs, out) {
            return Ok(None);
        }
        // Where every page goes; two notes must not share a page.
        let rels: Vec<String> = project
            .notes
            .iter()
            .map(|n| crate::report::page_path(&n.rel_path))
            .collect();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (rel, note) in rels.iter().zip(&project.notes) {
            if let Some(other) = seen.insert(rel, &note.path) {
                return Err(format!(
                    "{other} and {} would both be written to {rel}",
                    note.path
                ));
            }
        }
        // Before anything is written: every page this build may write is ours.
        let mut claimed = cache.load_owned(out);
        if cache.enabled() {
            claimed.extend(rels.iter().cloned());
            claimed.sort();
            claimed.dedup();
            cache.store_owned(out, &claimed);
        }
        let old_pages = old
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.file.rel.clone(), i))
            .collect();
        Ok(Some(SiteBuild {
            out: out.to_path_buf(),
            site: OnceLock::new(),
            opts,
            site_key,
            inputs,
            old,
            old_pages,
            rels,
            claimed,
            rendered: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
        }))
    }

    /// Note `i`'s page: as recorded when its inputs are unchanged and its
    /// file untouched, else rendered (and written when its text changed);
    /// with the note's warnings when it was rendered.
    #[allow(clippy::type_complexity)]
    fn page(
        &self,
        project: &Project,
        i: usize,
        note_key: &Key,
        result: &NoteResult,
    ) -> Result<(PageRecord, Option<Vec<crate::check::verdict::Warning>>), String> {
        let key = cache::combine("page", &[&self.site_key, note_key]);
        let rel = &self.rels[i];
        let out_dir = self.out_dir();
        let before = self.old_pages.get(rel).map(|&k| &self.old.pages[k]);
        if let Some(r) = before.filter(|r| r.key == key && r.file.is_current(out_dir)) {
            return Ok((r.clone(), None));
        }
        let page = self.site()?.page(&project.notes[i], result)?;
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let (file, wrote) =
            FileRecord::write(out_dir, &page.rel_path, &page.html, before.map(|r| &r.file))?;
        if wrote {
            self.written.fetch_add(1, Ordering::Relaxed);
        }
        Ok((
            PageRecord {
                file,
                key,
                entry: page.entry,
            },
            Some(page.warnings),
        ))
    }

    /// The templates, loaded on first use (parsing them takes a few
    /// milliseconds: [`build`] starts it beside the first checks).
    fn site(&self) -> Result<&crate::report::Site, String> {
        self.site
            .get_or_init(|| crate::report::Site::new(&self.opts))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn out_dir(&self) -> &Path {
        &self.out
    }

    /// After every page: the index, the assets, the removal of pages of
    /// notes that are gone, the new record. Returns whether any file changed.
    fn finish(
        self,
        records: Vec<Result<PageRecord, String>>,
        cache: &Cache,
    ) -> Result<bool, String> {
        let t0 = Instant::now();
        let out = self.out.as_path();
        let pages: Vec<PageRecord> = records.into_iter().collect::<Result<_, _>>()?;
        let written = self.written.load(Ordering::Relaxed);
        let mut changed = written > 0;
        let entries: Vec<crate::report::IndexEntry> =
            pages.iter().map(|p| p.entry.clone()).collect();
        let site = self.site()?;
        let index = site.index(&entries)?;
        let mut files = Vec::new();
        let (f, wrote) = FileRecord::write(
            out,
            crate::report::INDEX,
            &index,
            self.old.file(crate::report::INDEX),
        )?;
        changed |= wrote;
        files.push(f);
        for (rel, text) in site.assets() {
            let (f, wrote) = FileRecord::write(out, rel, text, self.old.file(rel))?;
            changed |= wrote;
            files.push(f);
        }
        for (rel, text) in site.generated(&entries)? {
            let (f, wrote) = FileRecord::write(out, rel, &text, self.old.file(rel))?;
            changed |= wrote;
            files.push(f);
        }
        crate::report::lint::copy_assets(&self.opts.notes_dir, out, &entries)?;
        // Pages of notes that are gone (only ever pages this tool wrote).
        let current: BTreeSet<&str> = self.rels.iter().map(String::as_str).collect();
        for stale in self
            .claimed
            .iter()
            .filter(|p| !current.contains(p.as_str()))
        {
            let path = crate::report::site_file(out, stale);
            if std::fs::remove_file(&path).is_ok() {
                changed = true;
                // Folders left empty go too (never the site folder itself).
                let mut dir = path.parent();
                while let Some(d) = dir {
                    if d == out || !d.starts_with(out) || std::fs::remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
            }
        }
        if cache.enabled() {
            let mut owned = self.rels.clone();
            owned.sort();
            cache.store_owned(out, &owned);
            cache.store_manifest(
                out,
                &SiteManifest {
                    inputs: self.inputs,
                    pages,
                    files,
                },
            );
        }
        timing("index", t0);
        if timing_on() {
            eprintln!(
                "timing: {} pages rendered, {written} written",
                self.rendered.load(Ordering::Relaxed)
            );
        }
        Ok(changed)
    }
}

/// Size and modification time of every local file the recorded pages link
/// to (`-` when missing), one line each, in order.
fn linked_files_state(notes_dir: &Path, old: &SiteManifest) -> String {
    let files: BTreeSet<&str> = old
        .pages
        .iter()
        .flat_map(|p| p.entry.assets.iter().map(String::as_str))
        .collect();
    let mut s = String::new();
    for rel in files {
        let mut path = notes_dir.to_path_buf();
        path.extend(rel.split('/'));
        match std::fs::metadata(&path) {
            Ok(m) => {
                let t = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                s.push_str(&format!("{rel} {} {t}\n", m.len()));
            }
            Err(_) => s.push_str(&format!("{rel} -\n")),
        }
    }
    s
}

fn timing_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("NOTECHECK_TIMING").is_some())
}

/// With `NOTECHECK_TIMING` set, print how long `stage` took (for benchmarks).
fn timing(stage: &str, since: Instant) {
    if timing_on() {
        eprintln!(
            "timing: {stage:<7} {:8.1} ms",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic")
    }

    /// A project in a fresh temporary folder: the basic fixtures and a
    /// note in a subfolder.
    fn project_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("notecheck-pipeline-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("notes/sub")).unwrap();
        for f in ["gradients.md", "identities.md"] {
            std::fs::copy(fixtures().join(f), dir.join("notes").join(f)).unwrap();
        }
        std::fs::write(
            dir.join("notes/sub/extra.md"),
            "# Extra\n\n```check\nlet A, B ∈ R^{n×n}\n(A B)^T = B^T A^T\n```\n",
        )
        .unwrap();
        dir
    }

    fn files(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
                    out.insert(rel, (std::fs::read(&p).unwrap(), mtime));
                }
            }
        }
        out
    }

    fn build_in(dir: &Path, cache: &Cache) -> (CheckRun, bool) {
        let project = load(Some(&dir.join("notes")), &dir.join("notecheck.yaml")).unwrap();
        build(&project, cache, &dir.join("site"), false).unwrap()
    }

    #[test]
    fn rebuilds_render_and_write_only_what_changed() {
        let dir = project_dir("incremental");
        let cache = Cache::new(Some(dir.join(".notecheck-cache")));
        let out = dir.join("site");
        let (run, changed) = build_in(&dir, &cache);
        assert!(changed);
        let n = run.results.len();
        assert_eq!(n, 3);

        // The same bytes as the whole site rendered in one go.
        let project = load(Some(&dir.join("notes")), &dir.join("notecheck.yaml")).unwrap();
        render(&project, &check_all(&project), &dir.join("whole")).unwrap();
        let first = files(&out);
        let whole = files(&dir.join("whole"));
        assert_eq!(
            first.iter().map(|(k, v)| (k, &v.0)).collect::<Vec<_>>(),
            whole.iter().map(|(k, v)| (k, &v.0)).collect::<Vec<_>>()
        );

        // Nothing changed: nothing checked, nothing written.
        let (run, changed) = build_in(&dir, &cache);
        assert!(!changed);
        assert_eq!(run.from_cache, n);
        assert_eq!(files(&out), first);

        // One note edited: its page and the index are written, no other file.
        let edited = dir.join("notes/identities.md");
        let mut text = std::fs::read_to_string(&edited).unwrap();
        text.push_str("\n```check\nlet P, Q ∈ R^{n×n}\n(P Q)^T = P^T Q^T\n```\n");
        std::fs::write(&edited, text).unwrap();
        let (run, changed) = build_in(&dir, &cache);
        assert!(changed);
        assert_eq!(run.from_cache, n - 1);
        let second = files(&out);
        for (rel, (bytes, mtime)) in &first {
            let now = &second[rel];
            // The search index holds the new claim; the sidebar's verdicts
            // (assets/verdicts.css) and every other page are left alone.
            if rel == "identities.html" || rel == "index.html" || rel == "search-index.js" {
                assert_ne!(&now.0, bytes, "{rel} shows the edit");
            } else {
                assert_eq!(now, &(bytes.clone(), *mtime), "{rel} left alone");
            }
        }

        // A deleted note's page goes (and its folder, now empty); a file
        // this tool did not write stays.
        std::fs::write(out.join("mine.html"), "mine").unwrap();
        std::fs::remove_file(dir.join("notes/sub/extra.md")).unwrap();
        let (_, changed) = build_in(&dir, &cache);
        assert!(changed);
        assert!(!out.join("sub/extra.html").exists());
        assert!(!out.join("sub").exists());
        assert_eq!(
            std::fs::read_to_string(out.join("mine.html")).unwrap(),
            "mine"
        );
        assert!(out.join("gradients.html").is_file());

        // The sidebar lists the notes: with one gone, every page changed.
        let after_delete = std::fs::read(out.join("gradients.html")).unwrap();
        assert_ne!(after_delete, first["gradients.html"].0);

        // A page edited by hand is written again, from the record.
        std::fs::write(out.join("gradients.html"), "hand edit").unwrap();
        let (run, changed) = build_in(&dir, &cache);
        assert!(changed);
        assert_eq!(run.from_cache, run.results.len());
        assert_eq!(
            std::fs::read(out.join("gradients.html")).unwrap(),
            after_delete
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn render_with_skips_an_unchanged_site() {
        let dir = project_dir("render-with");
        let cache = Cache::new(Some(dir.join(".notecheck-cache")));
        let out = dir.join("site");
        let project = load(Some(&dir.join("notes")), &dir.join("notecheck.yaml")).unwrap();
        let run = check_all_with(&project, &cache, false);
        assert!(render_with(&project, &run, &out, &cache).unwrap());
        let before = files(&out);
        let run = check_all_with(&project, &cache, false);
        assert!(!render_with(&project, &run, &out, &cache).unwrap());
        assert_eq!(files(&out), before);
        // Without a cache every page is rendered, and files whose text is
        // unchanged are still not written.
        let none = Cache::new(None);
        let run = check_all_with(&project, &none, false);
        assert!(!render_with(&project, &run, &out, &none).unwrap());
        assert_eq!(files(&out), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
