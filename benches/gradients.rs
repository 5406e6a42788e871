//! Benchmark (issue: derivatives): the two-layer network's gradient claims
//! at N=64, D=100, H=50, C=10. Reports, per claim, the wall time of checking
//! it (one trial) and its ratio to one plain evaluation of the network.
//!
//! Run: `cargo bench --bench gradients`

use std::path::PathBuf;
use std::time::Instant;

use notecheck::ProjectConfig;
use notecheck::check;
use notecheck::parse_note;
use notecheck::{Evaluator, Trial};

const NETWORK: &str = "let X ∈ R^{N×D}
let Y ∈ OneHot^{N×C}
let W1 ∈ R^{D×H}
let b1 ∈ R^{1×H}
let W2 ∈ R^{H×C}
let b2 ∈ R^{1×C}
let Z1 = X W1 + 1_N b1
let A1 = relu(Z1)
let Z2 = A1 W2 + 1_N b2
let P = softmax(Z2)
let L = -sum(Y ⊙ log(P))/N
let G2 = (P - Y)/N
let G1 = (G2 W2^T) ⊙ step(Z1)
";

const CLAIMS: &[&str] = &[
    "∂L/∂Z2 = (P - Y)/N",
    "∂L/∂W2 = A1^T G2",
    "∂L/∂b2 = 1_N^T G2",
    "∂L/∂A1 = G2 W2^T",
    "∂L/∂Z1 = G1",
    "∂L/∂W1 = X^T G1",
    "∂L/∂b1 = 1_N^T G1",
    "∂L/∂X = G1 W1^T",
];

fn note(claims: &str) -> String {
    format!(
        "---\ndims: {{N: 64, D: 100, H: 50, C: 10}}\ncheck:\n  trials: 1\n---\n\n```check\n{NETWORK}{claims}\n```\n"
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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

fn main() {
    // One plain evaluation of the network's loss.
    let src = note("");
    let n = parse_note("bench.md".into(), PathBuf::from("bench.md"), src.clone());
    let dims = n.front.dims.clone();
    let compiled = notecheck::compile(&n, &Default::default(), &dims);
    let loss = compiled
        .program
        .defs
        .iter()
        .find(|d| d.name == "L")
        .expect("L is defined");
    let eval = median(
        (0..21)
            .map(|_| {
                let trial = Trial::new(&compiled.program, 0, 1, &dims, (2, 5));
                let t = Instant::now();
                Evaluator::plain(&trial)
                    .eval(&loss.expr)
                    .expect("evaluates");
                t.elapsed().as_secs_f64()
            })
            .collect(),
    );
    println!(
        "one plain evaluation of the network (N=64, D=100, H=50, C=10): {:.3} ms",
        eval * 1e3
    );
    let baseline = time_check(&src, 5);
    println!("checking the definitions alone: {:.3} ms", baseline * 1e3);
    println!("{:<24} {:>12} {:>10}", "claim", "time/claim", "ratio");
    let mut worst: f64 = 0.0;
    for c in CLAIMS {
        let t = (time_check(&note(c), 5) - baseline).max(0.0);
        let ratio = t / eval;
        worst = worst.max(ratio);
        println!("{:<24} {:>9.3} ms {:>9.1}×", c, t * 1e3, ratio);
    }
    println!("worst ratio: {worst:.1}× one evaluation (target ≤ 100×)");
}
