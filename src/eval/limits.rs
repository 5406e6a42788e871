//! Limits on what one claim may build and how long it may run.
//!
//! The check stage opens a [`Budget`] around each claim; while it is open,
//! the evaluator and the matrix operations on the same thread consult it:
//!
//! - [`entries`] before building a value: the size is computed with checked
//!   arithmetic and compared with `max_entries`, so a size that does not
//!   fit, or a value larger than the setting, is an `Err` instead of an
//!   overflow inside nalgebra or an aborted allocation;
//! - [`expired`] in every loop whose length comes from the note (matrix
//!   products, factorisations, sampling, sums, trials, Jacobian columns,
//!   finite differences): past the deadline, loops stop early and
//!   [`check`] turns that into an `Err` ("took longer than 10 s"), which the
//!   check stage reports as an `error` at the claim's line. The result of a
//!   loop that stopped early is never used.
//! - [`retain`]: values kept for the rest of a claim (variables, cached
//!   intermediate results) are counted, so that many values that are each
//!   small enough cannot together exhaust memory.
//!
//! The state is per thread (one note is checked on one thread), so the
//! matrix operations need no extra argument. Without an open budget the
//! default limits apply and there is no deadline.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Default of the `max_entries` setting.
pub const DEFAULT_MAX_ENTRIES: usize = 10_000_000;
/// Default of the `timeout` setting, in seconds.
pub const DEFAULT_TIMEOUT: f64 = 10.0;
/// Values kept during one claim may hold this many times `max_entries`.
const RETAIN_FACTOR: usize = 8;

#[derive(Clone, Copy)]
struct State {
    max_entries: usize,
    /// On the [`clock`]'s scale.
    deadline: Option<Duration>,
    /// The limit shown in the message, in seconds.
    timeout: f64,
    /// The deadline is the note's, not the claim's.
    note_budget: bool,
    expired: bool,
    retained: usize,
}

const DEFAULT: State = State {
    max_entries: DEFAULT_MAX_ENTRIES,
    deadline: None,
    timeout: DEFAULT_TIMEOUT,
    note_budget: false,
    expired: false,
    retained: 0,
};

thread_local! {
    static STATE: Cell<State> = const { Cell::new(DEFAULT) };
}

/// An open budget; the previous one is restored when it is dropped.
pub struct Budget {
    saved: State,
}

impl Budget {
    /// Open a budget of `max_entries` and `timeout` seconds from now,
    /// ending no later than `note_deadline` (the note's own budget).
    pub fn open(max_entries: usize, timeout: f64, note_deadline: Option<Instant>) -> Budget {
        let saved = STATE.with(|s| s.get());
        let claim = Duration::try_from_secs_f64(timeout.max(0.0))
            .ok()
            .and_then(|d| Instant::now().checked_add(d));
        let (deadline, note_budget) = match (claim, note_deadline) {
            (Some(c), Some(n)) if n < c => (Some(n), true),
            (None, Some(n)) => (Some(n), true),
            (c, _) => (c, false),
        };
        // The same moment on the clock the loops read.
        let deadline = deadline.map(|d| {
            let left = d.saturating_duration_since(Instant::now());
            clock().saturating_add(left)
        });
        STATE.with(|s| {
            s.set(State {
                max_entries,
                deadline,
                timeout,
                note_budget,
                expired: false,
                retained: 0,
            })
        });
        Budget { saved }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        STATE.with(|s| s.set(self.saved));
    }
}

/// The `max_entries` in force.
pub fn max_entries() -> usize {
    STATE.with(|s| s.get().max_entries)
}

/// `rows·cols`, checked: `Err` when it overflows or exceeds `max_entries`.
pub fn entries(rows: usize, cols: usize) -> crate::eval::ER<usize> {
    let max = max_entries();
    match rows.checked_mul(cols) {
        // A failed allocation aborts the process: make sure a large one
        // can succeed first (`max_entries` may have been raised far above
        // what the machine holds).
        Some(n) if n <= max && n >= 1 << 20 && !memory_for(n) => {
            Err(crate::eval::EvalError::TooLarge(format!(
                "the claim would build a {rows}×{cols} value ({n} entries), more than this machine's memory holds"
            )))
        }
        Some(n) if n <= max => Ok(n),
        Some(n) => Err(crate::eval::EvalError::TooLarge(format!(
            "the claim would build a {rows}×{cols} value ({n} entries), more than max_entries = {max}"
        ))),
        None => Err(crate::eval::EvalError::TooLarge(format!(
            "the claim would build a {rows}×{cols} value, which does not fit in memory (more than max_entries = {max})"
        ))),
    }
}

/// Whether `n` entries (16 bytes each, as a dual number) can be allocated.
fn memory_for(n: usize) -> bool {
    let mut probe: Vec<[f64; 2]> = Vec::new();
    probe.try_reserve_exact(n).is_ok()
}

/// The clock the deadline is read from, inside every loop: Linux's coarse
/// monotonic clock, which the kernel keeps in memory (a few nanoseconds to
/// read, where a precise reading costs tens in a virtual machine, read
/// ~100,000 times in a small build). It ticks every 1–10 ms, so a deadline
/// is seen at most one tick late.
#[cfg(target_os = "linux")]
fn clock() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::MonotonicCoarse);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// The clock the deadline is read from: time since the first reading.
#[cfg(not(target_os = "linux"))]
fn clock() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Past the deadline? Marks the budget as spent (see [`check`]).
pub fn expired() -> bool {
    STATE.with(|s| {
        let mut st = s.get();
        if st.expired {
            return true;
        }
        match st.deadline {
            Some(d) if clock() >= d => {
                st.expired = true;
                s.set(st);
                true
            }
            _ => false,
        }
    })
}

/// `Err` with the timeout message once the deadline has passed.
pub fn check() -> crate::eval::ER<()> {
    if expired() {
        Err(crate::eval::EvalError::Timeout(timeout_message()))
    } else {
        Ok(())
    }
}

/// [`check`] without reading the clock: `Err` once a loop has found the
/// deadline passed. After a computation whose loops consult [`expired`],
/// this tells whether one of them stopped early.
pub fn check_spent() -> crate::eval::ER<()> {
    if was_expired() {
        Err(crate::eval::EvalError::Timeout(timeout_message()))
    } else {
        Ok(())
    }
}

/// Whether the open budget has been spent (without reading the clock).
pub fn was_expired() -> bool {
    STATE.with(|s| s.get().expired)
}

/// "took longer than 10 s …", for a claim whose budget is spent.
pub fn timeout_message() -> String {
    let st = STATE.with(|s| s.get());
    if st.note_budget {
        format!(
            "not finished: the note's checks took longer than {} s in total (the note's budget)",
            fmt_secs(note_budget_secs(st.timeout))
        )
    } else {
        format!(
            "took longer than {} s (the `timeout` setting)",
            fmt_secs(st.timeout)
        )
    }
}

/// Seconds a whole note may take: ten claims' worth.
pub fn note_budget_secs(timeout: f64) -> f64 {
    10.0 * timeout
}

fn fmt_secs(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s}")
    }
}

/// Count `n` entries kept for the rest of the claim. `false` (and nothing
/// counted) when that would exceed the claim's allowance: a cache then
/// does not keep the value; a value that must be kept is an error.
pub fn retain(n: usize) -> bool {
    STATE.with(|s| {
        let mut st = s.get();
        let cap = st.max_entries.saturating_mul(RETAIN_FACTOR);
        match st.retained.checked_add(n) {
            Some(t) if t <= cap => {
                st.retained = t;
                s.set(st);
                true
            }
            _ => false,
        }
    })
}

/// The error for a value that must be kept but exceeds the allowance.
pub fn retain_message() -> crate::eval::EvalError {
    crate::eval::EvalError::TooLarge(format!(
        "the claim's values together hold more than {} entries ({RETAIN_FACTOR} × max_entries)",
        max_entries().saturating_mul(RETAIN_FACTOR)
    ))
}

/// Entries counted by [`retain`] so far in this claim.
pub fn retained() -> usize {
    STATE.with(|s| s.get().retained)
}

/// Forget what [`retain`] counted since [`retained`] returned `before`: for
/// an evaluator that is dropped with its cache (the inner passes of a nested
/// derivative), whose values are not kept for the rest of the claim.
pub fn release_to(before: usize) {
    STATE.with(|s| {
        let mut st = s.get();
        st.retained = st.retained.min(before);
        s.set(st);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        let _b = Budget::open(100, 10.0, None);
        assert_eq!(entries(10, 10), Ok(100));
        let e = entries(10, 11).unwrap_err();
        assert!(matches!(e, crate::eval::EvalError::TooLarge(_)), "{e:?}");
        let e = e.to_string();
        assert!(e.contains("10×11") && e.contains("110 entries"), "{e}");
        let e = entries(1 << 32, 1 << 32).unwrap_err().to_string();
        assert!(e.contains("does not fit"), "{e}");
        assert!(retain(500) && retain(300) && !retain(1));
        // max_entries raised to everything: the memory is checked instead.
        let _all = Budget::open(usize::MAX, 10.0, None);
        let e = entries(1 << 30, 1 << 30).unwrap_err().to_string();
        assert!(e.contains("more than this machine's memory holds"), "{e}");
        assert_eq!(entries(1 << 10, 1 << 10), Ok(1 << 20));
    }

    #[test]
    fn deadline_expires_and_budgets_nest() {
        {
            let _outer = Budget::open(5, 1000.0, None);
            {
                let _b = Budget::open(7, 0.0, None);
                assert_eq!(max_entries(), 7);
                assert!(expired());
                let e = check().unwrap_err();
                assert!(matches!(e, crate::eval::EvalError::Timeout(_)), "{e:?}");
                let e = e.to_string();
                assert!(e.contains("took longer than 0 s"), "{e}");
            }
            assert_eq!(max_entries(), 5);
            assert!(check().is_ok());
            let past = Instant::now();
            let _n = Budget::open(5, 1000.0, Some(past));
            assert!(check().unwrap_err().message().contains("note's budget"));
        }
        assert_eq!(max_entries(), DEFAULT_MAX_ENTRIES);
        assert!(!expired());
    }
}
