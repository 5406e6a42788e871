//! notecheck: Markdown course notes → a verified static site.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`note`] → [`lang`] → [`eval`] → [`check`] → [`report`] / [`output`].

pub mod cache;
pub mod check;
pub mod config;
pub mod diag;
pub mod error;
pub mod eval;
pub mod init;
pub mod lang;
pub mod mdbook;
pub mod note;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod serve;
pub mod target;

pub use diag::{Diagnostic, Label, LineIndex, Severity, Span};
pub use error::{Error, Result};
