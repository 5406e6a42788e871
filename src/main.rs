//! The `notecheck` command line: argument parsing only; the work is in the library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use notecheck::Target;
use notecheck::formats::{self as output, Emitter};

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
        /// A notes folder, a note (notes/x.md), the claims at a line (notes/x.md:42) or a block (notes/x.md#id)
        notes: Option<String>,
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Project configuration file (default: notecheck.yaml here or in the nearest parent folder)
        #[arg(long)]
        config: Option<PathBuf>,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
        /// Warnings (formulas that cannot be typeset, missing files, broken links) fail the run (exit 1)
        #[arg(long)]
        strict: bool,
        /// Write into OUT even when it holds files notecheck did not write (they are kept)
        #[arg(long)]
        force: bool,
        /// For notes from others: sanitize raw HTML in the prose, keep only http(s) and relative URLs
        #[arg(long)]
        safe: bool,
    },
    /// Check only, for CI
    Check {
        /// A notes folder, a note (notes/x.md), the claims at a line (notes/x.md:42) or a block (notes/x.md#id)
        notes: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Write the report to FILE; the human summary still goes to the terminal
        #[arg(long)]
        output: Option<PathBuf>,
        /// Project configuration file (default: notecheck.yaml here or in the nearest parent folder)
        #[arg(long)]
        config: Option<PathBuf>,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
        /// Also list every unchecked display equation with file:line and its reason
        #[arg(short, long)]
        verbose: bool,
        /// Warnings (formulas that cannot be typeset, missing files, broken links) fail the run (exit 1)
        #[arg(long)]
        strict: bool,
    },
    /// Build, serve the site on 127.0.0.1:PORT, rebuild and reload open pages when notes change
    Serve {
        notes: Option<PathBuf>,
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 8000)]
        port: u16,
        #[arg(short, long)]
        out: Option<PathBuf>,
        /// Project configuration file (default: notecheck.yaml here or in the nearest parent folder)
        #[arg(long)]
        config: Option<PathBuf>,
        /// Neither read nor write the check cache (.notecheck-cache/)
        #[arg(long)]
        no_cache: bool,
        /// Write into OUT even when it holds files notecheck did not write (they are kept)
        #[arg(long)]
        force: bool,
        /// For notes from others: sanitize raw HTML in the prose, keep only http(s) and relative URLs
        #[arg(long)]
        safe: bool,
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

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("notecheck: {}", output::visible(&e.to_string()));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            notes,
            out,
            config,
            no_cache,
            strict,
            force,
            safe,
        } => {
            let config = config_path(config);
            let target = notes.as_deref().map(Target::parse);
            let mut project = match notecheck::load_target(target.as_ref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            project.force = force;
            project.config.safe |= safe;
            let cache = cache_for(&config, no_cache);
            let out = project.out_dir(out);
            let mut run = match notecheck::build(&project, &cache, &out, progress()) {
                Ok((run, _)) => run,
                Err(m) => return fail(&m),
            };
            eprintln!("{}", run.summary());
            // The pages show whole notes; the terminal, the selected claims.
            if let Some(Err(m)) = target.map(|t| t.apply(&mut run.notes)) {
                return fail(&m);
            }
            print!("{}", output::human(&run.notes, output::stdout_color()));
            println!(
                "site written to {}",
                output::visible(&out.display().to_string())
            );
            exit(&run.notes, strict)
        }
        Command::Check {
            notes,
            format,
            output: file,
            config,
            no_cache,
            verbose,
            strict,
        } => {
            let config = config_path(config);
            let target = notes.as_deref().map(Target::parse);
            let project = match notecheck::load_target(target.as_ref(), &config) {
                Ok(p) => p,
                Err(m) => return fail(&m),
            };
            if let Some(f) = &file {
                let notes: Vec<PathBuf> = project
                    .notes
                    .iter()
                    .map(|n| PathBuf::from(&n.path))
                    .collect();
                if let Err(m) = notecheck::check_report_file(f, &project.notes_dir, &notes) {
                    return fail(&m);
                }
            }
            let cache = cache_for(&config, no_cache);
            let mut run = notecheck::check_all_with(&project, &cache, progress());
            eprintln!("{}", run.summary());
            if let Some(Err(m)) = target.map(|t| t.apply(&mut run.notes)) {
                return fail(&m);
            }
            let notes = &run.notes;
            // `-v`: the unchecked display equations, before the human output.
            let unchecked = if verbose {
                output::unchecked_list(notes)
            } else {
                String::new()
            };
            let emitter: Box<dyn Emitter> = match format {
                Format::Human => Box::new(output::Human {
                    color: output::stdout_color() && file.is_none(),
                }),
                Format::Json => Box::new(output::Json),
                Format::Junit => Box::new(output::Junit),
                Format::Github => {
                    if let Err(e) = output::write_step_summary(notes) {
                        eprintln!("notecheck: warning: {e}");
                    }
                    Box::new(output::Github)
                }
            };
            match file {
                Some(f) => {
                    if let Err(e) = write_file(&f, &emitter.render(notes)) {
                        return fail(&e);
                    }
                    print!("{unchecked}{}", output::human(notes, false));
                }
                None => {
                    let mut so = std::io::stdout().lock();
                    if format == Format::Human {
                        let _ = so.write_all(unchecked.as_bytes());
                    }
                    let _ = emitter.emit(notes, &mut so);
                    let _ = so.flush();
                }
            }
            exit(notes, strict)
        }
        Command::Serve {
            notes,
            port,
            out,
            config,
            no_cache,
            force,
            safe,
        } => {
            let opts = notecheck::ServeOptions {
                notes,
                config: config_path(config),
                out,
                port,
                use_cache: !no_cache,
                progress: progress(),
                force,
                safe,
            };
            match notecheck::serve(&opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(m) => fail(&m),
            }
        }
        Command::Init { dir, force } => init(&dir, force),
        Command::Mdbook { command } => mdbook(command),
    }
}

fn init(dir: &Path, force: bool) -> ExitCode {
    match notecheck::init(dir, force) {
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
        Err(e) => fail(&e),
    }
}

fn mdbook(command: Option<MdbookCommand>) -> ExitCode {
    if let Some(MdbookCommand::Supports { renderer }) = command {
        return if notecheck::book_supports(&renderer) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    let mut input = String::new();
    if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut input) {
        return fail(&notecheck::Error::System {
            doing: "read the book from standard input".into(),
            source: e,
        });
    }
    let mut so = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let outcome = match notecheck::preprocess_book_to(&input, &mut so) {
        Ok(o) => o,
        Err(m) => return fail(&m),
    };
    if let Err(e) = so.flush() {
        return fail(&notecheck::Error::System {
            doing: "write the book".into(),
            source: e,
        });
    }
    for p in outcome.problems.iter().chain(&outcome.warnings) {
        eprintln!("{}", output::visible(p));
    }
    let t = &outcome.counts;
    let warned = match outcome.warnings.len() {
        0 => String::new(),
        n => format!(
            "; {}{}",
            output::plural(n, "warning"),
            if outcome.strict { " (strict)" } else { "" }
        ),
    };
    if t.failed() > 0 || (outcome.strict && !outcome.warnings.is_empty()) {
        eprintln!(
            "notecheck: {} of {} fail in {}{warned}",
            t.failed(),
            output::plural(t.total(), "claim"),
            output::plural(outcome.chapters, "chapter")
        );
        ExitCode::from(1)
    } else {
        eprintln!(
            "notecheck: {} {} in {}{warned}",
            output::plural(t.total(), "claim"),
            if t.total() == 1 { "holds" } else { "hold" },
            output::plural(outcome.chapters, "chapter")
        );
        ExitCode::SUCCESS
    }
}

/// The check cache next to the configuration file, or none (`--no-cache`).
fn cache_for(config: &Path, no_cache: bool) -> notecheck::Cache {
    notecheck::Cache::new((!no_cache).then(|| notecheck::cache_dir(config)))
}

/// A progress bar only on an interactive terminal, never in CI.
fn progress() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

fn write_file(f: &Path, s: &str) -> notecheck::Result<()> {
    std::fs::write(f, s).map_err(|e| notecheck::Error::io("write", f, e))
}

/// `--config` when given, else `notecheck.yaml` in the current folder or
/// the nearest parent that has one.
fn config_path(config: Option<PathBuf>) -> PathBuf {
    config.unwrap_or_else(|| {
        std::env::current_dir()
            .map(|d| notecheck::find_config(&d))
            .unwrap_or_else(|_| PathBuf::from(notecheck::CONFIG_FILE))
    })
}

/// 1 when a claim fails, or with `strict` when there is a warning.
fn exit(notes: &[notecheck::CheckedNote<'_>], strict: bool) -> ExitCode {
    let warned = strict && notes.iter().any(|n| !n.result.warnings.is_empty());
    if output::totals(notes).failed() > 0 || warned {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
