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
use crate::check::verdict::{CheckedNote, NoteResult};
use crate::config::ProjectConfig;
use crate::error::{Error, Result};
use crate::note::{self, Note};
use crate::outdir::OutDir;
use crate::target::Target;

/// The project as found on disk.
pub struct Project {
    pub config: ProjectConfig,
    pub notes_dir: PathBuf,
    pub notes: Vec<Note>,
    /// The notes' paths, computed on first use (see `note_paths`).
    pub note_paths: OnceLock<BTreeSet<String>>,
    /// Write into an output folder that holds files notecheck did not
    /// write (`--force`; they are never removed).
    pub force: bool,
    /// The folder of `notecheck.yaml` (empty: the current folder); the
    /// default notes and output folders are taken from it.
    pub root: PathBuf,
    /// Only some notes of the notes folder were loaded (a target naming
    /// one note): a build writes their pages and neither removes nor
    /// forgets the pages of the others.
    pub partial: bool,
}

impl Project {
    /// The output folder: `out` when given, else `out:` of the
    /// configuration, else `site` beside `notecheck.yaml`.
    pub fn out_dir(&self, out: Option<PathBuf>) -> PathBuf {
        out.or_else(|| self.config.out.clone())
            .unwrap_or_else(|| self.root.join("site"))
    }
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

/// Read the configuration file `config_path` (when it exists) and every
/// note of `notes_arg` (a folder), or of `notes:` in the configuration, or
/// of `notes` beside the configuration file.
/// `Err` is the one line to print before exiting with status 2.
pub fn load(notes_arg: Option<&Path>, config_path: &Path) -> Result<Project> {
    load_target(notes_arg.map(Target::all).as_ref(), config_path)
}

/// [`load`] for a target: a folder, or one note (the target's selection
/// of claims is applied after checking, see [`Target::apply`]). Relative
/// `notes`, `out` and `templates` in the configuration are taken from the
/// configuration file's folder.
pub fn load_target(target: Option<&Target>, config_path: &Path) -> Result<Project> {
    let root = crate::target::config_base(config_path);
    let mut config = if config_path.is_file() {
        crate::config::load_project(config_path)?
    } else {
        ProjectConfig::default()
    };
    for p in [&mut config.notes, &mut config.out, &mut config.templates]
        .into_iter()
        .flatten()
    {
        if p.is_relative() {
            *p = root.join(&*p);
        }
    }
    let project_notes = config.notes.clone().unwrap_or_else(|| root.join("notes"));
    let t0 = Instant::now();
    if let Some(t) = target.filter(|t| t.is_file()) {
        // One note: its page goes where it would in the whole site when it
        // lies in the project's notes folder.
        let inside = |dir: &Path| match (std::fs::canonicalize(dir), std::fs::canonicalize(&t.path))
        {
            (Ok(d), Ok(f)) => f.starts_with(d),
            _ => false,
        };
        let notes_dir = if inside(&project_notes) {
            project_notes
        } else {
            match t.path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        };
        let notes = vec![note::read_note(&t.path, &notes_dir)];
        timing("load", t0);
        return Ok(Project {
            config,
            notes_dir,
            notes,
            root,
            partial: true,
            force: false,
            note_paths: OnceLock::new(),
        });
    }
    let notes_dir = target.map(|t| t.path.clone()).unwrap_or(project_notes);
    if let Some(t) = target
        && !notes_dir.exists()
        && (t.spec.contains([':', '#']) || t.path.extension().is_some_and(|e| e == "md"))
    {
        return Err(Error::Input(format!(
            "'{}' matches nothing: give a notes folder, a note, NOTE:LINE or NOTE#BLOCK-ID",
            t.spec
        )));
    }
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
        force: false,
        root,
        partial: false,
    })
}

/// Check every note (in parallel, without a cache); one note's problems
/// never stop another. One per note, in the notes' order.
#[cfg(test)]
pub fn check_all(project: &Project) -> Vec<CheckedNote<'_>> {
    check_all_with(project, &Cache::new(None), false).notes
}

/// The outcome of [`check_all_with`].
pub struct CheckRun<'p> {
    /// One per note, in the notes' order, with its cache key (computed
    /// whether or not the cache is on) and its result.
    pub notes: Vec<CheckedNote<'p>>,
    /// Notes checked in this run.
    pub checked: usize,
    /// Notes whose result came from the cache.
    pub from_cache: usize,
    /// When the run started (a progress display waits a second from here).
    pub started: Instant,
    /// Whether to show progress on standard error.
    pub progress: bool,
}

impl CheckRun<'_> {
    /// `checked N notes, M from cache`.
    pub fn summary(&self) -> String {
        format!(
            "checked {}, {} from cache",
            crate::output::plural(self.notes.len(), "note"),
            self.from_cache
        )
    }
}

/// Check every note, in parallel, through `cache`; with `progress`, a
/// progress bar is drawn on standard error once the run has taken a second.
pub fn check_all_with<'p>(project: &'p Project, cache: &Cache, progress: bool) -> CheckRun<'p> {
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
    let outcomes: Vec<(CheckedNote, bool)> = pool().install(|| {
        project
            .notes
            .par_iter()
            .map(|n| {
                let key = cache::note_key(&project_key, n);
                let (result, hit) = check_one(project, cache, n, &key);
                done.fetch_add(1, Ordering::Relaxed);
                (CheckedNote::new(n, key, result), hit)
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
    // The check stage's own warnings (a dimension fixed to 1) are cached
    // with the result; these are read afresh.
    r.warnings.extend(warnings(project, note));
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

/// The run from each checked note and whether it came from the cache;
/// prunes the cache.
fn check_run<'p>(
    outcomes: Vec<(CheckedNote<'p>, bool)>,
    cache: &Cache,
    started: Instant,
    progress: bool,
) -> CheckRun<'p> {
    let from_cache = outcomes.iter().filter(|(_, hit)| *hit).count();
    let notes: Vec<CheckedNote> = outcomes.into_iter().map(|(n, _)| n).collect();
    let checked = notes.len() - from_cache;
    if cache.enabled() && checked > 0 {
        let keys: Vec<Key> = notes.iter().map(|n| n.key).collect();
        cache.prune(&keys, (4 * keys.len()).max(1024));
    }
    CheckRun {
        checked,
        from_cache,
        notes,
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
        safe: project.config.safe,
    }
}

/// Render the checked notes into a site at `out` (refused when `out` is
/// the notes folder or around it, or holds files notecheck did not write).
pub fn render(project: &Project, notes: &[CheckedNote<'_>], out: &Path) -> Result<()> {
    crate::outdir::check_not_notes(out, &project.notes_dir)?;
    drop(OutDir::open(out, project.force)?);
    crate::report::render_site(notes, &site_options(project), out)
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
#[cfg(test)]
pub fn render_with(project: &Project, run: &CheckRun, out: &Path, cache: &Cache) -> Result<bool> {
    let t0 = Instant::now();
    if project.notes.len() != run.notes.len() {
        return Err(Error::Internal(format!(
            "{} notes but {} results",
            project.notes.len(),
            run.notes.len()
        )));
    }
    let keys: Vec<Key> = run.notes.iter().map(|n| n.key).collect();
    let Some(plan) = SiteBuild::prepare(project, &keys, out, cache)? else {
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
    let records: Vec<Result<PageRecord>> = pool().install(|| {
        run.notes
            .par_iter()
            .map(|checked| plan.page(checked).map(|(record, _)| record))
            .collect()
    });
    let changed = pool().install(|| plan.finish(records, cache))?;
    timing("render", t0);
    Ok(changed)
}

/// [`check_all_with`] and `render_with` in one parallel pass: each note's
/// page is rendered as soon as the note is checked, so that checking and
/// rendering overlap. Returns the run and whether any file of the site
/// changed.
pub fn build<'p>(
    project: &'p Project,
    cache: &Cache,
    out: &Path,
    progress: bool,
) -> Result<(CheckRun<'p>, bool)> {
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
    let outcomes: Vec<((CheckedNote, bool), Option<Result<PageRecord>>)> = pool().install(|| {
        // Load the templates on this thread while the others check.
        let (_, outcomes) = rayon::join(
            || plan.as_ref().map(|p| p.site().is_ok()),
            || {
                project
                    .notes
                    .par_iter()
                    .zip(keys)
                    .map(|(n, key)| {
                        // The page does not show the warnings: it is rendered
                        // first, and finds them (as `lint_note` would) when
                        // rendered in this pass; else they are read afresh.
                        let (result, hit) = check_only(project, cache, n, &key);
                        let mut checked = CheckedNote::new(n, key, result);
                        let (page, found) = match plan.as_ref().map(|p| p.page(&checked)) {
                            Some(Ok((record, Some(w)))) if !project.config.safe => {
                                (Some(Ok(record)), w)
                            }
                            page => (
                                page.map(|p| p.map(|(record, _)| record)),
                                warnings(project, n),
                            ),
                        };
                        checked.result.warnings.extend(found);
                        done.fetch_add(1, Ordering::Relaxed);
                        ((checked, hit), page)
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
                .map(|r| r.unwrap_or_else(|| Err(Error::Internal("a page is missing".into()))))
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
    /// The site folder, and which of its files are notecheck's.
    out: PathBuf,
    dir: OutDir,
    /// Where each note's page goes (see [`crate::report::page_paths`]).
    paths: crate::report::SitePaths,
    /// Each note's position in `paths`, by its path in the notes folder.
    index_of: BTreeMap<PathBuf, usize>,
    /// The home page's text, once rendered.
    intro: std::sync::Mutex<Option<crate::report::Intro>>,
    /// Only some notes are built: other pages stay, and stay notecheck's.
    partial: bool,
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
    ) -> Result<Option<SiteBuild>> {
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
        // Before anything is written: the folder is one notecheck may write.
        crate::outdir::check_not_notes(out, &project.notes_dir)?;
        let dir = OutDir::open(out, project.force)?;
        let old = cache.load_manifest(out).unwrap_or_default();
        if cache.enabled() && old.is_current(&inputs, out) {
            return Ok(None);
        }
        let paths = crate::report::page_paths(&project.notes.iter().collect::<Vec<_>>());
        let old_pages = old
            .pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.file.rel.clone(), i))
            .collect();
        Ok(Some(SiteBuild {
            out: out.to_path_buf(),
            dir,
            paths,
            intro: std::sync::Mutex::new(None),
            site: OnceLock::new(),
            opts,
            site_key,
            inputs,
            old,
            old_pages,
            index_of: project
                .notes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.rel_path.clone(), i))
                .collect(),
            partial: project.partial,
            rendered: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
        }))
    }

    /// A checked note's page: as recorded when its inputs are unchanged and
    /// its file untouched, else rendered (and written when its text changed);
    /// with the note's warnings when the page was rendered here (the home
    /// page's text, read with its title, has none).
    fn page(
        &self,
        checked: &CheckedNote<'_>,
    ) -> Result<(PageRecord, Option<Vec<crate::check::verdict::Warning>>)> {
        let key = cache::combine("page", &[&self.site_key, &checked.key]);
        let i = *self.index_of.get(&checked.note.rel_path).ok_or_else(|| {
            Error::Internal(format!("{}: not a note of this build", checked.note.path))
        })?;
        let Some(rel) = &self.paths.pages[i] else {
            // The home page's text: rendered into the index (see `finish`).
            let intro = self.site()?.intro(checked.note, &checked.result)?;
            let entry = intro.entry.clone();
            if let Ok(mut slot) = self.intro.lock() {
                *slot = Some(intro);
            }
            let file = FileRecord {
                rel: crate::report::INDEX.to_string(),
                len: 0,
                mtime: 0,
                hash: [0; 32],
            };
            return Ok((
                PageRecord {
                    file,
                    key,
                    entry,
                    figures: Vec::new(),
                },
                None,
            ));
        };
        let out_dir = self.out_dir();
        let before = self.old_pages.get(rel).map(|&k| &self.old.pages[k]);
        if let Some(r) = before.filter(|r| r.key == key && r.is_current(out_dir)) {
            return Ok((r.clone(), None));
        }
        let page = self.site()?.page_at(checked.note, &checked.result, rel)?;
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let (file, wrote) = FileRecord::write(
            &self.dir,
            &page.rel_path,
            &page.html,
            before.map(|r| &r.file),
        )?;
        if wrote {
            self.written.fetch_add(1, Ordering::Relaxed);
        }
        let mut figures = Vec::with_capacity(page.figures.len());
        for (rel, svg) in &page.figures {
            let old = before.and_then(|r| r.figures.iter().find(|f| &f.rel == rel));
            let (f, wrote) = FileRecord::write(&self.dir, rel, svg, old)?;
            if wrote {
                self.written.fetch_add(1, Ordering::Relaxed);
            }
            figures.push(f);
        }
        Ok((
            PageRecord {
                file,
                key,
                entry: page.entry,
                figures,
            },
            Some(page.warnings),
        ))
    }

    /// The templates, loaded on first use (parsing them takes a few
    /// milliseconds: [`build`] starts it beside the first checks).
    fn site(&self) -> Result<&crate::report::Site> {
        self.site
            .get_or_init(|| crate::report::Site::new(&self.opts).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| Error::Template(e.clone()))
    }

    fn out_dir(&self) -> &Path {
        &self.out
    }

    /// After every page: the index, the assets, the removal of pages of
    /// notes that are gone, the new record. Returns whether any file changed.
    fn finish(self, records: Vec<Result<PageRecord>>, cache: &Cache) -> Result<bool> {
        let t0 = Instant::now();
        let out = self.out.as_path();
        let mut pages: Vec<PageRecord> = records.into_iter().collect::<Result<_, _>>()?;
        let written = self.written.load(Ordering::Relaxed);
        let mut changed = written > 0;
        let entries: Vec<crate::report::IndexEntry> = pages
            .iter()
            .zip(&self.paths.pages)
            .filter(|(_, rel)| rel.is_some())
            .map(|(p, _)| p.entry.clone())
            .collect();
        let site = self.site()?;
        let intro = self.intro.lock().ok().and_then(|mut i| i.take());
        let index = site.index_with(&entries, intro.as_ref())?;
        let mut files = Vec::new();
        let (f, wrote) = FileRecord::write(
            &self.dir,
            crate::report::INDEX,
            &index,
            self.old.file(crate::report::INDEX),
        )?;
        changed |= wrote;
        if let Some(i) = self.paths.intro {
            pages[i].file = f.clone();
        }
        files.push(f);
        for (rel, text) in site.assets() {
            let (f, wrote) = FileRecord::write(&self.dir, rel, text, self.old.file(rel))?;
            changed |= wrote;
            files.push(f);
        }
        for (rel, text) in site.generated(&entries)? {
            let (f, wrote) = FileRecord::write(&self.dir, rel, &text, self.old.file(rel))?;
            changed |= wrote;
            files.push(f);
        }
        let copied = crate::report::lint::copy_assets(&self.opts.notes_dir, &self.dir, &entries)?;
        // Files of an earlier build that this one did not write (the page of
        // a note that is gone, a figure no page uses now, a linked file no
        // note links to now): removed, and only ever files notecheck wrote.
        let figures = pages
            .iter()
            .flat_map(|p| &p.figures)
            .map(|f| f.rel.as_str());
        let current: BTreeSet<&str> = pages
            .iter()
            .map(|p| p.file.rel.as_str())
            .chain(files.iter().map(|f| f.rel.as_str()))
            .chain(figures)
            .chain(copied.iter().map(String::as_str))
            .collect();
        // A partial build (one targeted note) removes nothing.
        for stale in self.dir.owned().into_iter().filter(|_| !self.partial) {
            if !current.contains(stale.as_str()) && self.dir.remove(&stale) {
                changed = true;
            }
        }
        self.dir.commit()?;
        if cache.enabled() {
            // The record stays that of the last whole site: a partial
            // build's would make a later whole one look done already.
            if !self.partial {
                cache.store_manifest(
                    out,
                    &SiteManifest {
                        inputs: self.inputs,
                        pages,
                        files,
                    },
                );
            }
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
    /// (removed when the returned guard drops)
    fn project_dir(name: &str) -> tempfile::TempDir {
        let tmp = tempfile::Builder::new()
            .prefix(&format!("notecheck-pipeline-{name}-"))
            .tempdir()
            .unwrap();
        let dir = tmp.path();
        std::fs::create_dir_all(dir.join("notes/sub")).unwrap();
        for f in ["gradients.md", "identities.md"] {
            std::fs::copy(fixtures().join(f), dir.join("notes").join(f)).unwrap();
        }
        std::fs::write(
            dir.join("notes/sub/extra.md"),
            "# Extra\n\n```check\nlet A, B ∈ R^{n×n}\n(A B)^T = B^T A^T\n```\n",
        )
        .unwrap();
        tmp
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

    /// Builds the project in `dir`: (notes, notes from the cache, whether the site changed).
    fn build_in(dir: &Path, cache: &Cache) -> (usize, usize, bool) {
        try_build_in(dir, cache, false).unwrap()
    }

    fn try_build_in(dir: &Path, cache: &Cache, force: bool) -> Result<(usize, usize, bool)> {
        let mut project = load(Some(&dir.join("notes")), &dir.join("notecheck.yaml")).unwrap();
        project.force = force;
        let (run, changed) = build(&project, cache, &dir.join("site"), false)?;
        Ok((run.notes.len(), run.from_cache, changed))
    }

    #[test]
    fn rebuilds_render_and_write_only_what_changed() {
        let dir = project_dir("incremental");
        let dir = dir.path();
        let cache = Cache::new(Some(dir.join(".notecheck-cache")));
        let out = dir.join("site");
        let (n, _, changed) = build_in(dir, &cache);
        assert!(changed);
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
        let (_, from_cache, changed) = build_in(dir, &cache);
        assert!(!changed);
        assert_eq!(from_cache, n);
        assert_eq!(files(&out), first);

        // One note edited: its page and the index are written, no other file.
        let edited = dir.join("notes/identities.md");
        let mut text = std::fs::read_to_string(&edited).unwrap();
        text.push_str("\n```check\nlet P, Q ∈ R^{n×n}\n(P Q)^T = P^T Q^T\n```\n");
        std::fs::write(&edited, text).unwrap();
        let (_, from_cache, changed) = build_in(dir, &cache);
        assert!(changed);
        assert_eq!(from_cache, n - 1);
        let second = files(&out);
        for (rel, (bytes, mtime)) in &first {
            let now = &second[rel];
            // The search index holds the new claim; the sidebar's verdicts
            // (assets/verdicts.css) and every other page are left alone.
            if rel == "identities.html" || rel == "index.html" || rel == "search-index.js" {
                assert_ne!(&now.0, bytes, "{rel} shows the edit");
            } else if rel != crate::outdir::MANIFEST {
                assert_eq!(now, &(bytes.clone(), *mtime), "{rel} left alone");
            }
        }

        // A deleted note's page goes (and its folder, now empty); a file
        // this tool did not write is refused, and with `force` it stays.
        std::fs::write(out.join("mine.html"), "mine").unwrap();
        std::fs::remove_file(dir.join("notes/sub/extra.md")).unwrap();
        let err = try_build_in(dir, &cache, false).err().unwrap();
        assert!(matches!(err, Error::Refused(_)), "{err:?}");
        let err = err.to_string();
        assert!(
            err.contains("mine.html") && err.contains("--force"),
            "{err}"
        );
        assert!(out.join("sub/extra.html").exists());
        let (_, _, changed) = try_build_in(dir, &cache, true).unwrap();
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
        let (n, from_cache, changed) = try_build_in(dir, &cache, true).unwrap();
        assert!(changed);
        assert_eq!(from_cache, n);
        assert_eq!(
            std::fs::read(out.join("gradients.html")).unwrap(),
            after_delete
        );
    }

    #[test]
    fn render_with_skips_an_unchanged_site() {
        let dir = project_dir("render-with");
        let dir = dir.path();
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
    }
}
