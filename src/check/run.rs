//! Trials and verdicts: a compiled note → a [`NoteResult`].

use std::collections::BTreeMap;

use nalgebra::DMatrix;

use crate::check::diagnose;
use crate::check::verdict::DerivativeFigure;
use crate::check::verdict::{
    BlockResult, ClaimResult, ClaimSource, Counts, Coverage, Diagnosis, EquationResult, Evidence,
    Matrix, NoteResult, Shown, Status, StmtKindTag, StmtResult,
};
use crate::config::CheckSettings;
use crate::eval::interp::{self, Evaluator, Trial};
use crate::eval::limits::{self, Budget};
use crate::lang::ast::{Rel, SpaceKind};
use crate::lang::compile::{CompiledKind, CompiledNote, Located};
use crate::lang::ir::{Claim, ClaimRhs, Expr, ExprKind, Program};
use crate::lang::shape::Dim;
use crate::note::Note;

#[path = "explain.rs"]
mod explain;
#[path = "order.rs"]
mod order;
#[path = "space.rs"]
mod space;

use explain::{contains_derivative, factor_across_trials, symbolic_shape};

/// Largest matrix printed in evidence, per side.
const PRINT_MAX: usize = 8;
/// Derivatives with respect to more entries than this are checked by random
/// projections (building J takes one forward pass per entry of X).
const PROJECT_ABOVE: usize = 64;
/// Random directions per trial for a projected check.
const PROBES: u64 = 2;
/// Largest derivative drawn as a heatmap (entries per axis).
const FIGURE_MAX: usize = 40;

/// Check a compiled note. `fixed` are the note's fixed dimension values.
pub fn check_note(
    note: &Note,
    compiled: &CompiledNote,
    fixed: &BTreeMap<String, u64>,
) -> NoteResult {
    let mut counts = Counts::default();
    // The whole note's budget: ten claims' worth of the longest timeout of
    // its blocks and equations, at least a minute (see ARCHITECTURE.md, Limits).
    let longest = compiled
        .blocks
        .iter()
        .map(|b| b.settings.timeout)
        .chain(compiled.equations.iter().map(|e| e.settings.timeout))
        .fold(0.0f64, f64::max);
    let note_deadline = std::time::Duration::try_from_secs_f64(limits::note_budget_secs(longest))
        .ok()
        .and_then(|d| std::time::Instant::now().checked_add(d));
    // The note stage's errors, at their line and column in the file.
    let lines = note.line_index();
    let note_error = |d: &crate::diag::Diagnostic, block: Option<String>| {
        let (line, col) = lines.line_col(d.span.start);
        error_claim(line, col, block, None, "", d.message.clone()).placed(d)
    };
    let errors: Vec<ClaimResult> = note.errors.iter().map(|e| note_error(e, None)).collect();
    let mut blocks = Vec::new();
    for (block, cb) in note.blocks.iter().zip(&compiled.blocks) {
        let id = block.id.clone();
        let berrors: Vec<ClaimResult> = block
            .errors
            .iter()
            .map(|e| note_error(e, id.clone()))
            .collect();
        let stmts = check_stmts(
            &compiled.program,
            &cb.stmts,
            &cb.settings,
            fixed,
            Scope {
                block: id.clone(),
                should_fail: block.should_fail,
                source: ClaimSource::Check,
                note_deadline,
            },
        );
        blocks.push(BlockResult {
            index: block.index,
            id,
            hide: block.hide,
            should_fail: block.should_fail,
            einstein: cb.settings.einstein,
            fence_line: block.fence_line,
            stmts,
            errors: berrors,
        });
    }
    let equations = compiled
        .equations
        .iter()
        .map(|e| EquationResult {
            index: e.index,
            line: e.line,
            coverage: match &e.coverage {
                Ok(()) => Coverage::Checked,
                Err(reason) => Coverage::Unchecked(reason.clone()),
            },
            should_fail: e.should_fail,
            stmts: check_stmts(
                &compiled.program,
                &e.stmts,
                &e.settings,
                fixed,
                Scope {
                    block: None,
                    should_fail: e.should_fail,
                    source: ClaimSource::Latex,
                    note_deadline,
                },
            ),
            errors: e
                .errors
                .iter()
                .map(|l| {
                    let mut c = error_claim(l.line, l.col, None, None, "", l.message().to_string());
                    c.source = ClaimSource::Latex;
                    c.place(&l.diag);
                    c
                })
                .collect(),
        })
        .collect();
    let mut result = NoteResult {
        path: note.path.clone(),
        rel_path: note.rel_path.to_string_lossy().replace('\\', "/"),
        title: note.title.clone(),
        errors,
        blocks,
        equations,
        counts: Counts::default(),
        warnings: Vec::new(),
    };
    for c in result.claims() {
        counts.add(c.status);
    }
    result.counts = counts;
    result
}

/// Where a run of statements is checked: its block (`None` for a prose
/// equation), whether it should fail, where its claims come from, and the
/// note's deadline.
struct Scope {
    block: Option<String>,
    should_fail: bool,
    source: ClaimSource,
    note_deadline: Option<std::time::Instant>,
}

/// Check a block's (or an equation's) compiled statements.
fn check_stmts(
    program: &Program,
    compiled_stmts: &[crate::lang::compile::CompiledStmt],
    settings: &CheckSettings,
    fixed: &BTreeMap<String, u64>,
    scope: Scope,
) -> Vec<StmtResult> {
    let id = scope.block;
    let mut stmts = Vec::new();
    for s in compiled_stmts {
        let ctx = Ctx {
            program,
            settings,
            fixed,
            block: id.clone(),
            label: s.label.clone(),
            should_fail: scope.should_fail,
        };
        // One budget per statement (`let`, `show`) and per claim.
        let budget = || {
            Budget::open(
                usize::try_from(settings.max_entries).unwrap_or(usize::MAX),
                settings.timeout,
                scope.note_deadline,
            )
        };
        let statement_budget = budget();
        let mut shown = None;
        let (kind, claims) = match &s.kind {
            CompiledKind::Declare => (StmtKindTag::Declare, vec![]),
            CompiledKind::Function => (StmtKindTag::Function, vec![]),
            CompiledKind::Define(Ok(d)) => (
                StmtKindTag::Define,
                ctx.check_definition(*d, s.line, &s.text),
            ),
            CompiledKind::Define(Err(l)) | CompiledKind::Error(l) => {
                let tag = if matches!(s.kind, CompiledKind::Define(_)) {
                    StmtKindTag::Define
                } else {
                    StmtKindTag::Error
                };
                (tag, vec![ctx.error(l, &s.text)])
            }
            CompiledKind::Show(Ok(e)) => match ctx.show(e) {
                Ok(v) => {
                    shown = Some(v);
                    (StmtKindTag::Show, vec![])
                }
                Err(m) => (
                    StmtKindTag::Show,
                    vec![error_claim(
                        s.line,
                        1,
                        id.clone(),
                        s.label.clone(),
                        &s.text,
                        m.to_string(),
                    )],
                ),
            },
            CompiledKind::Show(Err(l)) => (StmtKindTag::Show, vec![ctx.error(l, &s.text)]),
            CompiledKind::Claims(cs) => (
                StmtKindTag::Claim,
                cs.iter()
                    .map(|c| match &c.result {
                        Ok(claim) => {
                            let _claim_budget = budget();
                            let mut r = ctx.check_claim(claim);
                            timed_out(&mut r);
                            r.line = c.line;
                            r.col = c.col;
                            r.span = Some(c.span);
                            r.text = c.text.clone();
                            r.latex = c.latex.clone();
                            r
                        }
                        Err(l) => {
                            let mut r = ctx.error(l, &c.text);
                            r.latex = c.latex.clone();
                            r
                        }
                    })
                    .collect(),
            ),
        };
        let mut claims = claims;
        if !matches!(s.kind, CompiledKind::Claims(_)) {
            // A `let` or `show` that ran out of time.
            claims.iter_mut().for_each(timed_out);
        }
        drop(statement_budget);
        for c in &mut claims {
            c.source = scope.source;
            if let Some(m) = &c.message {
                c.message = Some(clip_message(m));
            }
        }
        stmts.push(StmtResult {
            line: s.line,
            label: s.label.clone(),
            kind,
            text: s.text.clone(),
            latex: s.latex.clone(),
            claims,
            shown,
        });
    }
    stmts
}

/// The result of a note whose check panicked: one `error` at line 1.
pub fn crashed(note: &Note, message: &str) -> NoteResult {
    let mut counts = Counts::default();
    counts.add(Status::Error);
    NoteResult {
        path: note.path.clone(),
        rel_path: note.rel_path.to_string_lossy().replace('\\', "/"),
        title: note.title.clone(),
        errors: vec![error_claim(1, 1, None, None, "", message.to_string())],
        blocks: Vec::new(),
        equations: Vec::new(),
        counts,
        warnings: Vec::new(),
    }
}

/// A claim whose budget ran out is an `error`, whatever its loops left
/// behind (a loop stopped at the deadline gives a value never to be trusted).
fn timed_out(r: &mut ClaimResult) {
    if limits::was_expired() {
        r.status = Status::Error;
        r.message = Some(limits::timeout_message());
        r.evidence = None;
        r.figure = None;
        r.max_abs_err = None;
        r.rel_err = None;
    }
}

/// Longest word echoed in a message, in characters.
const ECHO_MAX: usize = 60;

/// A message with every word longer than `ECHO_MAX` characters cut to
/// its start and "…", so that no message echoes a giant token or a whole
/// file; messages longer than 2,000 characters are cut too.
pub fn clip_message(m: &str) -> String {
    if m.chars().count() <= ECHO_MAX && !m.contains('\n') {
        return m.to_string();
    }
    let mut out = String::with_capacity(m.len().min(2100));
    let mut word = 0usize;
    let mut total = 0usize;
    for c in m.chars() {
        if total >= 2000 {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            word = 0;
            out.push(if c == '\n' { ' ' } else { c });
            total += 1;
            continue;
        }
        word += 1;
        if word <= ECHO_MAX {
            out.push(c);
            total += 1;
        } else if word == ECHO_MAX + 1 {
            out.push('…');
            total += 1;
        }
    }
    out
}

fn error_claim(
    line: usize,
    col: usize,
    block: Option<String>,
    label: Option<String>,
    text: &str,
    message: String,
) -> ClaimResult {
    ClaimResult {
        block,
        label,
        message: Some(clip_message(&message)),
        ..ClaimResult::new(line, col, text, Status::Error)
    }
}

struct Ctx<'a> {
    program: &'a Program,
    settings: &'a CheckSettings,
    fixed: &'a BTreeMap<String, u64>,
    block: Option<String>,
    label: Option<String>,
    should_fail: bool,
}

/// One comparison of the two sides, in one trial at one index assignment.
struct Sample {
    trial: u32,
    dims: BTreeMap<String, u64>,
    indices: BTreeMap<String, u64>,
    lhs: DMatrix<f64>,
    rhs: DMatrix<f64>,
    max_abs: f64,
    rel: f64,
    tol: f64,
    /// `diff / tol`: above 1 means the sides differ.
    ratio: f64,
    /// Where the largest difference sits (0-based entry); `None` for a shape mismatch.
    at: Option<(usize, usize)>,
}

impl Sample {
    /// The index values as the evaluator takes them (0-based).
    fn zero_based_indices(&self) -> BTreeMap<String, usize> {
        self.indices
            .iter()
            .map(|(k, v)| (k.clone(), (*v as usize).saturating_sub(1)))
            .collect()
    }

    fn location(&self) -> String {
        let mut location = match self.at {
            None => "shape".to_string(),
            Some(_) if self.lhs.len() == 1 => "the value".to_string(),
            Some((i, j)) => format!("entry ({}, {})", i + 1, j + 1),
        };
        if !self.indices.is_empty() {
            let idx: Vec<String> = self
                .indices
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            location.push_str(&format!(" with {}", idx.join(", ")));
        }
        location
    }

    /// Attach the trial's dimensions and the index values (for evidence).
    fn at_point(mut self, dims: &BTreeMap<String, u64>, idx: &BTreeMap<String, usize>) -> Sample {
        self.dims = dims.clone();
        self.indices = idx
            .iter()
            .map(|(k, v)| (k.clone(), *v as u64 + 1))
            .collect();
        self
    }
}

/// Every assignment of a claim's free indices, visited in place.
struct Odometer {
    names: Vec<String>,
    sizes: Vec<usize>,
    next: usize,
    total: usize,
}

impl Odometer {
    fn new(
        free: &BTreeMap<String, Dim>,
        dims: &BTreeMap<String, u64>,
    ) -> crate::eval::ER<Odometer> {
        let mut sizes = Vec::new();
        for (name, range) in free {
            sizes.push(
                range
                    .eval(dims)
                    .ok_or_else(|| format!("the range of index '{name}' has no value"))?,
            );
        }
        let total = sizes
            .iter()
            .try_fold(1usize, |acc, s| acc.checked_mul(*s))
            .ok_or_else(|| {
                crate::eval::EvalError::TooLarge(
                    "the claim's free indices have more combinations than can be counted".into(),
                )
            })?;
        Ok(Odometer {
            names: free.keys().cloned().collect(),
            total,
            sizes,
            next: 0,
        })
    }

    /// Write the next assignment into `idx`; false when all are done.
    fn advance(&mut self, idx: &mut BTreeMap<String, usize>) -> bool {
        if self.next >= self.total {
            return false;
        }
        let mut n = self.next;
        for (name, size) in self.names.iter().zip(&self.sizes).rev() {
            match idx.get_mut(name) {
                Some(v) => *v = n % size,
                None => {
                    idx.insert(name.clone(), n % size);
                }
            }
            n /= size;
        }
        self.next += 1;
        true
    }
}

impl Ctx<'_> {
    fn error(&self, l: &Located, text: &str) -> ClaimResult {
        error_claim(
            l.line,
            l.col,
            self.block.clone(),
            self.label.clone(),
            text,
            l.message().to_string(),
        )
        .placed(&l.diag)
    }

    fn trial(&self, t: u32) -> Trial<'_> {
        Trial::new(
            self.program,
            self.settings.seed,
            t,
            self.fixed,
            self.settings.dim_range,
        )
    }

    /// A `let` is evaluated once so that a definition that cannot be
    /// evaluated is reported at its own line.
    fn check_definition(&self, d: usize, line: usize, text: &str) -> Vec<ClaimResult> {
        let def = &self.program.defs[d];
        if !def.indices.is_empty() {
            return vec![];
        }
        let trial = self.trial(1);
        let mut ev = Evaluator::plain(&trial);
        match ev.eval(&def.expr) {
            Ok(_) => vec![],
            Err(m) => vec![error_claim(
                line,
                1,
                self.block.clone(),
                self.label.clone(),
                text,
                m.to_string(),
            )],
        }
    }

    fn show(&self, e: &Expr) -> crate::eval::ER<Shown> {
        let trial = self.trial(1);
        let mut ev = Evaluator::plain(&trial);
        let v = ev.eval(e)?;
        Ok(Shown {
            value: to_matrix(&v),
            dims: trial.dims.clone(),
        })
    }

    fn finish(&self, holds: bool, mut r: ClaimResult) -> ClaimResult {
        r.status = match (holds, self.should_fail) {
            (true, false) => Status::Pass,
            (false, false) => Status::Fail,
            (true, true) => Status::Xpass,
            (false, true) => Status::Xfail,
        };
        r
    }

    fn blank(&self) -> ClaimResult {
        ClaimResult {
            block: self.block.clone(),
            label: self.label.clone(),
            ..ClaimResult::new(0, 0, "", Status::Pass)
        }
    }

    fn check_claim(&self, claim: &Claim) -> ClaimResult {
        match &claim.rhs {
            ClaimRhs::Space { kind, axes, text } => self.check_space(claim, *kind, axes, text),
            ClaimRhs::Expr(rhs) => self.check_relation(claim, rhs),
        }
    }

    fn check_relation(&self, claim: &Claim, rhs: &Expr) -> ClaimResult {
        if claim.rel.is_order() {
            return self.check_order(claim, rhs);
        }
        let mut result = self.blank();
        result.compared = compared(&claim.lhs, rhs);
        let rtol = if claim.rel == Rel::Approx {
            self.settings.approx_rtol
        } else {
            self.settings.rtol
        };
        if let Some(r) = self.projected(claim, rhs, rtol) {
            return r;
        }
        let zero_l = is_zero_literal(&claim.lhs);
        let zero_r = is_zero_literal(rhs);
        let mut worst: Option<Sample> = None;
        let mut max_abs: f64 = 0.0;
        let mut max_rel: f64 = 0.0;
        let mut differs_somewhere = false;
        // The worst comparison of each trial, for diagnoses across trials.
        let mut per_trial: Vec<Sample> = Vec::new();
        for t in 1..=self.settings.trials.max(1) {
            let (trial, mut odometer) = match self.start_trial(t, claim) {
                Ok(s) => s,
                Err(e) => return self.errored(result, e),
            };
            let mut ev = Evaluator::plain(&trial);
            while odometer.advance(&mut ev.idx) {
                let (l, r) = match sides(&mut ev, &claim.lhs, rhs) {
                    Ok(s) => s,
                    Err((side, e)) => return self.side_failed(result, side, e, &trial),
                };
                for (side, v) in [("left", &l), ("right", &r)] {
                    if let Some(m) = not_finite(v) {
                        let at = index_note(&ev.idx);
                        return self.errored(
                            result,
                            format!("not finite in trial {t}: the {side} side {m}{at}"),
                        );
                    }
                }
                let (l, r) = broadcast_zero(l, r, zero_l, zero_r);
                if t == 1 && result.figure.is_none() {
                    result.figure = figure(t, &trial, &ev.idx, &claim.lhs, Some(rhs), &l, Some(&r));
                }
                let s = compare(t, l, r, rtol, self.settings.atol);
                if s.ratio > 1.0 {
                    differs_somewhere = true;
                }
                if s.max_abs.is_finite() {
                    max_abs = max_abs.max(s.max_abs);
                    max_rel = max_rel.max(s.rel);
                }
                if per_trial
                    .last()
                    .is_none_or(|p| p.trial != t || s.ratio > p.ratio)
                {
                    if per_trial.last().is_some_and(|p| p.trial == t) {
                        per_trial.pop();
                    }
                    per_trial.push(
                        compare(t, s.lhs.clone(), s.rhs.clone(), rtol, self.settings.atol)
                            .at_point(&trial.dims, &ev.idx),
                    );
                }
                if worst.as_ref().is_none_or(|w| s.ratio > w.ratio) {
                    worst = Some(s.at_point(&trial.dims, &ev.idx));
                }
            }
        }
        let Some(w) = worst else {
            return self.errored(result, "nothing to compare");
        };
        result.max_abs_err = Some(max_abs);
        result.rel_err = Some(max_rel);
        let holds = match claim.rel {
            Rel::Ne => differs_somewhere,
            _ => !differs_somewhere,
        };
        if claim.rel == Rel::Ne && !holds {
            result.message = Some("the two sides were equal in every trial".into());
        }
        if claim.rel != Rel::Ne && !holds {
            let shapes_differ = w.lhs.shape() != w.rhs.shape();
            let ctx = diagnose::Context::of(self.program, &claim.lhs, Some(rhs));
            let diagnosis = if shapes_differ {
                diagnose::shapes_in(&w.lhs, &w.rhs, &ctx)
            } else {
                self.orthogonal_sign(claim, &per_trial)
                    .or_else(|| factor_across_trials(&per_trial, rtol.max(1e-6)))
                    .or_else(|| diagnose::values_in(&w.lhs, &w.rhs, &w.dims, rtol.max(1e-6), &ctx))
            };
            let diagnosis = diagnosis
                .or_else(|| self.diagnose_rewrites(&claim.lhs, rhs, &w, rtol))
                .or_else(|| diagnose::reordered_in(&w.lhs, &w.rhs, &ctx))
                .or_else(|| explain::condition_hint(self.program, claim));
            let msg = if shapes_differ {
                format!(
                    "the sides have different shapes: left is {}, right is {}",
                    symbolic_shape(&claim.lhs, &w.lhs, is_zero_literal(rhs)),
                    symbolic_shape(rhs, &w.rhs, is_zero_literal(&claim.lhs))
                )
            } else {
                format!(
                    "the sides differ: largest difference {:.3e} at {} (relative {:.3e}, tolerance {:.1e})",
                    w.max_abs,
                    w.location(),
                    w.rel,
                    w.tol
                )
            };
            result.message = Some(msg);
            result.evidence = Some(self.evidence(&w, diagnosis.map(Diagnosis::new)));
            // The figures show the trial (and index values) of the evidence.
            if result.figure.is_some() {
                let trial = self.trial(w.trial);
                result.figure = figure(
                    w.trial,
                    &trial,
                    &w.zero_based_indices(),
                    &claim.lhs,
                    Some(rhs),
                    &w.lhs,
                    Some(&w.rhs),
                );
            }
        }
        self.finish(holds, result)
    }

    /// `∂Y/∂X = R` with a large Jacobian: compare `J v` (one exact forward
    /// pass each) with `R v` for random directions v, as jax's check_grads
    /// does, instead of building J. `None` when it does not apply or the
    /// claim does not hold (the full path then finds the evidence).
    fn projected(&self, claim: &Claim, rhs: &Expr, rtol: f64) -> Option<ClaimResult> {
        if !claim.free.is_empty() || claim.rel == Rel::Ne {
            return None;
        }
        let (deriv, other) = match (interp::deriv_parts(&claim.lhs), interp::deriv_parts(rhs)) {
            (Some(d), None) => (d, rhs),
            (None, Some(d)) => (d, &claim.lhs),
            _ => return None,
        };
        let mut result = self.blank();
        let (mut max_abs, mut max_rel) = (0.0f64, 0.0f64);
        for t in 1..=self.settings.trials.max(1) {
            if limits::expired() {
                return None;
            }
            let trial = self.trial(t);
            // One forward pass per entry of X builds J; beyond a few dozen, project.
            let passes = deriv.x.view.shape.size().eval(&trial.dims)?;
            if passes <= PROJECT_ABOVE {
                return None;
            }
            let mut ev = Evaluator::plain(&trial);
            let r = ev.eval(other).ok()?;
            for k in 0..PROBES {
                let p = match interp::project(&trial, &ev.idx, &deriv, k) {
                    Ok(p) => p,
                    Err(m) => return Some(self.errored(result, m)),
                };
                let rj = interp::as_jacobian(&r, p.yshape, p.xshape, deriv.flatten, deriv.layout)?;
                let rv = rj * DMatrix::from_column_slice(p.v.len(), 1, &p.v);
                let jv = DMatrix::from_column_slice(p.jv.len(), 1, &p.jv);
                let s = compare(t, jv, rv, rtol, self.settings.atol);
                if s.ratio > 1.0 {
                    return None;
                }
                max_abs = max_abs.max(s.max_abs);
                max_rel = max_rel.max(s.rel);
            }
            // The finite-difference figure costs 24 evaluations of Y; for a
            // derivative of a derivative that is 24 exact gradients, more
            // than the check itself, so a projected Hessian has no figure.
            if t == 1
                && !contains_derivative(self.program, deriv.y)
                && let Ok((curve, step)) = interp::fd_curve(&trial, &ev.idx, &deriv)
            {
                result.figure = Some(DerivativeFigure {
                    trial: t,
                    dims: trial.dims.clone(),
                    computed: None,
                    claimed: None,
                    fd_curve: curve,
                    step_used: step,
                });
            }
        }
        result.max_abs_err = Some(max_abs);
        result.rel_err = Some(max_rel);
        result.compared = Some(format!(
            "the exact derivative J (dual numbers) projected on {PROBES} random directions per trial, J v against R v (X has more than {PROJECT_ABOVE} entries, so J is not built)"
        ));
        Some(self.finish(true, result))
    }

    /// Re-check the failing trial with each usual mistake undone.
    fn diagnose_rewrites(&self, lhs: &Expr, rhs: &Expr, w: &Sample, rtol: f64) -> Option<String> {
        let mut found: Vec<String> = Vec::new();
        for rw in diagnose::rewrites(self.program, lhs, rhs) {
            let trial = self.trial(w.trial);
            let mut ev = Evaluator::plain(&trial);
            ev.idx = w
                .indices
                .iter()
                .map(|(k, v)| (k.clone(), (*v as usize).saturating_sub(1)))
                .collect();
            let (Ok(l), Ok(r)) = (ev.eval(&rw.lhs), ev.eval(&rw.rhs)) else {
                continue;
            };
            let s = compare(w.trial, l, r, rtol.max(1e-6), self.settings.atol);
            if s.ratio <= 1.0 && !found.contains(&rw.explains) {
                found.push(rw.explains);
            }
        }
        // Several mistakes can explain the same values (swapped Kronecker
        // factors and the other flatten order often do): name them all.
        (!found.is_empty()).then(|| found.join("; equally, "))
    }

    fn evidence(&self, w: &Sample, diagnosis: Option<Diagnosis>) -> Evidence {
        let small = |m: &DMatrix<f64>| {
            (m.nrows() <= PRINT_MAX && m.ncols() <= PRINT_MAX).then(|| to_matrix(m))
        };
        Evidence {
            trial: w.trial,
            seed: self.settings.seed,
            dims: w.dims.clone(),
            indices: w.indices.clone(),
            tolerance: w.tol,
            max_abs_err: w.max_abs,
            rel_err: w.rel,
            entry: w.at.map(|(i, j)| (i + 1, j + 1)),
            lhs_shape: w.lhs.shape(),
            rhs_shape: Some(w.rhs.shape()),
            space: None,
            lhs: small(&w.lhs),
            rhs: small(&w.rhs),
            diagnosis,
        }
    }

    fn errored(&self, mut r: ClaimResult, message: impl std::fmt::Display) -> ClaimResult {
        r.status = Status::Error;
        r.message = Some(message.to_string());
        r
    }

    /// Trial `t` of `claim` and the odometer over its free indices; `Err`
    /// when the time is up or the indices cannot be counted.
    fn start_trial(&self, t: u32, claim: &Claim) -> crate::eval::ER<(Trial<'_>, Odometer)> {
        limits::check()?;
        let trial = self.trial(t);
        let odometer = Odometer::new(&claim.free, &trial.dims)?;
        Ok((trial, odometer))
    }

    /// A side (`"left side: "`, `"right side: "` or `""`) that has no value
    /// on this trial. When the instance is the cause (a singular matrix, a
    /// logarithm of a negative number), the message names the trial and
    /// its sizes, so that the author can see which sizes break it (an
    /// inverse of `XᵀX` needs N ≥ D) and fix them with `dims` or
    /// `dim_range`; limits and engine errors are about the run, not the
    /// instance.
    fn side_failed(
        &self,
        r: ClaimResult,
        side: &str,
        e: crate::eval::EvalError,
        trial: &Trial<'_>,
    ) -> ClaimResult {
        match e {
            crate::eval::EvalError::Undefined(m) => self.errored(
                r,
                format!(
                    "{side}{m} (trial {}, {})",
                    trial.number,
                    dims_str(&trial.dims)
                ),
            ),
            e => self.errored(r, format!("{side}{e}")),
        }
    }
}

/// The figures of a claim with a derivative side, from trial `t`.
fn figure(
    t: u32,
    trial: &Trial,
    idx: &BTreeMap<String, usize>,
    lhs: &Expr,
    rhs: Option<&Expr>,
    l: &DMatrix<f64>,
    r: Option<&DMatrix<f64>>,
) -> Option<DerivativeFigure> {
    let (d, computed, claimed) = match (interp::deriv_parts(lhs), rhs.and_then(interp::deriv_parts))
    {
        (Some(d), _) => (d, l, r),
        (None, Some(d)) => (d, r?, Some(l)),
        _ => return None,
    };
    let small = |m: &DMatrix<f64>| {
        (m.nrows() <= FIGURE_MAX && m.ncols() <= FIGURE_MAX).then(|| to_matrix(m))
    };
    let (curve, step) = interp::fd_curve(trial, idx, &d).ok()?;
    Some(DerivativeFigure {
        trial: t,
        dims: trial.dims.clone(),
        computed: small(computed),
        claimed: claimed
            .filter(|c| c.shape() == computed.shape())
            .and_then(small),
        fd_curve: curve,
        step_used: step,
    })
}

/// "is NaN at entry (1, 2)", when a value has an entry that is not finite.
fn not_finite(v: &DMatrix<f64>) -> Option<String> {
    let (r, c) = v.shape();
    for j in 0..c {
        for i in 0..r {
            let x = v[(i, j)];
            if !x.is_finite() {
                let what = if x.is_nan() {
                    "NaN"
                } else if x > 0.0 {
                    "+∞"
                } else {
                    "−∞"
                };
                return Some(if r * c == 1 {
                    format!("is {what}")
                } else {
                    format!("is {what} at entry ({}, {})", i + 1, j + 1)
                });
            }
        }
    }
    None
}

/// " (with i=2, j=1)" for the free indices' values, "" without any.
fn index_note(idx: &BTreeMap<String, usize>) -> String {
    if idx.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = idx.iter().map(|(k, v)| format!("{k}={}", v + 1)).collect();
    format!(" (with {})", parts.join(", "))
}

/// A side that has no value: `"left side: "` or `"right side: "`, and why.
type SideError = (&'static str, crate::eval::EvalError);

/// Both sides of a relation on the evaluator's trial and index values;
/// `Err` names the side that has no value.
fn sides(
    ev: &mut Evaluator<f64>,
    lhs: &Expr,
    rhs: &Expr,
) -> Result<(DMatrix<f64>, DMatrix<f64>), SideError> {
    let l = ev.eval(lhs).map_err(|e| ("left side: ", e))?;
    let r = ev.eval(rhs).map_err(|e| ("right side: ", e))?;
    Ok((l, r))
}

fn is_zero_literal(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Num(x) if x == 0.0)
}

fn broadcast_zero(
    l: DMatrix<f64>,
    r: DMatrix<f64>,
    zl: bool,
    zr: bool,
) -> (DMatrix<f64>, DMatrix<f64>) {
    if zl && !zr {
        let z = DMatrix::zeros(r.nrows(), r.ncols());
        (z, r)
    } else if zr && !zl {
        let z = DMatrix::zeros(l.nrows(), l.ncols());
        (l, z)
    } else {
        (l, r)
    }
}

fn compare(trial: u32, lhs: DMatrix<f64>, rhs: DMatrix<f64>, rtol: f64, atol: f64) -> Sample {
    if lhs.shape() != rhs.shape() {
        return Sample {
            trial,
            dims: BTreeMap::new(),
            indices: BTreeMap::new(),
            lhs,
            rhs,
            max_abs: f64::INFINITY,
            rel: f64::INFINITY,
            tol: 0.0,
            ratio: f64::INFINITY,
            at: None,
        };
    }
    let d = &lhs - &rhs;
    let (nl, nr, nd) = (lhs.norm(), rhs.norm(), d.norm());
    let tol = atol + rtol * nl.max(nr);
    let mut max_abs = 0.0f64;
    let mut at = (0, 0);
    let mut nan = false;
    for j in 0..d.ncols() {
        for i in 0..d.nrows() {
            let x = d[(i, j)].abs();
            if x.is_nan() {
                nan = true;
                at = (i, j);
            } else if x > max_abs && !nan {
                max_abs = x;
                at = (i, j);
            }
        }
    }
    let ratio = if nan || nd.is_nan() {
        f64::INFINITY
    } else if tol > 0.0 {
        nd / tol
    } else if nd > 0.0 {
        f64::INFINITY
    } else {
        0.0
    };
    let denom = nl.max(nr);
    let rel = if denom > 0.0 { nd / denom } else { 0.0 };
    Sample {
        trial,
        dims: BTreeMap::new(),
        indices: BTreeMap::new(),
        lhs,
        rhs,
        max_abs: if nan { f64::NAN } else { max_abs },
        rel,
        tol,
        ratio,
        at: Some(at),
    }
}

fn compared(l: &Expr, r: &Expr) -> Option<String> {
    let side = |e: &Expr| match &e.kind {
        ExprKind::Deriv { .. } => {
            Some("the exact derivative (dual numbers; cross-checked by central differences)")
        }
        ExprKind::Differential(_) => Some(
            "the exact differential along random directions dX (dual numbers, cross-checked by central differences)",
        ),
        _ => None,
    };
    match (side(l), side(r)) {
        (Some(a), None) => Some(format!("left: {a}; right: its formula, evaluated")),
        (None, Some(b)) => Some(format!("left: the formula, evaluated; right: {b}")),
        (Some(a), Some(_)) => Some(format!("both sides: {a}")),
        (None, None) => None,
    }
}

pub fn to_matrix(m: &DMatrix<f64>) -> Matrix {
    Matrix {
        rows: m.nrows(),
        cols: m.ncols(),
        data: (0..m.nrows())
            .map(|i| m.row(i).iter().copied().collect())
            .collect(),
    }
}

fn shape_str(m: &DMatrix<f64>) -> String {
    format!("{}×{}", m.nrows(), m.ncols())
}

fn axes_str(a: &[usize]) -> String {
    a.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

pub fn dims_str(d: &BTreeMap<String, u64>) -> String {
    if d.is_empty() {
        return "no dimensions".into();
    }
    d.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
