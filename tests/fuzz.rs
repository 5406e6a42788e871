//! The fuzz driver (`fuzz/`) inside `cargo test`: a short run over the
//! whole pipeline (1,000 small inputs), and every input the long runs found (saved in
//! `fuzz/regressions/`) run again. `NOTECHECK_FUZZ_INPUTS=N` makes the short
//! run longer; the long runs use `cargo run --release --example fuzz`.

#[path = "../fuzz/driver.rs"]
#[allow(dead_code)]
mod driver;
#[path = "../fuzz/vocab.rs"]
#[allow(dead_code)]
mod vocab;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `f` on a thread with the stack the pipeline's own threads have
/// (8 MiB, `pipeline::pool`), not the 2 MiB of a test thread: the
/// nesting limits are set for the former, and a debug build's frames are
/// large.
fn with_pipeline_stack(f: impl FnOnce() + Send + 'static) {
    let t = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("a thread");
    if let Err(e) = t.join() {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_short_fuzz_run_finds_no_crash() {
    with_pipeline_stack(short_run);
}

fn short_run() {
    let n = std::env::var("NOTECHECK_FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    // Small inputs here (a debug build); the long runs use big ones too.
    driver::BIG.store(false, std::sync::atomic::Ordering::Relaxed);
    let seeds = driver::load_seeds(&driver::seed_dirs(root()));
    assert!(seeds.len() >= 10, "the seeds are found: {}", seeds.len());
    let project = driver::project(10_000, 0.05);
    let started = std::time::Instant::now();
    let report = driver::campaign(7, n, &seeds, &project, 0, |_, _| {});
    eprintln!(
        "{} inputs in {:.1} s, slowest {:.2} s",
        report.inputs,
        started.elapsed().as_secs_f64(),
        report.slowest.0
    );
    assert_eq!(report.inputs, n);
    let crashes: Vec<String> = report
        .crashes
        .iter()
        .map(|(site, (hits, text))| {
            format!(
                "{site} ({hits} inputs), e.g.:\n{}",
                text.chars().take(2000).collect::<String>()
            )
        })
        .collect();
    assert!(crashes.is_empty(), "crashes:\n{}", crashes.join("\n\n"));
}

#[test]
fn every_saved_crash_input_now_runs_clean() {
    let dir = root().join("fuzz/regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let project = driver::project(100_000, 0.5);
    let site = driver::site(false);
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        let started = std::time::Instant::now();
        if let driver::Outcome::Crash(c) = driver::run_one(&text, &project, &site) {
            panic!("{} crashes again: {c}", f.display());
        }
        let took = started.elapsed();
        assert!(took.as_secs_f64() < 20.0, "{} took {took:?}", f.display());
    }
}

#[test]
fn panics_are_recorded_with_their_site_even_when_caught() {
    let outcome = driver::watch(|| {
        let caught = std::panic::catch_unwind(|| panic!("planted"));
        assert!(caught.is_err());
    });
    match outcome {
        driver::Outcome::Crash(c) => {
            assert!(
                c.contains("tests/fuzz.rs:") && c.ends_with("planted"),
                "{c}"
            )
        }
        driver::Outcome::Ok => panic!("the planted panic was not recorded"),
    }
    assert!(matches!(driver::watch(|| {}), driver::Outcome::Ok));
}
