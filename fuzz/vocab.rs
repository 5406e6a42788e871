//! The claim language's vocabulary and a small portable generator of
//! random statements, shared by `tests/robustness.rs` and the fuzz driver.

pub const DECLS: &str = "let A, B ∈ R^{n×n}\nlet S ∈ SPD^n\nlet W ∈ R^{n×m}\nlet x, y ∈ R^m\nlet v ∈ R^n\nlet s ∈ R\nlet P ∈ Pos^{n×m}\nlet Y ∈ OneHot^{n×m}\nlet φ : R^m → R\nlet ψ : R^{n×m} → R^{n×n}\nlet f = W x\nlet L_i = φ(W_i^T)\n";

pub const ATOMS: &[&str] = &[
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
pub const SQUARE: &[&str] = &[
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
pub const OPS: &[&str] = &[" ", " * ", " · ", " ⊙ ", " ⊘ ", " ⊗ ", " / ", " + ", " - "];
pub const RELS: &[&str] = &[
    " = ",
    " ≈ ",
    " ≠ ",
    " ∈ R^{n×n}",
    " ∈ Sym^n",
    " ∈ R^{n×n×m}",
];

/// A small portable generator (xorshift), so the test is the same everywhere.
pub struct Gen(pub u64);
impl Gen {
    pub fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
    pub fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.next() % v.len()]
    }
    pub fn expr(&mut self) -> String {
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
