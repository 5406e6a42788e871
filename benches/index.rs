//! Benchmark (issue: index notation): `∂A_ij/∂W_kl` with every dimension 12,
//! i.e. 20,736 entries, evaluated entry by entry through the index loops.
//!
//! Run: `cargo bench --bench index`

use std::path::PathBuf;
use std::time::Instant;

use notecheck::ProjectConfig;
use notecheck::check;
use notecheck::parse_note;

fn main() {
    let src = "---\ndims: {m: 12, n: 12, k: 12, l: 12}\ncheck:\n  trials: 1\n---\n\n```check\nlet W ∈ R^{k×l}\nlet ψ : R^{k×l} → R^{m×n}\nlet A = ψ(W)\n∂A_ij/∂W_kl = ∂A_ij/∂W_kl\n```\n";
    let note = parse_note(
        "index.md".into(),
        PathBuf::from("index.md"),
        src.to_string(),
    );
    let project = ProjectConfig::default();
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let r = check(&note, &project);
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(r.counts.pass, 1, "{:?}", r.claims());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "∂A_ij/∂W_kl, all dimensions 12 (20,736 entries, both sides, one trial): median {:.1} ms per trial (target < 50 ms)",
        times[2] * 1e3
    );
}
