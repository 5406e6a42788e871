//! No input makes notecheck panic: random statements built from the claim
//! language's own vocabulary go through every stage (parse, resolve,
//! evaluate, render) and must come out as verdicts.

use std::path::PathBuf;

use notecheck::config::ProjectConfig;
use notecheck::note::parse_note;

const DECLS: &str = "let A, B ∈ R^{n×n}\nlet S ∈ SPD^n\nlet W ∈ R^{n×m}\nlet x, y ∈ R^m\nlet v ∈ R^n\nlet s ∈ R\nlet P ∈ Pos^{n×m}\nlet Y ∈ OneHot^{n×m}\nlet φ : R^m → R\nlet ψ : R^{n×m} → R^{n×n}\nlet f = W x\nlet L_i = φ(W_i^T)\n";

const ATOMS: &[&str] = &[
    "A",
    "B",
    "S",
    "W",
    "x",
    "y",
    "v",
    "s",
    "P",
    "Y",
    "f",
    "I",
    "0",
    "1",
    "2",
    "n",
    "m",
    "1_n",
    "I_m",
    "dA",
    "dW",
    "L_i",
    "W_ij",
    "x_j",
    "v_i",
    "A_{1,2}",
    "δ_ij",
    "[1 2; 3 4]",
    "φ(x)",
    "ψ(W)",
    "A^{-1}",
    "W^T",
    "x'",
    "vec(W)",
    "tr(A)",
    "det(S)",
    "logdet(S)",
    "inv(A)",
    "diag(v)",
    "diag(A)",
    "kron(A, B)",
    "sum(W)",
    "mean(P)",
    "norm(x)",
    "exp(A)",
    "log(P)",
    "sqrt(P)",
    "abs(W)",
    "sigmoid(W)",
    "relu(W)",
    "step(W)",
    "softmax(W)",
    "∂f/∂W",
    "∂f/∂x",
    "∂(x^T x)/∂x",
    "∂f_i/∂W_mn",
    "∂L_i/∂W",
    "d(A B)",
    "d(A^{-1})",
    "∑_i L_i",
    "∑_j W_ij x_j",
    "A^2",
    "s^3",
    "(A + B)",
    "(W x)_i",
    "∂tr(A)/∂A",
    "∂f/∂vec(W)",
    "∂f/∂W^T",
    "Wx",
    "A_{9,9}",
];
/// Atoms that are all n×n (or scalars), so that most statements evaluate
/// and the comparison, diagnosis and figure paths run too.
const SQUARE: &[&str] = &[
    "A",
    "B",
    "S",
    "I",
    "A^{-1}",
    "inv(A)",
    "exp(A)",
    "A^2",
    "diag(v)",
    "ψ(W)",
    "dA",
    "d(A B)",
    "d(A^{-1})",
    "∂tr(A)/∂A",
    "∂tr(A B)/∂A",
    "∂(v^T A v)/∂A",
    "(A + B)",
    "A^T",
    "s",
    "2",
    "n",
    "kron(I_1, A)",
];
const OPS: &[&str] = &[" ", " * ", " · ", " ⊙ ", " ⊘ ", " ⊗ ", " / ", " + ", " - "];
const RELS: &[&str] = &[
    " = ",
    " ≈ ",
    " ≠ ",
    " ∈ R^{n×n}",
    " ∈ Sym^n",
    " ∈ R^{n×n×m}",
];

/// A small portable generator (xorshift), so the test is the same everywhere.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.next() % v.len()]
    }
    fn expr(&mut self) -> String {
        let atoms = if self.next().is_multiple_of(2) {
            ATOMS
        } else {
            SQUARE
        };
        let mut e = self.pick(atoms).to_string();
        for _ in 0..self.next() % 3 {
            e.push_str(self.pick(OPS));
            e.push_str(self.pick(atoms));
        }
        e
    }
}

#[test]
fn random_statements_never_panic() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let project = ProjectConfig::default();
    let mut notes = Vec::new();
    let mut results = Vec::new();
    let mut totals = notecheck::check::verdict::Counts::default();
    for k in 0..240 {
        if k % 60 == 0 {
            g = Gen(0x9E37_79B9_7F4A_7C15 ^ (k as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        }
        let mut body = String::from(DECLS);
        for _ in 0..25 {
            let lhs = g.expr();
            let rel = g.pick(RELS);
            let line = if rel.contains('∈') {
                format!("{lhs}{rel}\n")
            } else {
                format!("{lhs}{rel}{}\n", g.expr())
            };
            body.push_str(&line);
        }
        let einstein = if k % 3 == 0 { " einstein" } else { "" };
        let src = format!("---\ncheck:\n  trials: 1\n---\n\n```check{einstein}\n{body}```\n");
        let note = parse_note(
            format!("fuzz{k}.md"),
            PathBuf::from(format!("fuzz{k}.md")),
            src,
        );
        let r = notecheck::check::check(&note, &project);
        assert!(r.counts.total() >= 25, "every statement gives a verdict");
        if k == 0 {
            eprintln!("counts of the first note: {:?}", r.counts);
        }
        totals.merge(&r.counts);
        notes.push(note);
        results.push(r);
    }
    assert!(
        totals.pass + totals.fail > 100,
        "many statements evaluate: {totals:?}"
    );
    let out = std::env::temp_dir().join(format!("notecheck-fuzz-{}", std::process::id()));
    let opts = notecheck::report::SiteOptions {
        title: "fuzz".into(),
        templates_dir: None,
        version: "0".into(),
        command: "notecheck check".into(),
        ..Default::default()
    };
    let checked: Vec<notecheck::check::verdict::CheckedNote> = notes
        .iter()
        .zip(results)
        .map(|(n, r)| notecheck::check::verdict::CheckedNote::new(n, [0; 32], r))
        .collect();
    notecheck::report::render_site(&checked, &opts, &out).expect("renders");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
#[ignore]
fn show_some_random_statements() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20 {
        let lhs = g.expr();
        let rel = g.pick(RELS);
        println!("{lhs}{rel}{}", g.expr());
    }
}
