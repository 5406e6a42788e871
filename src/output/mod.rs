//! Outputs for the terminal and CI: human, JSON, JUnit, GitHub.
