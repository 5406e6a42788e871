//! The stages wired together: load notes, check them, render.
//!
//! `main.rs` only parses the command line and calls these.
//!
//! Notes are read and checked in parallel (one note per task; a note's
//! check is single-threaded), results come back in the notes' order. With
//! a [`Cache`], a note whose key is unchanged is not checked again, and a
//! site whose inputs and files are unchanged is not rendered again.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::{self, Cache, Key, SiteManifest};
use crate::check::verdict::NoteResult;
use crate::config::ProjectConfig;
use crate::note::{self, Note};

/// The project as found on disk.
pub struct Project {
    pub config: ProjectConfig,
    pub notes_dir: PathBuf,
    pub notes: Vec<Note>,
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
    let hits = AtomicUsize::new(0);
    let bar = progress.then(|| {
        Bar::start(
            started,
            Some(project.notes.len()),
            Arc::clone(&done),
            "notes checked",
        )
    });
    let pairs: Vec<(NoteResult, Key)> = pool().install(|| {
        project
            .notes
            .par_iter()
            .map(|n| {
                let key = cache::note_key(&project_key, n);
                let result = match cache.load(&key) {
                    Some(r) => {
                        hits.fetch_add(1, Ordering::Relaxed);
                        r
                    }
                    None => {
                        let r = crate::check::check(n, &project.config);
                        cache.store(&key, &r);
                        r
                    }
                };
                done.fetch_add(1, Ordering::Relaxed);
                (result, key)
            })
            .collect()
    });
    drop(bar);
    let (results, keys): (Vec<NoteResult>, Vec<Key>) = pairs.into_iter().unzip();
    let from_cache = hits.into_inner();
    let checked = results.len() - from_cache;
    if cache.enabled() && checked > 0 {
        cache.prune(&keys, (4 * keys.len()).max(1024));
    }
    timing("check", started);
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
    }
}

/// Render the checked notes into a site at `out`.
pub fn render(project: &Project, results: &[NoteResult], out: &Path) -> Result<(), String> {
    crate::report::render_site(&project.notes, results, &site_options(project), out)
}

/// Render like [`render`], unless `cache` records that `out` already holds
/// this very site: same note keys (hence same results), same templates and
/// options, and every file as it was written. Returns whether it rendered.
pub fn render_with(
    project: &Project,
    run: &CheckRun,
    out: &Path,
    cache: &Cache,
) -> Result<bool, String> {
    let t0 = Instant::now();
    let opts = site_options(project);
    if !cache.enabled() {
        render_site_to(project, run, &opts, out)?;
        timing("render", t0);
        return Ok(true);
    }
    let templates = cache::templates_key(opts.templates_dir.as_deref());
    let opts_text = format!("{opts:?}");
    let mut parts: Vec<&[u8]> = vec![&templates, opts_text.as_bytes()];
    parts.extend(run.keys.iter().map(|k| &k[..]));
    let inputs = cache::combine("site", &parts);
    let files = site_files(project);
    if cache
        .load_manifest(out)
        .is_some_and(|m| m.is_current(&inputs, out, &files))
    {
        timing("skip", t0);
        return Ok(false);
    }
    cache.drop_manifest(out);
    render_site_to(project, run, &opts, out)?;
    cache.store_manifest(out, &SiteManifest::record(inputs, out, &files));
    timing("render", t0);
    Ok(true)
}

fn render_site_to(
    project: &Project,
    run: &CheckRun,
    opts: &crate::report::SiteOptions,
    out: &Path,
) -> Result<(), String> {
    let _bar = run.progress.then(|| {
        Bar::start(
            run.started,
            None,
            Arc::new(AtomicUsize::new(0)),
            "rendering pages",
        )
    });
    crate::report::render_site(&project.notes, &run.results, opts, out)
}

/// The files `render_site` writes, relative to the site folder, `/`-separated:
/// one page per note (`a/b.md` → `a/b.html`), `index.html`, `assets/style.css`.
fn site_files(project: &Project) -> Vec<String> {
    let mut files: Vec<String> = project
        .notes
        .iter()
        .map(|n| {
            let mut parts: Vec<String> = n
                .rel_path
                .components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            match parts.last_mut() {
                Some(last) => {
                    *last = Path::new(last.as_str())
                        .with_extension("html")
                        .to_string_lossy()
                        .into_owned();
                }
                None => parts.push("note.html".to_string()),
            }
            parts.join("/")
        })
        .collect();
    files.push("index.html".to_string());
    files.push("assets/style.css".to_string());
    files
}

/// With `NOTECHECK_TIMING` set, print how long `stage` took (for benchmarks).
fn timing(stage: &str, since: Instant) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("NOTECHECK_TIMING").is_some()) {
        eprintln!(
            "timing: {stage:<7} {:8.1} ms",
            since.elapsed().as_secs_f64() * 1e3
        );
    }
}
