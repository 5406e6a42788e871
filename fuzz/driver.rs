//! An in-process fuzz driver over the whole pipeline: note text → front
//! matter and blocks → compile → check → the note's page, human and JSON
//! output, all with small limits (`max_entries`, `timeout`).
//!
//! Inputs are mutated from seeds (`notes/`, `tests/fixtures/`,
//! `fuzz/regressions/`) and from random statements of the claim language:
//! byte flips, splices of statements, tokens and other seeds, huge numbers,
//! deep nesting, odd Unicode and control characters, front matter with
//! extreme settings. A panic anywhere is recorded by its site (file:line of
//! the panic); `notecheck::check::check` catches panics itself and turns
//! them into an `error`, so the driver watches the panic hook rather than
//! the return value. Stable Rust only: no libFuzzer, no coverage guidance.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use notecheck::parse_note;
use notecheck::{CheckOverrides, ProjectConfig};

use super::vocab::{self, Gen};

/// Inputs may be large (100,000-deep nesting, 1 MB tokens); the short run
/// in `cargo test` (a debug build) turns this off to stay fast.
pub static BIG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn big() -> bool {
    BIG.load(std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    /// Inside [`run_one`]: panics are recorded, not printed.
    static IN_RUN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The first panic of the run on this thread (thread-local, so that
    /// runs on other threads, such as tests side by side, never see it).
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Record panics of the inputs (site and message) instead of printing
/// them; other panics (a failing test) go to the previous hook.
pub fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(install);
}

fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !IN_RUN.with(|r| r.get()) {
            return previous(info);
        }
        let site = info.location().map_or_else(
            || "unknown".to_string(),
            |l| format!("{}:{}", l.file(), l.line()),
        );
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        LAST_PANIC.with(|last| {
            let mut last = last.borrow_mut();
            if last.is_none() {
                *last = Some(format!("{site}: {msg}"));
            }
        });
    }));
}

/// The project configuration the driver checks with: small limits.
pub fn project(max_entries: u64, timeout: f64) -> ProjectConfig {
    ProjectConfig {
        check: CheckOverrides {
            max_entries: Some(max_entries),
            timeout: Some(timeout),
            trials: Some(2),
            ..CheckOverrides::default()
        },
        ..ProjectConfig::default()
    }
}

/// Every `*.md` below the given folders, as text, sorted by path.
pub fn load_seeds(dirs: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for d in dirs {
        collect(d, &mut files);
    }
    files.sort();
    files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out),
            Ok(t) if t.is_file() && p.extension().is_some_and(|x| x == "md") => out.push(p),
            _ => {}
        }
    }
}

/// The seed folders of the repository at `root`.
pub fn seed_dirs(root: &Path) -> Vec<PathBuf> {
    ["notes", "tests/fixtures", "fuzz/regressions"]
        .iter()
        .map(|d| root.join(d))
        .collect()
}

const HUGE: &[&str] = &[
    "0",
    "1",
    "-1",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "100000",
    "3000",
    "1e308",
    "1e-320",
    "1e400",
    "NaN",
    "inf",
    "0.0",
    "2.5",
    "-0",
];

const ODD: &[&str] = &[
    "\u{0}",
    "\r",
    "\r\n",
    "\u{7}",
    "\u{1b}[31m",
    "\u{feff}",
    "\u{202e}",
    "\u{2028}",
    "\u{200b}",
    "\u{301}",
    "\u{1f600}",
    "\t",
    "\u{a0}",
    "\u{fffd}",
    "ǅ",
    "𝔸",
    "\\",
    "$",
    "$$",
    "`",
    "```",
    "```check\n",
    "\n```\n",
    "---\n",
    "{",
    "}",
    "_",
    "^",
    "'",
    "\"",
    "<script>",
    "&amp;",
    "\\left(",
    "\\right)",
    "\\frac{",
    "\\operatorname{",
    "\\newcommand{\\x}{\\x\\x}",
    "\\x",
];

const TOKENS: &[&str] = &[
    "let ",
    "∈",
    "R^{",
    "×",
    "}",
    "→",
    ":",
    "=",
    "≈",
    "≠",
    "∂",
    "/",
    "∑_",
    "δ_",
    "d(",
    ")",
    "(",
    "[",
    "]",
    ";",
    ",",
    "^T",
    "^{-1}",
    "'",
    "⊗",
    "⊙",
    "⊘",
    "·",
    "*",
    "+",
    "-",
    "I_",
    "1_",
    "vec(",
    "tr(",
    "kron(",
    "diag(",
    "softmax(",
    "SPD^",
    "Orth^",
    "Sym^",
    "OneHot^",
    "Pos^",
    "Diag^",
    "const ",
    "show ",
    "_{",
    "ij",
    "i",
    "j",
    "k",
    "n",
    "m",
    "#",
    "//",
    "%",
    "\\mathbb{R}",
    "\\top",
];

const FRONT: &[&str] = &[
    "dims: {n: 4294967296}",
    "dims: {n: 100000}",
    "dims: {n: 1}",
    "dims: {n: 0}",
    "dims: {n: 200, m: 200}",
    "dims: {nm: 2}",
    "dims: [1, 2]",
    "check: {trials: 1000000000}",
    "check: {trials: 0}",
    "check: {dim_range: [1, 100000]}",
    "check: {dim_range: [100000, 1]}",
    "check: {dim_range: [18446744073709551615, 18446744073709551615]}",
    "check: {rtol: -1}",
    "check: {rtol: .nan}",
    "check: {timeout: 0}",
    "check: {timeout: 1e300}",
    "check: {max_entries: 0}",
    "check: {einstein: true}",
    "check: {flatten: row-major, layout: denominator}",
    "check: {latex: off}",
    "title: \"\"",
    "title: [a]",
    "math: {macros: {'\\R': '\\mathbb{R}'}}",
    "math: {macros: {'\\x': '\\x\\x'}}",
    "just text",
    "- a\n- b",
    "&a [*a]",
    "? x",
];

/// One random input.
pub fn input(g: &mut Gen, seeds: &[String]) -> String {
    let mut text = match g.next() % 10 {
        0..=3 if !seeds.is_empty() => {
            let k = g.next() % seeds.len();
            window(g, &seeds[k])
        }
        4 if !seeds.is_empty() => seeds[g.next() % seeds.len()].clone(),
        _ => synthetic(g),
    };
    for _ in 0..1 + g.next() % 4 {
        text = mutate(g, text, seeds);
    }
    // As `read_note`: larger note files are skipped, never parsed.
    let max = notecheck::MAX_NOTE_BYTES as usize;
    if text.len() > max {
        let cut = char_boundary(&text, max);
        text.truncate(cut);
    }
    text
}

/// A few consecutive lines of a seed, with its front matter when it has one.
fn window(g: &mut Gen, seed: &str) -> String {
    let lines: Vec<&str> = seed.lines().collect();
    if lines.is_empty() {
        return String::new();
    }
    let len = 3 + g.next() % 30;
    let start = g.next() % lines.len();
    let mut out = String::new();
    if g.next().is_multiple_of(2) && lines[0] == "---" {
        let close = lines.iter().skip(1).position(|l| *l == "---");
        if let Some(c) = close {
            for l in &lines[..c + 2] {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    let in_block = lines[..start]
        .iter()
        .filter(|l| l.trim_start().starts_with("```"))
        .count()
        % 2
        == 1;
    if in_block {
        out.push_str("```check\n");
    }
    for l in lines.iter().skip(start).take(len) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// A check block of random statements from the language's vocabulary.
fn synthetic(g: &mut Gen) -> String {
    let mut body = String::from(vocab::DECLS);
    for _ in 0..1 + g.next() % 6 {
        let lhs = g.expr();
        let rel = g.pick(vocab::RELS);
        if rel.contains('∈') {
            body.push_str(&format!("{lhs}{rel}\n"));
        } else {
            body.push_str(&format!("{lhs}{rel}{}\n", g.expr()));
        }
    }
    let opts = [
        "",
        " einstein",
        " should-fail",
        " trials=1",
        " flatten=row-major",
        " layout=denominator",
        " max_entries=50",
        " timeout=0.05",
    ];
    format!(
        "# Fuzz\n\nSome $x^T A x$ prose.\n\n```check{}\n{body}```\n",
        g.pick(&opts)
    )
}

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn insert(g: &mut Gen, mut text: String, what: &str) -> String {
    let at = char_boundary(&text, g.next() % (text.len() + 1));
    text.insert_str(at, what);
    text
}

fn mutate(g: &mut Gen, text: String, seeds: &[String]) -> String {
    match g.next() % 16 {
        // Byte flips (the result is read as a file would be: lossy UTF-8).
        0 => {
            let mut b = text.into_bytes();
            for _ in 0..1 + g.next() % 4 {
                if !b.is_empty() {
                    let i = g.next() % b.len();
                    b[i] ^= 1 << (g.next() % 8);
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        }
        1 => {
            let at = char_boundary(&text, g.next() % (text.len() + 1));
            let end = char_boundary(&text, at + g.next() % 40);
            let mut t = text;
            t.replace_range(at..end, "");
            t
        }
        2 | 3 => {
            let tok = g.pick(TOKENS);
            insert(g, text, tok)
        }
        4 => {
            let tok = g.pick(HUGE);
            // Replace a number when there is one, else insert.
            match text.find(|c: char| c.is_ascii_digit()) {
                Some(p) if g.next().is_multiple_of(2) => {
                    let end = text[p..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(text.len(), |e| p + e);
                    let mut t = text;
                    t.replace_range(p..end, tok);
                    t
                }
                _ => insert(g, text, tok),
            }
        }
        5 => {
            let depths: &[usize] = if big() {
                &[10, 100, 300, 1000, 5000, 100_000]
            } else {
                &[10, 30, 100, 300]
            };
            let depth = depths[g.next() % depths.len()];
            let (open, close) = [
                ("(", ")"),
                ("{", "}"),
                ("[", "]"),
                ("\\left(", "\\right)"),
                ("f(", ")"),
            ][g.next() % 5];
            let nest = format!("{}x{}", open.repeat(depth), close.repeat(depth));
            let wrapped = match g.next() % 3 {
                0 => format!("\n```check\nlet x ∈ R\n{nest} = x\n```\n"),
                1 => format!("\n$${nest}$$\n"),
                _ => nest,
            };
            insert(g, text, &wrapped)
        }
        6 => {
            let odd = g.pick(ODD);
            insert(g, text, odd)
        }
        7 => {
            let front = g.pick(FRONT);
            if let Some(rest) = text.strip_prefix("---\n") {
                format!("---\n{front}\n{rest}")
            } else {
                format!("---\n{front}\n---\n{text}")
            }
        }
        8 if !seeds.is_empty() => {
            let k = g.next() % seeds.len();
            let other = window(g, &seeds[k]);
            insert(g, text, &other)
        }
        9 => {
            let lhs = g.expr();
            let line = format!("\n{lhs}{}{}\n", g.pick(vocab::RELS), g.expr());
            insert(g, text, &line)
        }
        10 => {
            // Repeat a line many times.
            let lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return text;
            }
            let l = lines[g.next() % lines.len()].to_string();
            let times = [2, 10, if big() { 200 } else { 20 }][g.next() % 3];
            insert(g, text, &format!("\n{}", format!("{l}\n").repeat(times)))
        }
        11 => {
            let at = char_boundary(&text, g.next() % (text.len() + 1));
            text[..at].to_string()
        }
        12 => {
            // A long name or token.
            let len = if big() {
                [70, 1000, 40_000][g.next() % 3]
            } else {
                [70, 300][g.next() % 2]
            };
            let word = "ab".repeat(len / 2);
            insert(g, text, &word)
        }
        13 => text.replace(
            '\n',
            if g.next().is_multiple_of(2) {
                "\r"
            } else {
                "\r\n"
            },
        ),
        // Token soup: statements of the language's tokens in random order.
        _ => {
            let mut line = String::from("\n");
            for _ in 0..1 + g.next() % 3 {
                for _ in 0..1 + g.next() % 12 {
                    let t = match g.next() % 3 {
                        0 => g.pick(vocab::ATOMS),
                        1 => g.pick(vocab::OPS),
                        _ => g.pick(TOKENS),
                    };
                    line.push_str(t);
                }
                line.push('\n');
            }
            if g.next().is_multiple_of(2) {
                let einstein = g.pick(&["", " einstein"]);
                line = format!("\n```check{einstein}\n{}{line}```\n", vocab::DECLS);
            }
            insert(g, text, &line)
        }
    }
}

/// What became of one input.
pub enum Outcome {
    Ok,
    /// "file:line: message" of the first panic.
    Crash(String),
}

/// Run one input through the whole pipeline.
pub fn run_one(text: &str, project: &ProjectConfig, site: &notecheck::Site) -> Outcome {
    watch(|| {
        let note = parse_note("fuzz.md".into(), PathBuf::from("fuzz.md"), text.to_string());
        let result = notecheck::check(&note, project);
        let checked = [notecheck::CheckedNote::new(&note, [0; 32], result)];
        let _ = site.page(&checked[0]);
        let _ = notecheck::formats::human(&checked, false);
        let _ = {
            use notecheck::formats::Emitter;
            notecheck::formats::Json.render(&checked)
        };
    })
}

/// Run `f`, recording the first panic in it (caught there or not).
pub fn watch(f: impl FnOnce()) -> Outcome {
    LAST_PANIC.with(|last| *last.borrow_mut() = None);
    install_hook();
    IN_RUN.with(|r| r.set(true));
    let _ = panic::catch_unwind(AssertUnwindSafe(f));
    IN_RUN.with(|r| r.set(false));
    match LAST_PANIC.with(|l| l.borrow_mut().take()) {
        Some(p) => Outcome::Crash(p),
        None => Outcome::Ok,
    }
}

/// The site renderer, with `--safe` or without.
pub fn site(safe: bool) -> notecheck::Site {
    let opts = notecheck::SiteOptions {
        title: "fuzz".into(),
        templates_dir: None,
        version: "0".into(),
        command: "notecheck check".into(),
        safe,
        ..Default::default()
    };
    notecheck::Site::new(&opts).expect("the default templates load")
}

/// A fuzzing campaign's figures.
#[derive(Default)]
pub struct Report {
    pub inputs: u64,
    /// Crash site → (times hit, the first input that hit it).
    pub crashes: BTreeMap<String, (u64, String)>,
    /// The slowest input and its time.
    pub slowest: (f64, String),
}

/// Run `n` inputs from generator seed `seed`, printing a progress line
/// every `progress` inputs (0: never). `before` sees each input
/// before it runs (the command-line driver saves it, so that an abort, such
/// as a stack overflow, leaves the culprit on disk).
pub fn campaign(
    seed: u64,
    n: u64,
    seeds: &[String],
    project: &ProjectConfig,
    progress: u64,
    mut before: impl FnMut(u64, &str),
) -> Report {
    let sites = [site(false), site(true)];
    let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut report = Report::default();
    for k in 0..n {
        let text = input(&mut g, seeds);
        before(k, &text);
        let started = Instant::now();
        let outcome = run_one(&text, project, &sites[(k % 2) as usize]);
        let secs = started.elapsed().as_secs_f64();
        if secs > report.slowest.0 {
            report.slowest = (secs, text.clone());
        }
        report.inputs += 1;
        if progress > 0 && report.inputs.is_multiple_of(progress) {
            eprintln!("progress: {} inputs", report.inputs);
        }
        if let Outcome::Crash(site) = outcome {
            let key = site.split(": ").next().unwrap_or(&site).to_string();
            let entry = report.crashes.entry(key).or_insert((0, text.clone()));
            entry.0 += 1;
            if entry.0 == 1 {
                eprintln!("crash at {site}");
            }
        }
    }
    report
}
