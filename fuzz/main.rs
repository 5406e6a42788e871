//! The fuzz driver's command line (see `fuzz/README.md`):
//!
//! ```text
//! cargo run --release --example fuzz -- [--inputs N] [--seed S] [--out DIR]
//!     [--max-entries N] [--timeout SECS]
//! cargo run --release --example fuzz -- --replay FILE
//! ```
//!
//! Runs N inputs (default 100,000) from generator seed S, saves each crash
//! input as `DIR/crash-<k>.md` and the input being run as `DIR/current.md`
//! (so that an abort leaves it behind), and prints one summary line.

#[allow(dead_code)]
mod driver;
#[allow(dead_code)]
mod vocab;

use std::path::PathBuf;

fn main() {
    let mut inputs = 100_000u64;
    let mut seed = 1u64;
    let mut out = PathBuf::from("target/fuzz");
    let mut max_entries = 100_000u64;
    let mut timeout = 0.5f64;
    let mut replay: Option<PathBuf> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| usage(a));
        match a.as_str() {
            "--inputs" => inputs = v.parse().unwrap_or_else(|_| usage(a)),
            "--seed" => seed = v.parse().unwrap_or_else(|_| usage(a)),
            "--out" => out = PathBuf::from(v),
            "--max-entries" => max_entries = v.parse().unwrap_or_else(|_| usage(a)),
            "--timeout" => timeout = v.parse().unwrap_or_else(|_| usage(a)),
            "--replay" => replay = Some(PathBuf::from(v)),
            _ => usage(a),
        }
    }
    if let Some(file) = &replay {
        // Replay one saved input and time it.
        let text = String::from_utf8_lossy(&std::fs::read(file).expect("readable")).into_owned();
        let site = driver::site(false);
        let project = driver::project(max_entries, timeout);
        let started = std::time::Instant::now();
        let outcome = driver::run_one(&text, &project, &site);
        let secs = started.elapsed().as_secs_f64();
        match outcome {
            driver::Outcome::Ok => println!("{}: ok in {secs:.2} s", file.display()),
            driver::Outcome::Crash(c) => println!("{}: crash at {c}", file.display()),
        }
        return;
    }
    std::fs::create_dir_all(&out).expect("the output folder can be created");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seeds = driver::load_seeds(&driver::seed_dirs(&root));
    let project = driver::project(max_entries, timeout);
    let current = out.join("current.md");
    let started = std::time::Instant::now();
    let report = driver::campaign(seed, inputs, &seeds, &project, 1000, |_, text| {
        let _ = std::fs::write(&current, text);
    });
    let _ = std::fs::remove_file(&current);
    for (k, (site, (hits, text))) in report.crashes.iter().enumerate() {
        let file = out.join(format!("crash-{seed}-{k}.md"));
        let _ = std::fs::write(&file, text);
        println!("crash: {site} ({hits} inputs), e.g. {}", file.display());
    }
    println!(
        "seed {seed}: {} inputs in {:.1} s, {} unique crash sites, slowest input {:.2} s",
        report.inputs,
        started.elapsed().as_secs_f64(),
        report.crashes.len(),
        report.slowest.0
    );
    let _ = std::fs::write(out.join(format!("slowest-{seed}.md")), &report.slowest.1);
}

fn usage(arg: &str) -> ! {
    eprintln!(
        "fuzz: bad argument '{arg}'\nusage: fuzz [--inputs N] [--seed S] [--out DIR] [--max-entries N] [--timeout SECS] | --replay FILE"
    );
    std::process::exit(2)
}
