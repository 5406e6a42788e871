//! The check stage's output: plain data, what every renderer reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::note::Note;

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

/// The usual mistake that explains a failing claim, kept apart from the
/// claim's message (outputs show it on its own line, JSON as `diagnosis`).
///
/// A struct rather than a string so that a diagnosis can grow fields
/// (which mistake, a suggested fix) without changing what reads it: every
/// output shows [`Diagnosis::text`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The explanation in words, e.g. "it holds after transposing one side".
    pub text: String,
}

impl Diagnosis {
    pub fn new(text: impl Into<String>) -> Diagnosis {
        Diagnosis { text: text.into() }
    }
}

impl std::fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A matrix shape: `(rows, columns)`.
pub type Shape = (usize, usize);

/// `3×4`.
pub fn shape_text(s: Shape) -> String {
    format!("{}×{}", s.0, s.1)
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
    /// Where the largest difference sits: 1-based `(row, column)`; `None`
    /// when there is no entry to name (the shapes differ, or a claim
    /// `E ∈ S` whose value has the wrong shape or structure).
    pub entry: Option<(usize, usize)>,
    /// Shape of the left side as evaluated.
    pub lhs_shape: Shape,
    /// Shape of the right side as evaluated; `None` for `E ∈ S`, whose
    /// right side is the space [`Evidence::space`].
    pub rhs_shape: Option<Shape>,
    /// The space of a claim `E ∈ S` as written (`Sym^n`).
    pub space: Option<String>,
    /// Both values when small enough to print.
    pub lhs: Option<Matrix>,
    pub rhs: Option<Matrix>,
    /// The usual mistake that explains the difference, when one does.
    pub diagnosis: Option<Diagnosis>,
}

impl Evidence {
    /// Where the largest difference sits, in words: `entry (2, 3)`, `the
    /// value` (1×1 sides), `shape` (the shapes differ), each followed by
    /// the free indices (`with i=2`); empty for `E ∈ S`.
    pub fn location(&self) -> String {
        if self.space.is_some() {
            return String::new();
        }
        let mut s = match self.entry {
            None => "shape".to_string(),
            Some(_) if self.lhs_shape == (1, 1) => "the value".to_string(),
            Some((i, j)) => format!("entry ({i}, {j})"),
        };
        if !self.indices.is_empty() {
            let idx: Vec<String> = self
                .indices
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(" with ");
            s.push_str(&idx.join(", "));
        }
        s
    }

    /// The left side's shape in words (`3×4`).
    pub fn lhs_shape_text(&self) -> String {
        shape_text(self.lhs_shape)
    }

    /// The right side's shape in words (`3×4`), or the space (`Sym^n`).
    pub fn rhs_shape_text(&self) -> String {
        match (&self.space, self.rhs_shape) {
            (Some(s), _) => s.clone(),
            (None, Some(r)) => shape_text(r),
            (None, None) => String::new(),
        }
    }
}

/// Where a claim comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimSource {
    /// A statement of a ```` ```check ```` block.
    #[default]
    Check,
    /// An equation of the prose (spec §6).
    Latex,
}

impl ClaimSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimSource::Check => "check",
            ClaimSource::Latex => "latex",
        }
    }
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
    /// The claim's source text, e.g. `∂f/∂w = x^T ⊗ I` (comments removed,
    /// whitespace runs as one space).
    pub text: String,
    /// A check block's statement or a prose equation.
    #[serde(default)]
    pub source: ClaimSource,
    /// LaTeX of the claim generated from its parse (what was checked).
    pub latex: Option<String>,
    pub status: Status,
    pub message: Option<String>,
    pub max_abs_err: Option<f64>,
    pub rel_err: Option<f64>,
    pub evidence: Option<Evidence>,
    /// What was compared, in words (e.g. "exact gradient (forward mode) vs right side").
    pub compared: Option<String>,
    /// Figures of a derivative claim: from the trial of the evidence when
    /// the claim fails, else from the first trial.
    pub figure: Option<DerivativeFigure>,
    /// Byte range in the note's source of the claim, or of what its error
    /// is about (underlined in the terminal; no other output shows it).
    #[serde(default)]
    pub span: Option<crate::diag::Span>,
    /// An error's secondary labels (spans in the note's source).
    #[serde(default)]
    pub labels: Vec<crate::diag::Label>,
    /// An error's help line.
    #[serde(default)]
    pub help: Option<String>,
}

impl ClaimResult {
    /// A claim of a check block at `line:col` with `status`, and nothing
    /// else yet (no block, label, message, errors or evidence).
    pub fn new(line: usize, col: usize, text: impl Into<String>, status: Status) -> ClaimResult {
        ClaimResult {
            line,
            col,
            block: None,
            label: None,
            text: text.into(),
            source: ClaimSource::Check,
            latex: None,
            status,
            message: None,
            max_abs_err: None,
            rel_err: None,
            evidence: None,
            compared: None,
            figure: None,
            span: None,
            labels: Vec::new(),
            help: None,
        }
    }
    /// Takes the span, labels and help of the diagnostic it reports.
    pub fn place(&mut self, d: &crate::diag::Diagnostic) {
        self.span = Some(d.span);
        self.labels = d.labels.clone();
        self.help = d.help.clone();
    }
    /// [`ClaimResult::place`], by value.
    pub fn placed(mut self, d: &crate::diag::Diagnostic) -> ClaimResult {
        self.place(d);
        self
    }
}

/// Data for a derivative claim's figures, from one trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DerivativeFigure {
    /// The trial the data come from (1-based; the evidence's trial when the
    /// claim fails).
    pub trial: u32,
    /// The dimensions of that trial.
    pub dims: BTreeMap<String, u64>,
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
    /// Problems that fail no claim: a dimension fixed to 1, a formula that
    /// cannot be typeset, a missing image, a broken link (found afresh by
    /// the pipeline on every run, not cached).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// A warning at a place in a note (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Warning {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl NoteResult {
    /// Every claim of the note in file order (note errors, block errors,
    /// statements, prose equations).
    pub fn claims(&self) -> Vec<&ClaimResult> {
        let mut v = self.located_claims();
        v.sort_by_key(|(_, c)| (c.line, c.col));
        v.into_iter().map(|(_, c)| c).collect()
    }

    /// Every claim with what holds it, in structural order: note errors,
    /// then each block's errors and statements, then each display
    /// equation's.
    pub fn located_claims(&self) -> Vec<(Holder<'_>, &ClaimResult)> {
        let mut v: Vec<(Holder<'_>, &ClaimResult)> =
            self.errors.iter().map(|c| (Holder::Note, c)).collect();
        for b in &self.blocks {
            v.extend(b.errors.iter().map(|c| (Holder::Block(b), c)));
            for s in &b.stmts {
                v.extend(s.claims.iter().map(|c| (Holder::Block(b), c)));
            }
        }
        for e in &self.equations {
            v.extend(e.claims().map(|c| (Holder::Equation(e), c)));
        }
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

    /// Keeps only the claims `keep` accepts (a statement keeps its place
    /// and its other data); the counts are recomputed. `keep` sees each
    /// claim's holder: the note, a block (its id, index and options) or a
    /// prose equation.
    pub fn retain_claims(&mut self, mut keep: impl FnMut(Holder<'_>, &ClaimResult) -> bool) {
        self.errors.retain(|c| keep(Holder::Note, c));
        for b in &mut self.blocks {
            let (errors, mut stmts) = (std::mem::take(&mut b.errors), std::mem::take(&mut b.stmts));
            let errors = errors
                .into_iter()
                .filter(|c| keep(Holder::Block(&*b), c))
                .collect();
            for s in &mut stmts {
                s.claims.retain(|c| keep(Holder::Block(&*b), c));
            }
            b.errors = errors;
            b.stmts = stmts;
        }
        for e in &mut self.equations {
            let (errors, mut stmts) = (std::mem::take(&mut e.errors), std::mem::take(&mut e.stmts));
            let errors = errors
                .into_iter()
                .filter(|c| keep(Holder::Equation(&*e), c))
                .collect();
            for s in &mut stmts {
                s.claims.retain(|c| keep(Holder::Equation(&*e), c));
            }
            e.errors = errors;
            e.stmts = stmts;
        }
        let mut counts = Counts::default();
        for c in self.claims() {
            counts.add(c.status);
        }
        self.counts = counts;
    }
}

/// What holds a claim: the note itself (front matter, unreadable file), a
/// check block, or a display equation of the prose.
#[derive(Clone, Copy, Debug)]
pub enum Holder<'a> {
    Note,
    Block(&'a BlockResult),
    Equation(&'a EquationResult),
}

impl<'a> Holder<'a> {
    /// The check block, if a block holds the claim.
    pub fn block(self) -> Option<&'a BlockResult> {
        match self {
            Holder::Block(b) => Some(b),
            _ => None,
        }
    }
}

/// One unit of work from the check stage to every output: a note, the
/// cache key of its result, and the result. The report renders it, the
/// outputs print it, the cache stores its result under its key; nothing
/// matches notes and results by position.
#[derive(Clone, Debug)]
pub struct CheckedNote<'n> {
    pub note: &'n Note,
    /// The key the result is (or would be) cached under (`cache::Key`).
    pub key: [u8; 32],
    pub result: NoteResult,
}

impl<'n> CheckedNote<'n> {
    pub fn new(note: &'n Note, key: [u8; 32], result: NoteResult) -> CheckedNote<'n> {
        CheckedNote { note, key, result }
    }
}
