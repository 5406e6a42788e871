//! The claim language's constructs (spec §2.2, §3.1–3.7): for each, a true
//! claim passes and a planted mistake fails with the right evidence, run
//! through the real binary on the notes in `tests/fixtures/language/`.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

/// The JSON report of the whole fixture folder, computed once.
fn report() -> &'static (Value, String) {
    static REPORT: OnceLock<(Value, String)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let out = run(&[
            "check",
            "tests/fixtures/language",
            "--format",
            "json",
            "--no-cache",
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON on stdout");
        (v, String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// The 1-based line of the fixture `file` that is exactly `text` (trimmed).
fn line_of(file: &str, text: &str) -> u64 {
    let path = root().join("tests/fixtures/language").join(file);
    let src = std::fs::read_to_string(&path).expect("fixture exists");
    let hits: Vec<usize> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == text)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "{text:?} occurs once in {file}: {hits:?}");
    hits[0] as u64
}

/// The claims at the line of `text` in `file`.
fn claims_at(file: &str, text: &str) -> Vec<&'static Value> {
    let line = line_of(file, text);
    let (v, _) = report();
    let note = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("note {file} in the report"));
    let cs: Vec<&Value> = note["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["line"] == line)
        .collect();
    assert!(!cs.is_empty(), "claims at {file}:{line} ({text})");
    cs
}

fn status(c: &Value) -> &str {
    c["status"].as_str().unwrap()
}

fn message(c: &Value) -> String {
    let mut m = c["message"].as_str().unwrap_or("").to_string();
    if let Some(d) = c["evidence"]["diagnosis"].as_str() {
        m.push_str(" | ");
        m.push_str(d);
    }
    m
}

/// Every claim at `text`'s line has status `want`.
fn expect(file: &str, text: &str, want: &str) -> Vec<&'static Value> {
    let cs = claims_at(file, text);
    for c in &cs {
        assert_eq!(status(c), want, "{file}: {text}: {}", message(c));
    }
    cs
}

fn passes(file: &str, texts: &[&str]) {
    for t in texts {
        expect(file, t, "pass");
    }
}

/// A planted mistake fails, and its message contains each of `needles`.
fn fails_with(file: &str, text: &str, needles: &[&str]) {
    let cs = expect(file, text, "fail");
    let m = message(cs[0]);
    for n in needles {
        assert!(m.contains(n), "{file}: {text}: {m:?} lacks {n:?}");
    }
    assert!(cs[0]["evidence"].is_object(), "{text}: evidence");
}

fn errors_with(file: &str, text: &str, needles: &[&str]) {
    let cs = expect(file, text, "error");
    let m = message(cs[0]);
    for n in needles {
        assert!(m.contains(n), "{file}: {text}: {m:?} lacks {n:?}");
    }
}

#[test]
fn kronecker_binds_looser_than_products() {
    let f = "kronecker.md";
    passes(
        f,
        &[
            "(A ⊗ B)(C ⊗ D) = A C ⊗ B D",
            "B ⊗ c a^T = B ⊗ (c a^T)",
            "A ⊗ B + C ⊗ D = (A ⊗ B) + (C ⊗ D)",
        ],
    );
    fails_with(f, "(A ⊗ B)(C ⊗ D) = A D ⊗ B C", &["the sides differ"]);
}

#[test]
fn second_derivatives_are_exact() {
    let f = "second-order.md";
    passes(
        f,
        &[
            "∂²f/∂x∂x^T = M + M^T",
            "\\frac{\\partial^2 f}{\\partial x \\partial x^\\top} = M + M^T",
            "∂²h/∂x∂y^T = N",
            "∂²f/∂x_i∂x_j = M_ij + M_ji",
            "∂(∂f/∂x)/∂x = M + M^T",
            "∂g/∂x = M + M^T",
            "∂/∂x f = (M + M^T) x",
            "\\frac{\\partial}{\\partial x} f = (M + M^T) x",
            "∂²tr(X^T X)/∂X_ij∂X_kl = 2 δ_ik δ_jl",
            "∂²(sum(exp(x)))/∂x∂x^T = diag(exp(x))",
        ],
    );
    fails_with(f, "∂²f/∂x∂x^T = 2 M", &["symmetrisation", "M"]);
    fails_with(f, "∂²h/∂x∂y^T = N^T", &["different shapes"]);
    fails_with(f, "∂²f/∂x_i∂x_j = 2 M_ij", &["with i="]);
    fails_with(f, "∂(∂f/∂x)/∂x = M", &["the sides differ"]);
    fails_with(f, "∂g/∂x = M^T", &["the sides differ"]);
    fails_with(f, "∂/∂x f = M x", &["the sides differ"]);
    fails_with(
        f,
        "∂²tr(X^T X)/∂X_ij∂X_kl = δ_ik δ_jl",
        &["with i=", "j=", "k=", "l="],
    );
}

#[test]
fn evaluation_at_a_point() {
    let f = "at-point.md";
    passes(
        f,
        &[
            "∂J/∂w |_{w = ŵ} = 0",
            "∂J/∂w \\big|_{w=\\hat{w}} = 0",
            "J |_{w = ŵ} ≤ J",
            "(w^T u)|_{w = v, u = 2 v} = 2 v^T v",
            "∂R/∂w |_{w = r} = 0",
        ],
    );
    // The ridge optimum is not the least-squares one.
    fails_with(f, "∂R/∂w |_{w = ŵ} = 0", &["the sides differ"]);
}

#[test]
fn orders_entrywise_and_loewner() {
    let f = "orders.md";
    passes(
        f,
        &[
            "0 < x^T S x",
            "norm(A x) ≤ norm(A) norm(x)",
            "norm(x + y) <= norm(x) + norm(y)",
            "exp(x) > 0",
            "sigmoid(x) < 1",
            "x^T x \\ge 0",
            "0 \\le x^T x = x^T x",
            "S ⪰ 0",
            "A^T A ⪰ 0",
            "A^T A + I ≻ 0",
            "S + I \\succeq S",
            "B \\preceq B + I",
            "-S ≺ 0",
            "B B ⪰ 0",
        ],
    );
    assert_eq!(claims_at(f, "0 \\le x^T x = x^T x").len(), 2);
    fails_with(f, "x ≥ 0", &["does not hold in trial", "at entry ("]);
    fails_with(
        f,
        "B ⪰ 0",
        &["smallest eigenvalue", "not positive semidefinite"],
    );
    fails_with(f, "norm(x + y) ≥ norm(x) + norm(y)", &["≥ does not hold"]);
    // Strict orders allow no tolerance: equality breaks them.
    fails_with(f, "x^T x > x^T x", &["> does not hold"]);
    fails_with(f, "S ≻ S", &["not positive definite"]);
    errors_with(f, "A ⪰ 0", &["symmetric"]);
}

#[test]
fn functions_and_names() {
    let f = "functions.md";
    passes(
        f,
        &[
            "pinv(X) = (X^T X)^{-1} X^T",
            "X^+ X = I",
            "X^\\dagger = pinv(X)",
            "pinv(X^T) = pinv(X)^T",
            "∂(sum(pinv(X)))/∂X_ij = ∂(sum((X^T X)^{-1} X^T))/∂X_ij",
            "adj(A) = det(A) A^{-1}",
            "A adj(A) = det(A) I",
            "sum(eigvals(S)) = tr(S)",
            "∂(sum(eigvals(S)))/∂S = I",
            "∂(sum(eigvals(S) ⊙ eigvals(S)))/∂S = 2 S",
            "logsumexp(z) = log(sum(exp(z)))",
            "∂logsumexp(z)/∂z = softmax(z)",
            "softplus(z) = log(1_n + exp(z))",
            "∂sum(softplus(z))/∂z = sigmoid(z)",
            "cos(π) = -1",
            "\\pi > 3",
            "\\hat{w} = 2 w",
            "x̄ = z / 2",
            "\\tilde{x} = z + w",
            "\\ell = sum(w)",
            "∂ℓ/∂w = 1_n",
        ],
    );
    fails_with(f, "X X^+ = I", &["the sides differ"]);
    fails_with(f, "adj(A) = det(A) A^{-T}", &["transposing"]);
    fails_with(f, "eigvals(S) = diag(S)", &["the sides differ"]);
    fails_with(f, "∂logsumexp(z)/∂z = exp(z)", &["the sides differ"]);
    fails_with(f, "∂sum(softplus(z))/∂z = exp(z)", &["the sides differ"]);
    fails_with(f, "sin(π/2) = 0", &["the sides differ"]);
    fails_with(f, "ŵ = w", &["factor 2"]);
    errors_with(f, "eigvals(A) = eigvals(A)", &["symmetric matrix"]);
}

#[test]
fn indices_constant_sides_bounds_and_affine_subscripts() {
    let f = "indices.md";
    passes(
        f,
        &[
            "∑_j ∂p_i/∂z_j = 0",
            "∑_{i=1}^{n} δ_ii = n",
            "∑_{i=1}^{n} x_i = sum(x)",
            "(P ⊗ R)_{r(i-1)+k, s(j-1)+l} = P_ij R_kl",
        ],
    );
    fails_with(f, "∑_j ∂p_i/∂z_j = 1", &["with i="]);
    fails_with(f, "∑_{i=1}^{n} δ_ii = 1", &["the sides differ"]);
    fails_with(
        f,
        "(P ⊗ Q)_{r(i-1)+k, r(j-1)+l} = P_ij Q_lk",
        &["with i=", "k=", "l="],
    );
}

#[test]
fn one_hot_vectors_have_a_single_one() {
    let f = "onehot.md";
    passes(
        f,
        &[
            "sum(t) = 1",
            "t^T t = 1",
            "r 1_C = 1",
            "Y 1_C = 1_N",
            "∂L/∂z = softmax(z) - t",
        ],
    );
    fails_with(f, "∂L/∂z = softmax(z)", &["the sides differ"]);
}

#[test]
fn messages_lead_the_right_way() {
    let f = "messages.md";
    errors_with(f, "transpose(A) = A^T", &["write A^T"]);
    errors_with(f, "softmx(x) = x", &["did you mean `softmax`?"]);
    let cs = expect(f, "frobnicate(x) = x", "error");
    assert!(message(cs[0]).contains("declare it"));
    let cs = expect(f, "softmx(x) = x", "error");
    assert!(!message(cs[0]).contains("declare"), "{}", message(cs[0]));
    errors_with(f, "let v = x²", &["x^2"]);
    errors_with(f, "let u = |x|", &["abs(x)"]);
    errors_with(
        f,
        "A B = A B",
        &["the left factor is n×m", "the right factor is k×n"],
    );
    // The near-miss block is not checked, and the run says so: a warning
    // of the note, at the fence, in the JSON (and so in every output).
    let (v, _) = report();
    let line = line_of(f, "```chek");
    let warnings: Vec<&Value> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["path"].as_str().unwrap().ends_with("messages.md"))
        .flat_map(|n| n["warnings"].as_array().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w["line"] == line
            && w["message"]
                .as_str()
                .unwrap()
                .contains("the fenced block's info string 'chek'")),
        "{warnings:?}"
    );
}

#[test]
fn diagnoses_name_only_possible_mistakes() {
    let f = "diagnoses.md";
    // d varies between trials, so only 1/√d explains every failing trial.
    fails_with(f, "S = Q K^T", &["factor 1/√d"]);
    let m = message(claims_at(f, "S = Q K^T")[0]);
    assert!(!m.contains("factor 1/2"), "{m}");
    fails_with(f, "det(O) = 1", &["det(O) = −1", "rotations only"]);
    // The symmetrisation names the square variable the claim has.
    fails_with(f, "∂(x^T M x)/∂x = 2 M x", &["M replaced by (M + Mᵀ)/2"]);
    let m = message(claims_at(f, "∂(x^T M x)/∂x = 2 M x")[0]);
    assert!(!m.contains("B + Bᵀ") && !m.contains("flatten"), "{m}");
    // No vec and no Jacobian: no flatten order.
    let m = message(claims_at(f, "P^T P = P P^T")[0]);
    assert!(!m.contains("flatten") && !m.contains("Kronecker"), "{m}");
    // With a Jacobian, the flatten order is a candidate.
    fails_with(f, "∂(W y)/∂vec(W) = I_n ⊗ y^T", &["flatten order"]);
}

#[test]
fn included_notes_keep_passing() {
    let out = run(&["check", "notes", "--format", "json", "--no-cache"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let s = &v["summary"];
    assert_eq!(out.status.code(), Some(0), "{s}");
    assert_eq!(s["fail"], 0);
    assert_eq!(s["error"], 0);
}

#[test]
fn broken_new_syntax_is_an_error_at_its_line() {
    let out = run(&[
        "check",
        "tests/fixtures/language-broken",
        "--format",
        "json",
        "--no-cache",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let claims = v["notes"][0]["claims"].as_array().unwrap();
    let src =
        std::fs::read_to_string(root().join("tests/fixtures/language-broken/broken.md")).unwrap();
    // Every statement after the three `let`s is reported at its own line.
    let first = line_of_in(&src, "∂²f/∂x = 0");
    let last = line_of_in(&src, "\\tilde = 0");
    for line in first..=last {
        let at: Vec<&Value> = claims.iter().filter(|c| c["line"] == line).collect();
        assert_eq!(at.len(), 1, "one claim at line {line}");
        let s = status(at[0]);
        assert!(s == "error" || s == "fail", "line {line}: {s}");
        assert!(!message(at[0]).is_empty(), "line {line} says why");
    }
    let errors = claims.iter().filter(|c| status(c) == "error").count();
    assert!(errors as u64 >= last - first - 1, "{errors} errors");
}

fn line_of_in(src: &str, text: &str) -> u64 {
    src.lines().position(|l| l.trim() == text).expect("line") as u64 + 1
}
