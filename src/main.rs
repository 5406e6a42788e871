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
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Human,
    Json,
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
        Command::Build { notes, out, config } => {
            let project = match pipeline::load(notes.as_deref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            let results = pipeline::check_all(&project);
            let out = out
                .or_else(|| project.config.out.clone())
                .unwrap_or_else(|| PathBuf::from("site"));
            if let Err(m) = pipeline::render(&project, &results, &out) {
                return fail(&m);
            }
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
        } => {
            let project = match pipeline::load(notes.as_deref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            let results = pipeline::check_all(&project);
            let sources: Vec<&str> = project.notes.iter().map(|n| n.source.as_str()).collect();
            let human = output::human::render(&results, &sources, color() && file.is_none());
            let report = match format {
                Format::Human => human.clone(),
                Format::Json => output::json::render(&results),
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
    }
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
