//! Colour scale, number labels and axis ticks shared by the figures.

use crate::report::html::fmt_sig;

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// ColorBrewer RdBu, white in the middle: index 0 is 0, index 5 is ±1.
const REDS: [Rgb; 6] = [
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];
const BLUES: [Rgb; 6] = [
    (0xf7, 0xf7, 0xf7),
    (0xd1, 0xe5, 0xf0),
    (0x92, 0xc5, 0xde),
    (0x43, 0x93, 0xc3),
    (0x21, 0x66, 0xac),
    (0x05, 0x30, 0x61),
];
/// Entries that are not finite numbers.
pub const NOT_FINITE: Rgb = (0x96, 0x96, 0x96);

/// The colour of `t` ∈ [−1, 1] (clamped): blue negative, white 0, red positive.
pub fn diverging(t: f64) -> Rgb {
    if !t.is_finite() {
        return NOT_FINITE;
    }
    let t = t.clamp(-1.0, 1.0);
    let stops = if t >= 0.0 { &REDS } else { &BLUES };
    let x = t.abs() * 5.0;
    let i = (x.floor() as usize).min(4);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// `t` rounded to one of 129 levels (a heatmap's palette has at most 256
/// colours).
pub fn quantise(t: f64) -> f64 {
    if t.is_finite() {
        (t.clamp(-1.0, 1.0) * 64.0).round() / 64.0
    } else {
        t
    }
}

/// Text on a cell of colour `c`: dark on light cells, white on dark ones.
pub fn ink_on(c: Rgb) -> &'static str {
    let l = 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    if l > 140.0 { "#1d1d1f" } else { "#fff" }
}

/// `#rrggbb`.
pub fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// `-1.5` → `−1.5` (a real minus sign), `1e-7` kept.
pub fn minus(s: &str) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s.to_string(),
    }
}

/// `10⁻⁶`.
pub fn pow10(e: i32) -> String {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::from("10");
    if e < 0 {
        s.push('⁻');
    }
    for d in e.unsigned_abs().to_string().bytes() {
        s.push(SUP[(d - b'0') as usize]);
    }
    s
}

/// `10⁻⁶` for a power of ten, else `1.5e-6`.
pub fn step_text(h: f64) -> String {
    if h > 0.0 && h.is_finite() {
        let e = h.log10().round();
        if ((h / 10f64.powf(e)) - 1.0).abs() < 1e-9 {
            return pow10(e as i32);
        }
    }
    fmt_sig(h, 2)
}

/// Labelled positions 1, s, 2s, … (1-based) on an axis of `n` cells of
/// `cell` units, at least `gap` units apart.
pub fn cell_ticks(n: usize, cell: f64, gap: f64) -> Vec<usize> {
    let step = [1usize, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .find(|&s| s as f64 * cell >= gap)
        .unwrap_or(100);
    let mut v = vec![1];
    let mut k = step;
    while k <= n {
        if k != 1 && (k - v[v.len() - 1]) as f64 * cell >= gap {
            v.push(k);
        }
        k += step;
    }
    v
}

/// A log₁₀ axis from `lo` to `hi` (positive) mapped onto `a`..`b` units.
#[derive(Clone, Copy, Debug)]
pub struct LogAxis {
    pub lo: f64,
    pub hi: f64,
    pub a: f64,
    pub b: f64,
}

impl LogAxis {
    /// Position of `v` (clamped into the axis).
    pub fn at(&self, v: f64) -> f64 {
        let (l0, l1) = (self.lo.log10(), self.hi.log10());
        let t = ((v.max(f64::MIN_POSITIVE).log10() - l0) / (l1 - l0)).clamp(0.0, 1.0);
        self.a + t * (self.b - self.a)
    }

    /// The decades inside the axis, and every `k`-th of them labelled so
    /// that labels `label_w` units wide do not touch.
    pub fn decades(&self, label_w: f64) -> (Vec<i32>, usize) {
        let e0 = self.lo.log10().ceil() as i32;
        let e1 = self.hi.log10().floor() as i32;
        let all: Vec<i32> = (e0..=e1).collect();
        let per = if all.len() > 1 {
            (self.b - self.a).abs() / (self.hi.log10() - self.lo.log10())
        } else {
            f64::INFINITY
        };
        let k = (1..=6).find(|&k| per * k as f64 >= label_w).unwrap_or(6);
        (all, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_is_white_at_zero_and_symmetric() {
        assert_eq!(diverging(0.0), (0xf7, 0xf7, 0xf7));
        assert_eq!(diverging(1.0), (0x67, 0x00, 0x1f));
        assert_eq!(diverging(-1.0), (0x05, 0x30, 0x61));
        assert_eq!(diverging(7.0), diverging(1.0));
        assert_eq!(diverging(f64::NAN), NOT_FINITE);
        assert_eq!(ink_on(diverging(0.0)), "#1d1d1f");
        assert_eq!(ink_on(diverging(1.0)), "#fff");
    }

    #[test]
    fn labels_and_ticks() {
        assert_eq!(step_text(1e-6), "10⁻⁶");
        assert_eq!(step_text(1.5e-6), "1.5e-6");
        assert_eq!(minus("-2"), "−2");
        assert_eq!(
            cell_ticks(10, 20.0, 13.0),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        );
        assert_eq!(
            cell_ticks(40, 4.0, 13.0),
            vec![1, 5, 10, 15, 20, 25, 30, 35, 40]
        );
        let ax = LogAxis {
            lo: 1e-13,
            hi: 1.0,
            a: 0.0,
            b: 260.0,
        };
        assert_eq!(ax.at(1.0), 260.0);
        assert!((ax.at(1e-13)).abs() < 1e-9);
        let (d, k) = ax.decades(36.0);
        assert_eq!(d.first(), Some(&-13));
        assert_eq!(d.last(), Some(&0));
        assert_eq!(k, 2);
    }
}
