//! Why an expression has no value on a trial. The check stage turns an
//! [`EvalError`] into the claim's `error` verdict, with its message.

use std::fmt;

/// An evaluation that could not finish, by cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// A value would exceed `max_entries` or this machine's memory.
    TooLarge(String),
    /// The `timeout` (or the note's budget) ran out.
    Timeout(String),
    /// The claim asks for something without a value on this instance: the
    /// trace of a non-square matrix, a matrix literal with ragged rows, a
    /// subscript out of range.
    Undefined(String),
    /// The exact derivative and its finite-difference cross-check disagree:
    /// a bug in notecheck, never a verdict on the claim.
    Engine(String),
}

impl EvalError {
    /// The message shown with the `error` verdict.
    pub fn message(&self) -> &str {
        match self {
            EvalError::TooLarge(m)
            | EvalError::Timeout(m)
            | EvalError::Undefined(m)
            | EvalError::Engine(m) => m,
        }
    }
}

impl EvalError {
    /// The same cause with its message rewritten (a definition's name
    /// put in front, …).
    pub fn map_message(self, f: impl FnOnce(&str) -> String) -> EvalError {
        match self {
            EvalError::TooLarge(m) => EvalError::TooLarge(f(&m)),
            EvalError::Timeout(m) => EvalError::Timeout(f(&m)),
            EvalError::Undefined(m) => EvalError::Undefined(f(&m)),
            EvalError::Engine(m) => EvalError::Engine(f(&m)),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for EvalError {}

/// A plain message is an [`EvalError::Undefined`].
impl From<String> for EvalError {
    fn from(m: String) -> EvalError {
        EvalError::Undefined(m)
    }
}

impl From<&str> for EvalError {
    fn from(m: &str) -> EvalError {
        EvalError::Undefined(m.to_string())
    }
}

/// `Result` of an evaluation.
pub type ER<T> = Result<T, EvalError>;
