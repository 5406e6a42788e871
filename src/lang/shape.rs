//! Symbolic dimensions and shapes.
//!
//! A [`Dim`] is a monomial: an integer times a product of dimension symbols
//! (`3`, `n`, `n·k`, `2·m`). Sizes of `I` that are not written out are
//! unknowns (symbols starting with `?`), solved by [`Unifier`] from where
//! the `I` stands.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dim {
    pub coef: u64,
    pub syms: BTreeMap<String, u32>,
}

impl Dim {
    pub fn one() -> Dim {
        Dim::int(1)
    }
    pub fn int(k: u64) -> Dim {
        Dim {
            coef: k,
            syms: BTreeMap::new(),
        }
    }
    pub fn sym(s: &str) -> Dim {
        let mut syms = BTreeMap::new();
        syms.insert(s.to_string(), 1);
        Dim { coef: 1, syms }
    }
    pub fn unknown(k: usize) -> Dim {
        Dim::sym(&format!("?{k}"))
    }
    pub fn mul(&self, o: &Dim) -> Dim {
        let mut syms = self.syms.clone();
        for (s, p) in &o.syms {
            *syms.entry(s.clone()).or_insert(0) += p;
        }
        Dim {
            coef: self.coef.saturating_mul(o.coef),
            syms,
        }
    }
    pub fn is_one(&self) -> bool {
        self.coef == 1 && self.syms.is_empty()
    }
    pub fn has_unknown(&self) -> bool {
        self.syms.keys().any(|s| s.starts_with('?'))
    }
    /// The value under concrete dimension values; `None` when a symbol is missing.
    pub fn eval(&self, dims: &BTreeMap<String, u64>) -> Option<usize> {
        let mut v = self.coef;
        for (s, p) in &self.syms {
            let d = *dims.get(s)?;
            for _ in 0..*p {
                v = v.checked_mul(d)?;
            }
        }
        usize::try_from(v).ok()
    }
    /// Replace solved unknowns.
    pub fn subst(&self, u: &Unifier) -> Dim {
        let mut out = Dim::int(self.coef);
        for (s, p) in &self.syms {
            let f = match u.solved.get(s) {
                Some(d) => d.subst(u),
                None => Dim::sym(s),
            };
            for _ in 0..*p {
                out = out.mul(&f);
            }
        }
        out
    }
    /// `self / o` when exact.
    fn div(&self, o: &Dim) -> Option<Dim> {
        if o.coef == 0 || !self.coef.is_multiple_of(o.coef) {
            return None;
        }
        let mut syms = self.syms.clone();
        for (s, p) in &o.syms {
            let e = syms.get_mut(s)?;
            if *e < *p {
                return None;
            }
            *e -= p;
            if *e == 0 {
                syms.remove(s);
            }
        }
        Some(Dim {
            coef: self.coef / o.coef,
            syms,
        })
    }
    fn gcd(&self, o: &Dim) -> Dim {
        let mut syms = BTreeMap::new();
        for (s, p) in &self.syms {
            if let Some(q) = o.syms.get(s) {
                syms.insert(s.clone(), (*p).min(*q));
            }
        }
        let (mut a, mut b) = (self.coef, o.coef);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        Dim {
            coef: a.max(1),
            syms,
        }
    }
    fn single_unknown(&self) -> Option<&str> {
        if self.coef == 1 && self.syms.len() == 1 {
            let (s, p) = self.syms.iter().next()?;
            if *p == 1 && s.starts_with('?') {
                return Some(s);
            }
        }
        None
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if self.coef != 1 || self.syms.is_empty() {
            parts.push(self.coef.to_string());
        }
        for (s, p) in &self.syms {
            let name = if s.starts_with('?') { "?" } else { s.as_str() };
            for _ in 0..*p {
                parts.push(name.to_string());
            }
        }
        if parts.len() == 1 {
            write!(f, "{}", parts[0])
        } else {
            write!(f, "({})", parts.join("·"))
        }
    }
}

/// A matrix shape; scalars are 1×1, column vectors n×1.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Shape {
    pub rows: Dim,
    pub cols: Dim,
}

impl Shape {
    pub fn new(rows: Dim, cols: Dim) -> Shape {
        Shape { rows, cols }
    }
    pub fn scalar() -> Shape {
        Shape::new(Dim::one(), Dim::one())
    }
    pub fn is_scalar(&self) -> bool {
        self.rows.is_one() && self.cols.is_one()
    }
    pub fn is_col(&self) -> bool {
        self.cols.is_one()
    }
    pub fn is_row(&self) -> bool {
        self.rows.is_one()
    }
    pub fn t(&self) -> Shape {
        Shape::new(self.cols.clone(), self.rows.clone())
    }
    /// Number of entries.
    pub fn size(&self) -> Dim {
        self.rows.mul(&self.cols)
    }
    pub fn subst(&self, u: &Unifier) -> Shape {
        Shape::new(self.rows.subst(u), self.cols.subst(u))
    }
    pub fn eval(&self, dims: &BTreeMap<String, u64>) -> Option<(usize, usize)> {
        Some((self.rows.eval(dims)?, self.cols.eval(dims)?))
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}", self.rows, self.cols)
    }
}

/// Solves the unknown sizes of `I` from the equations shapes impose.
#[derive(Clone, Debug, Default)]
pub struct Unifier {
    pub solved: BTreeMap<String, Dim>,
    next: usize,
}

impl Unifier {
    pub fn fresh(&mut self) -> Dim {
        self.next += 1;
        Dim::unknown(self.next)
    }
    /// Make `a` and `b` equal if possible; false when they cannot be.
    pub fn unify(&mut self, a: &Dim, b: &Dim) -> bool {
        let a = a.subst(self);
        let b = b.subst(self);
        if a == b {
            return true;
        }
        let g = a.gcd(&b);
        let (Some(a2), Some(b2)) = (a.div(&g), b.div(&g)) else {
            return false;
        };
        if let Some(u) = a2.single_unknown()
            && !b2.syms.contains_key(u)
        {
            self.solved.insert(u.to_string(), b2);
            return true;
        }
        if let Some(u) = b2.single_unknown()
            && !a2.syms.contains_key(u)
        {
            self.solved.insert(u.to_string(), a2);
            return true;
        }
        false
    }
    pub fn unify_shapes(&mut self, a: &Shape, b: &Shape) -> bool {
        self.unify(&a.rows, &b.rows) && self.unify(&a.cols, &b.cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_eval() {
        let d = Dim::sym("n").mul(&Dim::sym("k"));
        assert_eq!(d.to_string(), "(k·n)");
        let dims: BTreeMap<String, u64> = [("n".into(), 3), ("k".into(), 4)].into();
        assert_eq!(d.eval(&dims), Some(12));
        assert_eq!(Shape::new(Dim::sym("n"), Dim::int(1)).to_string(), "n×1");
    }

    #[test]
    fn unify_solves_identity_size() {
        let mut u = Unifier::default();
        let s = u.fresh();
        // m·s = n·m  ⇒  s = n
        assert!(u.unify(&Dim::sym("m").mul(&s), &Dim::sym("n").mul(&Dim::sym("m"))));
        assert_eq!(s.subst(&u), Dim::sym("n"));
        assert!(!u.unify(&Dim::sym("n"), &Dim::sym("m")));
    }
}
