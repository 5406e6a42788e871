//! Stage 4: trials, tolerances, verdicts and evidence.

pub mod verdict;
