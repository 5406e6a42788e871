//! Suggestions for names the resolver does not know: other spellings of a
//! function (`transpose(A)`: write `A^T`), the nearest built-ins ("did you
//! mean `softmax`?"), and splits of juxtaposed names (`Wx` → `W x`).

use crate::lang::ir::BUILTIN_NAMES;

/// Names longer than this (in characters) get no suggestion.
const MAX_SUGGEST: usize = 64;

/// Functions with another spelling in the claim language.
pub(crate) fn spelled_otherwise(name: &str) -> Option<String> {
    let hint = match name {
        "transpose" | "t" => "`transpose(A)`: write A^T",
        "inverse" => "`inverse(A)`: write A^{-1} or inv(A)",
        "pseudoinverse" | "pinverse" => "write pinv(A) or A^+",
        "kronecker" => "write A ⊗ B or kron(A, B)",
        "hadamard" => "write A ⊙ B",
        "grad" | "gradient" | "jacobian" | "hessian" => {
            "write a derivative as ∂f/∂x, a Hessian as ∂²f/∂x∂x^T"
        }
        "dot" | "inner" => "write x^T y",
        "outer" => "write x y^T",
        "eye" | "identity" => "write I (its size inferred) or I_n",
        "ones" => "write 1_n for a column of ones",
        "zeros" => "write 0 (it compares with every entry)",
        "max" | "min" | "argmax" | "argmin" => "not supported; state the claim without it",
        "eig" | "eigenvalues" | "eigs" => {
            "write eigvals(A) (eigenvalues of a symmetric matrix, ascending)"
        }
        "lse" => "write logsumexp(x)",
        _ => return None,
    };
    Some(hint.to_string())
}

/// The built-in names nearest to an unknown one, as "`a`" or "`a` or `b`".
pub(crate) fn nearest_builtins(name: &str) -> Option<String> {
    // Bounded: a long name is near no built-in (a 1 MB name costs nothing).
    if name.chars().nth(MAX_SUGGEST).is_some() {
        return None;
    }
    let lower = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = BUILTIN_NAMES
        .iter()
        .map(|b| (crate::diag::edit_distance(&lower, b), *b))
        .filter(|(d, b)| {
            let limit = if b.len() <= 3 { 1 } else { 2 };
            *d <= limit || (lower.len() >= 4 && (b.starts_with(&lower) || lower.starts_with(b)))
        })
        .collect();
    scored.sort();
    let best = scored.first()?.0;
    let names: Vec<String> = scored
        .iter()
        .filter(|(d, _)| *d == best)
        .take(3)
        .map(|(_, b)| format!("`{b}`"))
        .collect();
    Some(names.join(" or "))
}

/// Split an unknown name into known ones: `Wx` → `W x`.
pub(crate) fn split_name(name: &str, known: &[String]) -> Option<Vec<String>> {
    // Bounded: a name longer than this is no run-together product of
    // declared names worth suggesting, and parts are never longer than the
    // longest known name (a 1 MB name costs nothing).
    let chars: Vec<char> = name.chars().take(MAX_SUGGEST + 1).collect();
    let n = chars.len();
    if n > MAX_SUGGEST {
        return None;
    }
    let longest = known.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    // best[i]: a split of chars[..i] with the fewest parts.
    let mut best: Vec<Option<Vec<String>>> = vec![None; n + 1];
    best[0] = Some(Vec::new());
    for i in 0..n {
        let Some(prefix) = best[i].clone() else {
            continue;
        };
        for j in i + 1..=n.min(i + longest) {
            let part: String = chars[i..j].iter().collect();
            if known.contains(&part) {
                let mut v = prefix.clone();
                v.push(part);
                if best[j].as_ref().is_none_or(|b| b.len() > v.len()) {
                    best[j] = Some(v);
                }
            }
        }
    }
    best[n].clone().filter(|v| v.len() > 1)
}
