//! Stage 3: evaluation on random instances, exact derivatives, finite differences.

pub mod linalg;
pub mod num;
pub mod random;
