//! `--format json`: one document, the shape of spec §5 (stable fields first).

use serde_json::{Value, json};

use crate::check::verdict::NoteResult;
use crate::output::totals;

pub fn render(results: &[NoteResult]) -> String {
    let notes: Vec<Value> = results
        .iter()
        .map(|n| {
            let claims: Vec<Value> = n
                .claims()
                .into_iter()
                .map(|c| {
                    json!({
                        "line": c.line,
                        "col": c.col,
                        "block": c.block,
                        "label": c.label,
                        "text": c.text,
                        "status": c.status.as_str(),
                        "message": c.message,
                        "max_abs_err": c.max_abs_err.filter(|x| x.is_finite()),
                        "rel_err": c.rel_err.filter(|x| x.is_finite()),
                        "evidence": c.evidence,
                    })
                })
                .collect();
            json!({"path": n.path, "title": n.title, "claims": claims,
                   "equations": equations_json(&n.coverage())})
        })
        .collect();
    let t = totals(results);
    let mut cov = crate::check::verdict::EquationCoverage::default();
    for n in results {
        cov.merge(&n.coverage());
    }
    let doc = json!({
        "notes": notes,
        "summary": {"pass": t.pass, "fail": t.fail, "error": t.error, "xfail": t.xfail, "xpass": t.xpass,
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
