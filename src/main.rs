//! The `notecheck` command line: argument parsing only; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use notecheck::output;
use notecheck::pipeline;

#[derive(Parser)]
#[command(
    name = "notecheck",
    version,
    about = "Check the math in Markdown course notes and publish them as a verified static site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check and render NOTES (default ./notes, or `notes:` in notecheck.yaml) into OUT (default ./site)
    Build {
        notes: Option<PathBuf>,
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Project configuration file
        #[arg(long, default_value = "notecheck.yaml")]
        config: PathBuf,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
    },
    /// Check only, for CI
    Check {
        notes: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Write the report to FILE; the human summary still goes to the terminal
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long, default_value = "notecheck.yaml")]
        config: PathBuf,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
        /// Also list every unchecked display equation with file:line and its reason
        #[arg(short, long)]
        verbose: bool,
    },
    /// Build, serve the site on 127.0.0.1:PORT, rebuild and reload open pages when notes change
    Serve {
        notes: Option<PathBuf>,
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 8000)]
        port: u16,
        #[arg(short, long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = "notecheck.yaml")]
        config: PathBuf,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
    },
    /// Create a project in DIR (default .): notecheck.yaml, an example note, a CI workflow
    Init {
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite files that exist
        #[arg(long)]
        force: bool,
    },
    /// mdBook preprocessor: reads [context, book] JSON on stdin, writes the book to stdout
    Mdbook {
        #[command(subcommand)]
        command: Option<MdbookCommand>,
    },
}

#[derive(Subcommand)]
enum MdbookCommand {
    /// Exit 0 when RENDERER is supported (every renderer is)
    Supports { renderer: String },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
    /// JUnit XML (GitLab, Jenkins)
    Junit,
    /// GitHub Actions annotations (and a job summary in $GITHUB_STEP_SUMMARY)
    Github,
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("notecheck: {msg}");
    ExitCode::from(2)
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            notes,
            out,
            config,
            no_cache,
        } => {
            let project = match pipeline::load(notes.as_deref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            let cache = cache_for(&config, no_cache);
            let out = out
                .or_else(|| project.config.out.clone())
                .unwrap_or_else(|| PathBuf::from("site"));
            let run = match pipeline::build(&project, &cache, &out, progress()) {
                Ok((run, _)) => run,
                Err(m) => return fail(&m),
            };
            eprintln!("{}", run.summary());
            let results = run.results;
            let sources: Vec<&str> = project.notes.iter().map(|n| n.source.as_str()).collect();
            print!("{}", output::human::render(&results, &sources, color()));
            println!("site written to {}", out.display());
            exit(&results)
        }
        Command::Check {
            notes,
            format,
            output: file,
            config,
            no_cache,
            verbose,
        } => {
            let project = match pipeline::load(notes.as_deref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            let cache = cache_for(&config, no_cache);
            let run = pipeline::check_all_with(&project, &cache, progress());
            eprintln!("{}", run.summary());
            let results = run.results;
            let sources: Vec<&str> = project.notes.iter().map(|n| n.source.as_str()).collect();
            let mut human = output::human::render(&results, &sources, color() && file.is_none());
            if verbose {
                human.insert_str(0, &output::human::unchecked_list(&results));
            }
            let report = match format {
                Format::Human => human.clone(),
                Format::Json => output::json::render(&results),
                Format::Junit => output::junit::render(&results),
                Format::Github => {
                    if let Err(e) = output::github::write_step_summary(&results) {
                        eprintln!("notecheck: warning: {e}");
                    }
                    output::github::render(&results)
                }
            };
            match file {
                Some(f) => {
                    if let Err(e) = write_file(&f, &report) {
                        return fail(&e);
                    }
                    print!("{human}");
                }
                None => {
                    let mut so = std::io::stdout().lock();
                    let _ = so.write_all(report.as_bytes());
                }
            }
            exit(&results)
        }
        Command::Serve {
            notes,
            port,
            out,
            config,
            no_cache,
        } => {
            let opts = notecheck::serve::ServeOptions {
                notes,
                config,
                out,
                port,
                use_cache: !no_cache,
                progress: progress(),
            };
            match notecheck::serve::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(m) => fail(&m),
            }
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Mdbook { command } => mdbook(command),
    }
}

fn init(dir: &Path, force: bool) -> ExitCode {
    match notecheck::init::init(dir, force) {
        Ok(files) => {
            for f in &files {
                println!("created {}", f.display());
            }
            let cd = if dir == Path::new(".") {
                String::new()
            } else {
                format!("cd {} && ", dir.display())
            };
            println!("next: {cd}notecheck check   (then `notecheck build` for the site)");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn mdbook(command: Option<MdbookCommand>) -> ExitCode {
    if let Some(MdbookCommand::Supports { renderer }) = command {
        return if notecheck::mdbook::supports(&renderer) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let mut input = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut input) {
        return fail(&format!("cannot read the book from standard input: {e}"));
    }
    let outcome = match notecheck::mdbook::preprocess(&input) {
        Ok(o) => o,
        Err(m) => return fail(&m),
    };
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(outcome.book.as_bytes());
    let _ = so.flush();
    for p in &outcome.problems {
        eprintln!("{p}");
    }
    let t = &outcome.counts;
    if t.failed() > 0 {
        eprintln!(
            "notecheck: {} of {} claims fail in {} chapters",
            t.failed(),
            t.total(),
            outcome.chapters
        );
        ExitCode::from(1)
    } else {
        eprintln!(
            "notecheck: {} claims hold in {} chapters",
            t.total(),
            outcome.chapters
        );
        ExitCode::SUCCESS
    }
}

/// The check cache next to the configuration file, or none (`--no-cache`).
fn cache_for(config: &Path, no_cache: bool) -> notecheck::cache::Cache {
    notecheck::cache::Cache::new((!no_cache).then(|| notecheck::cache::dir_for(config)))
}

/// A progress bar only on an interactive terminal, never in CI.
fn progress() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

fn write_file(f: &Path, s: &str) -> Result<(), String> {
    std::fs::write(f, s).map_err(|e| format!("cannot write {}: {e}", f.display()))
}

fn exit(results: &[notecheck::check::verdict::NoteResult]) -> ExitCode {
    if output::totals(results).failed() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
