//! Stage 3: evaluation on random instances: values, exact derivatives,
//! finite-difference cross-checks.

mod error;
pub mod interp;
pub mod limits;
pub mod linalg;
pub mod num;
pub mod random;
pub mod spectral;

pub use error::{ER, EvalError};
