//! Benchmark (issue 13, speed): the Hessian of
//! `f = x^T A x + sum(log(1 + exp(x)))` at n = 100. Reports the wall time
//! of one gradient evaluation (exact, dual numbers), of checking a Hessian
//! claim in one trial (n > 64, so the check projects H on random
//! directions, each H v one forward-over-forward pass), and of building
//! the full Hessian (n² nested passes), each as a ratio to one gradient
//! evaluation. Target: checking a Hessian claim ≤ 50× one gradient.
//!
//! Run: `cargo bench --bench hessian`

use std::path::PathBuf;
use std::time::Instant;

use notecheck::CompiledKind;
use notecheck::ProjectConfig;
use notecheck::check;
use notecheck::parse_note;
use notecheck::{Evaluator, Trial};

const N: u64 = 100;

const SETUP: &str = "let x ∈ R^n
let A ∈ R^{n×n}
let f = x^T A x + sum(log(1_n + exp(x)))
";

/// Definitions timed on their own (not part of the checked notes).
const DEFS: &str = "let g = ∂f/∂x
let H = ∂²f/∂x∂x^T
";

const GRADIENT: &str = "∂f/∂x = (A + A^T) x + sigmoid(x)";
const HESSIAN: &str = "∂²f/∂x∂x^T = A + A^T + diag(sigmoid(x) ⊙ (1_n - sigmoid(x)))";

fn note_with(claims: &str, trials: u32) -> String {
    format!(
        "---\ndims: {{n: {N}}}\ncheck:\n  trials: {trials}\n---\n\n```check\n{SETUP}{claims}\n```\n"
    )
}

fn note(claims: &str) -> String {
    note_with(claims, 1)
}

/// The time one more trial of checking `claim` takes: (5 trials − 1 trial) / 4,
/// so that parsing, compiling and the first trial's figures do not count.
fn per_trial(claim: &str, runs: usize) -> f64 {
    let one = time_check(&note_with(claim, 1), runs);
    let five = time_check(&note_with(claim, 5), runs);
    ((five - one) / 4.0).max(0.0)
}

/// The fastest run: the machine's other load only ever adds time.
fn median(v: Vec<f64>) -> f64 {
    v.into_iter().fold(f64::INFINITY, f64::min)
}

fn time_check(src: &str, runs: usize) -> f64 {
    let project = ProjectConfig::default();
    let n = parse_note(
        "bench.md".into(),
        PathBuf::from("bench.md"),
        src.to_string(),
    );
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let r = check(&n, &project);
                assert_eq!(r.counts.failed(), 0, "{:?}", r.claims());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Median time of evaluating the definition `name` in fresh trials.
fn time_def(name: &str, runs: usize) -> f64 {
    let src = note(DEFS);
    let n = parse_note("bench.md".into(), PathBuf::from("bench.md"), src);
    let dims = n.front.dims.clone();
    let compiled = notecheck::compile(&n, &Default::default(), &dims);
    let def = compiled
        .program
        .defs
        .iter()
        .find(|d| d.name == name)
        .expect("defined");
    let ok = compiled
        .blocks
        .iter()
        .flat_map(|b| &b.stmts)
        .all(|s| !matches!(s.kind, CompiledKind::Error(_)));
    assert!(ok, "the setup compiles");
    median(
        (0..runs)
            .map(|k| {
                let trial = Trial::new(&compiled.program, k as u64, 1, &dims, (2, 5));
                let t = Instant::now();
                Evaluator::plain(&trial).eval(&def.expr).expect("evaluates");
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let grad = time_def("g", 11);
    println!(
        "n = {N}: one exact gradient evaluation: {:.3} ms",
        grad * 1e3
    );
    let g_check = per_trial(GRADIENT, 5);
    let h_check = per_trial(HESSIAN, 3);
    println!(
        "checking the gradient claim, one trial:  {:>9.3} ms {:>7.1}× one gradient",
        g_check * 1e3,
        g_check / grad
    );
    println!(
        "checking the Hessian claim, one trial:   {:>9.3} ms {:>7.1}× one gradient (target ≤ 50×)",
        h_check * 1e3,
        h_check / grad
    );
    let full = time_def("H", 3);
    println!(
        "building the full {N}×{N} Hessian:       {:>9.3} ms {:>7.1}× one gradient (n² nested passes)",
        full * 1e3,
        full / grad
    );
}
