//! Stage 2: check-block text → a resolved, shape-checked claim program.

pub mod ast;
pub mod latex;
pub mod lexer;
pub mod parser;
