//! The check stage's output: plain data, what every renderer reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Xfail,
    Xpass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Xfail => "xfail",
            Status::Xpass => "xpass",
        }
    }
    /// `fail`, `error` and `xpass` fail CI.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::Error | Status::Xpass)
    }
}

/// A dense matrix small enough to print, row-major rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    /// `data[r][c]`.
    pub data: Vec<Vec<f64>>,
}

/// Why a claim failed, and how to reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// 1-based trial number.
    pub trial: u32,
    pub seed: u64,
    /// Dimension values of that trial.
    pub dims: BTreeMap<String, u64>,
    /// Values of free indices where the largest difference sits (1-based).
    pub indices: BTreeMap<String, u64>,
    /// The tolerance bound the difference was compared with.
    pub tolerance: f64,
    /// Largest absolute entry difference.
    pub max_abs_err: f64,
    /// ‖A − B‖ / max(‖A‖, ‖B‖).
    pub rel_err: f64,
    /// Where the largest difference sits, e.g. "entry (2, 3)".
    pub location: String,
    /// Shapes of the two sides as evaluated, e.g. "3×4".
    pub lhs_shape: String,
    pub rhs_shape: String,
    /// Both values when small enough to print.
    pub lhs: Option<Matrix>,
    pub rhs: Option<Matrix>,
    /// The usual mistake that explains the difference, when one does.
    pub diagnosis: Option<String>,
}

/// One checked relation (`a = b` of a chain, or `E ∈ S`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// 1-based line in the note file of the relation symbol.
    pub line: usize,
    /// 1-based column (in characters) of the relation symbol.
    pub col: usize,
    pub block: Option<String>,
    pub label: Option<String>,
    /// The claim's source text, e.g. `∂f/∂w = x^T ⊗ I`.
    pub text: String,
    /// LaTeX of the claim generated from its parse (what was checked).
    pub latex: Option<String>,
    pub status: Status,
    pub message: Option<String>,
    pub max_abs_err: Option<f64>,
    pub rel_err: Option<f64>,
    pub evidence: Option<Evidence>,
    /// What was compared, in words (e.g. "exact gradient (forward mode) vs right side").
    pub compared: Option<String>,
    /// Figures of a derivative claim (first trial).
    pub figure: Option<DerivativeFigure>,
}

/// Data for a derivative claim's figures, from the first trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DerivativeFigure {
    /// The derivative as computed exactly (the `∂`/`d` side), when at most
    /// 40×40 entries.
    pub computed: Option<Matrix>,
    /// The other side of an equality, when it has the same shape.
    pub claimed: Option<Matrix>,
    /// `(step, relative error)` of the central difference against the exact
    /// directional derivative, for steps 1e-1 … 1e-12.
    pub fd_curve: Vec<(f64, f64)>,
    /// The step the engine's cross-check uses.
    pub step_used: f64,
}

/// What a `show` statement displays: the value from the first trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub value: Matrix,
    pub dims: BTreeMap<String, u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StmtKindTag {
    Declare,
    Function,
    Define,
    Claim,
    Show,
    /// A statement that could not be parsed or resolved.
    Error,
}

/// One statement of a block, as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StmtResult {
    /// 1-based file line where the statement starts.
    pub line: usize,
    pub label: Option<String>,
    pub kind: StmtKindTag,
    /// Source text of the statement (continuation lines joined with newlines).
    pub text: String,
    /// LaTeX generated from the parse; `None` when it could not be parsed.
    pub latex: Option<String>,
    /// Claims made by this statement (a chain gives several; an error
    /// statement gives one `error` claim).
    pub claims: Vec<ClaimResult>,
    pub shown: Option<Shown>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockResult {
    pub index: usize,
    pub id: Option<String>,
    pub hide: bool,
    pub should_fail: bool,
    pub einstein: bool,
    pub fence_line: usize,
    pub stmts: Vec<StmtResult>,
    /// Problems with the block's options, as `error` claims at the fence line.
    pub errors: Vec<ClaimResult>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub xfail: usize,
    pub xpass: usize,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Error => self.error += 1,
            Status::Xfail => self.xfail += 1,
            Status::Xpass => self.xpass += 1,
        }
    }
    pub fn merge(&mut self, o: &Counts) {
        self.pass += o.pass;
        self.fail += o.fail;
        self.error += o.error;
        self.xfail += o.xfail;
        self.xpass += o.xpass;
    }
    /// `fail + error + xpass`: what fails CI.
    pub fn failed(&self) -> usize {
        self.fail + self.error + self.xpass
    }
    /// `pass + xfail`.
    pub fn passed(&self) -> usize {
        self.pass + self.xfail
    }
    pub fn total(&self) -> usize {
        self.passed() + self.failed()
    }
}

/// Whether a display equation of the prose was checked (spec section 6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Coverage {
    /// Read as statements of the claim language and checked.
    Checked,
    /// Not a claim, for this reason (`undeclared x`, `\int`, …).
    Unchecked(String),
}

/// One display equation (`$$…$$`) of the prose and its claims.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EquationResult {
    /// Position among the note's display equations, from 0.
    pub index: usize,
    /// 1-based file line of the opening `$$`.
    pub line: usize,
    pub coverage: Coverage,
    pub should_fail: bool,
    /// Its statements (each row of an aligned chain is its own line).
    pub stmts: Vec<StmtResult>,
    /// `% check` problems: bad options, or a `% check` equation that could
    /// not be checked, as `error` claims.
    pub errors: Vec<ClaimResult>,
}

impl EquationResult {
    /// Every claim of the equation (errors first, then statements).
    pub fn claims(&self) -> impl Iterator<Item = &ClaimResult> {
        self.errors
            .iter()
            .chain(self.stmts.iter().flat_map(|s| &s.claims))
    }
}

/// A note's (or a site's) coverage of display equations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EquationCoverage {
    /// Display equations.
    pub display: usize,
    /// Read and checked.
    pub checked: usize,
    /// Checked and every claim passed (`pass`/`xfail`).
    pub passed: usize,
    /// Checked with a `fail`, `error` or `xpass`.
    pub failed: usize,
    pub unchecked: usize,
    /// Why equations were left unchecked: reason → count.
    pub reasons: BTreeMap<String, usize>,
}

impl EquationCoverage {
    pub fn merge(&mut self, o: &EquationCoverage) {
        self.display += o.display;
        self.checked += o.checked;
        self.passed += o.passed;
        self.failed += o.failed;
        self.unchecked += o.unchecked;
        for (k, v) in &o.reasons {
            *self.reasons.entry(k.clone()).or_default() += v;
        }
    }
}

/// Everything checked in one note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteResult {
    pub path: String,
    pub rel_path: String,
    pub title: String,
    /// Front matter problems, as `error` claims.
    pub errors: Vec<ClaimResult>,
    pub blocks: Vec<BlockResult>,
    /// The prose's display equations, in document order.
    #[serde(default)]
    pub equations: Vec<EquationResult>,
    pub counts: Counts,
}

impl NoteResult {
    /// Every claim of the note in file order (note errors, block errors, statements).
    pub fn claims(&self) -> Vec<&ClaimResult> {
        let mut v: Vec<&ClaimResult> = self.errors.iter().collect();
        for b in &self.blocks {
            v.extend(b.errors.iter());
            for s in &b.stmts {
                v.extend(s.claims.iter());
            }
        }
        for e in &self.equations {
            v.extend(e.claims());
        }
        v.sort_by_key(|c| (c.line, c.col));
        v
    }

    /// The note's coverage of display equations.
    pub fn coverage(&self) -> EquationCoverage {
        let mut c = EquationCoverage {
            display: self.equations.len(),
            ..Default::default()
        };
        for e in &self.equations {
            match &e.coverage {
                Coverage::Checked => {
                    c.checked += 1;
                    if e.claims().any(|c| c.status.is_failure()) {
                        c.failed += 1;
                    } else {
                        c.passed += 1;
                    }
                }
                Coverage::Unchecked(reason) => {
                    c.unchecked += 1;
                    *c.reasons.entry(reason.clone()).or_default() += 1;
                }
            }
        }
        c
    }
}
