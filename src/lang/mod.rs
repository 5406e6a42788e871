//! Stage 2: check-block text → a resolved, shape-checked claim program.
//!
//! [`parser`] (with [`lexer`]) turns a block body into [`ast`] statements;
//! [`resolve`] binds names, infers shapes ([`shape`]) and index ranges and
//! produces the [`ir`]; [`compile`] drives both over a whole note;
//! [`latex`] prints a parsed statement back as LaTeX for the report.

pub mod ast;
pub mod compile;
pub mod ir;
pub mod latex;
pub mod lexer;
pub mod parser;
pub mod prose;
mod prose_index;
pub mod resolve;
pub mod shape;
pub mod suggest;
pub mod tex;
