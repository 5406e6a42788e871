//! notecheck: Markdown course notes → a verified static site.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md): notes on disk
//! → [`Note`] → claim program ([`compile`]) → evaluation ([`Evaluator`]) →
//! verdicts ([`check`], [`CheckedNote`]) → pages ([`Site`]) and reports
//! ([`formats`]).
//!
//! The modules are private: this facade is the whole public API, so that
//! code nothing uses shows up as a warning. The `notecheck` binary, the
//! integration tests, the benchmarks and the fuzz driver use only what is
//! exported here.

mod cache;
mod check;
mod config;
mod diag;
mod error;
mod eval;
mod init;
mod lang;
mod mdbook;
mod note;
mod outdir;
mod output;
mod pipeline;
mod report;
mod serve;
mod target;

// ---- the shared types -----------------------------------------------------

pub use diag::{Diagnostic, Label, LineIndex, Severity, Span};
pub use error::{Error, Result};

// ---- stage 1: notes on disk → parsed notes --------------------------------

pub use config::{CheckOverrides, ProjectConfig, load_project};
pub use note::{MAX_NOTE_BYTES, Note, parse_note, read_note, walk};

// ---- stage 2: the claim language -------------------------------------------

pub use lang::compile::{CompiledKind, CompiledNote, compile};

// ---- stage 3: evaluation ---------------------------------------------------

pub use eval::EvalError;
pub use eval::interp::{Evaluator, Trial};

// ---- stage 4: verdicts -----------------------------------------------------

pub use check::check;
pub use check::verdict::{CheckedNote, ClaimResult, Counts, NoteResult, Status, Warning};

// ---- stage 5: pages and reports --------------------------------------------

pub use report::{Site, SiteOptions, render_site};

/// The reports of `notecheck check --format …`: one [`Emitter`](formats::Emitter)
/// per format, and the pieces of the terminal summary.
pub mod formats {
    pub use crate::output::github::{Github, write_step_summary};
    pub use crate::output::human::{Human, render as human, stdout_color, unchecked_list, visible};
    pub use crate::output::json::Json;
    pub use crate::output::junit::Junit;
    pub use crate::output::{Emitter, plural, totals};
}

// ---- the commands: the whole pipeline over a project ----------------------

pub use cache::{Cache, dir_for as cache_dir};
pub use init::{FILES as INIT_FILES, init};
pub use mdbook::{
    Outcome as BookOutcome, preprocess as preprocess_book, preprocess_to as preprocess_book_to,
    supports as book_supports,
};
pub use outdir::check_report_file;
pub use pipeline::{CheckRun, Project, build, check_all_with, load, load_target, render};
pub use serve::{ServeOptions, serve};
pub use target::{CONFIG_FILE, Target, find_config};
