//! `--format json`: one document, the shape of spec §5 (stable fields first).
//!
//! Each claim: `line`, `col` (1-based, of the relation symbol), `block`,
//! `label`, `text`, `source` (`"check"` | `"latex"`), `status`, `message`,
//! `diagnosis` (the usual mistake named, or null; never repeated inside
//! `message`), `max_abs_err`, `rel_err`, and `evidence` (null unless the
//! claim failed with a counterexample).

use serde_json::{Value, json};

use crate::check::verdict::{CheckedNote, ClaimResult, Evidence};
use crate::output::{Emitter, totals};

/// The JSON document.
pub struct Json;

impl Emitter for Json {
    fn emit(&self, notes: &[CheckedNote<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        w.write_all(render(notes).as_bytes())
    }
}

/// The document as a string (pretty-printed, ending in a newline).
pub fn render(notes: &[CheckedNote<'_>]) -> String {
    let notes_json: Vec<Value> = notes
        .iter()
        .map(|n| {
            let claims: Vec<Value> = n.result.claims().into_iter().map(claim).collect();
            let warnings: Vec<Value> = n
                .result
                .warnings
                .iter()
                .map(|w| json!({"line": w.line, "col": w.col, "message": w.message}))
                .collect();
            json!({"path": n.result.path, "title": n.result.title, "claims": claims,
                   "warnings": warnings, "equations": equations_json(&n.result.coverage())})
        })
        .collect();
    let t = totals(notes);
    let mut cov = crate::check::verdict::EquationCoverage::default();
    for n in notes {
        cov.merge(&n.result.coverage());
    }
    let doc = json!({
        "notes": notes_json,
        "summary": {"pass": t.pass, "fail": t.fail, "error": t.error, "xfail": t.xfail, "xpass": t.xpass,
                    "warnings": notes.iter().map(|n| n.result.warnings.len()).sum::<usize>(),
                    "equations": equations_json(&cov)},
    });
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// `{"display": D, "checked": K, "unchecked": U, "passed", "failed", "reasons": {…}}` (spec 5, 6).
fn equations_json(c: &crate::check::verdict::EquationCoverage) -> Value {
    json!({"display": c.display, "checked": c.checked, "unchecked": c.unchecked,
           "passed": c.passed, "failed": c.failed, "reasons": c.reasons})
}

fn claim(c: &ClaimResult) -> Value {
    json!({
        "line": c.line,
        "col": c.col,
        "block": c.block,
        "label": c.label,
        "text": c.text,
        "source": c.source.as_str(),
        "status": c.status.as_str(),
        "message": c.message,
        "diagnosis": c.evidence.as_ref().and_then(|e| e.diagnosis.as_ref()).map(|d| &d.text),
        "max_abs_err": c.max_abs_err.filter(|x| x.is_finite()),
        "rel_err": c.rel_err.filter(|x| x.is_finite()),
        "evidence": c.evidence.as_ref().map(evidence),
    })
}

/// The evidence with its earlier fields as they were (`location`, the
/// shapes as `3×4` text) and the typed ones beside them (`entry` as
/// `[row, col]`, `lhs_dims`/`rhs_dims` as `[rows, cols]`).
fn evidence(e: &Evidence) -> Value {
    let finite = |x: f64| x.is_finite().then_some(x);
    json!({
        "trial": e.trial,
        "seed": e.seed,
        "dims": e.dims,
        "indices": e.indices,
        "tolerance": finite(e.tolerance),
        "max_abs_err": finite(e.max_abs_err),
        "rel_err": finite(e.rel_err),
        "location": e.location(),
        "entry": e.entry.map(|(i, j)| [i, j]),
        "lhs_shape": e.lhs_shape_text(),
        "rhs_shape": e.rhs_shape_text(),
        "lhs_dims": [e.lhs_shape.0, e.lhs_shape.1],
        "rhs_dims": e.rhs_shape.map(|(r, c)| [r, c]),
        "space": e.space,
        "lhs": e.lhs,
        "rhs": e.rhs,
        "diagnosis": e.diagnosis.as_ref().map(|d| &d.text),
    })
}
