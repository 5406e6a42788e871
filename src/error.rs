//! The one error type at the library's edge: what stops a command before
//! or outside checking. The binary prints it as one line and exits 2.
//!
//! Problems *inside* notes are never an [`Error`]: they are
//! [`Diagnostic`]s that become `error` verdicts at their line, and the rest
//! of the notes are still checked. An [`Error`] is about the run itself: a
//! folder that cannot be read, a `notecheck.yaml` that is wrong, an output
//! folder notecheck refuses to write into, a template that does not render.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a command could not run (exit 2).
#[derive(Debug)]
pub enum Error {
    /// A file or folder could not be read, listed, created or written:
    /// "cannot {doing} {path}: {reason}".
    Io {
        doing: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An I/O failure not about a file (a port, a child process, a
    /// standard stream): "cannot {doing}: {reason}".
    System {
        doing: String,
        source: std::io::Error,
    },
    /// A file's text is wrong at a place (a `notecheck.yaml` key, a value
    /// that is not UTF-8): "{path}:{line}:{col}: {message}".
    Invalid {
        path: PathBuf,
        line: usize,
        col: usize,
        diagnostic: Box<Diagnostic>,
    },
    /// The input is not what the command reads (a notes folder that does
    /// not exist, a target that selects nothing, mdBook JSON that is not).
    Input(String),
    /// notecheck refuses, to keep the user's files safe (an output folder
    /// holding files notecheck did not write, an output inside the notes).
    Refused(String),
    /// A template does not load or does not render.
    Template(String),
    /// Files that `init` would overwrite (nothing was written).
    Exists(Vec<PathBuf>),
    /// A bug in notecheck, reported rather than panicking.
    Internal(String),
}

impl Error {
    /// An I/O failure while `doing` something to `path`.
    pub fn io(doing: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> Error {
        Error::Io {
            doing,
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                doing,
                path,
                source,
            } => write!(
                f,
                "cannot {doing} {}: {}",
                path.display(),
                io_reason(source)
            ),
            Error::System { doing, source } => write!(f, "cannot {doing}: {}", io_reason(source)),
            Error::Invalid {
                path,
                line,
                col,
                diagnostic,
            } => {
                write!(f, "{}:{line}:{col}: {}", path.display(), diagnostic.message)?;
                if let Some(help) = &diagnostic.help {
                    write!(f, " ({help})")?;
                }
                Ok(())
            }
            Error::Input(m) | Error::Refused(m) | Error::Template(m) => f.write_str(m),
            Error::Exists(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                let (verb, it) = if names.len() == 1 {
                    ("exists", "it")
                } else {
                    ("exist", "them")
                };
                write!(
                    f,
                    "{} already {verb}; nothing was written (use --force to overwrite {it})",
                    names.join(", ")
                )
            }
            Error::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::System { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let s = e.to_string();
            match s.rfind(" (os error ") {
                Some(i) if s.ends_with(')') => s[..i].to_string(),
                _ => s,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn io_errors_name_the_action_the_file_and_the_reason() {
        let e = Error::io(
            "write",
            "site/index.html",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(
            e.to_string(),
            "cannot write site/index.html: permission denied"
        );
        let raw = std::io::Error::from_raw_os_error(21);
        let shown = Error::io("read", "notes", raw).to_string();
        assert!(!shown.contains("os error"), "{shown}");
    }

    #[test]
    fn invalid_points_at_file_line_col_with_help() {
        let e = Error::Invalid {
            path: "notecheck.yaml".into(),
            line: 4,
            col: 3,
            diagnostic: Box::new(
                Diagnostic::error(Span::new(0, 1), "check: unknown key `bogus`")
                    .with_help("expected one of trials, seed"),
            ),
        };
        assert_eq!(
            e.to_string(),
            "notecheck.yaml:4:3: check: unknown key `bogus` (expected one of trials, seed)"
        );
    }
}
