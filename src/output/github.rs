//! `--format github`: GitHub Actions workflow commands.
//!
//! Each failing claim (`fail`, `error`, `xpass`) is an annotation
//! `::error file=PATH,line=N,col=C,title=TITLE::MESSAGE`, which GitHub
//! shows on the line of the note. GitHub shows only the first few
//! annotations of a step, so after [`MAX_ANNOTATIONS`] the rest are listed
//! as plain `path:line:col: status: message` lines in a collapsed
//! `::group::`. A summary line ends the output.
//!
//! [`step_summary`] is the Markdown job summary (a table of notes with their
//! counts); [`write_step_summary`] appends it to `$GITHUB_STEP_SUMMARY`.

use std::fmt::Write;

use crate::check::verdict::{CheckedNote, Status};
use crate::output::{
    Emitter, Located, bare_label, count_line, headline, located_claims, one_line, plural,
    reproduce, totals, trial_line, verdict_line,
};

/// GitHub Actions workflow commands (and, with [`write_step_summary`], the
/// job summary).
pub struct Github;

impl Emitter for Github {
    fn emit(&self, notes: &[CheckedNote<'_>], w: &mut dyn std::io::Write) -> std::io::Result<()> {
        // Annotations land in a CI log: no control characters.
        w.write_all(super::human::visible(&render(notes)).as_bytes())
    }
}

/// Annotations GitHub shows per step (and per type); more are dropped.
pub const MAX_ANNOTATIONS: usize = 10;

/// Failing claims listed in the job summary; more are counted.
const MAX_SUMMARY_PROBLEMS: usize = 50;

/// Escaped for the message of a workflow command.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaped for a property value of a workflow command (`file=…,title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Control characters (newlines included) of a plain output line as spaces,
/// so that text from a note can never start a workflow command of its own.
fn plain(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Every failing claim of every note, in note order then file order.
fn failing<'a>(notes: &'a [CheckedNote<'_>]) -> Vec<(&'a str, Located<'a>)> {
    notes
        .iter()
        .flat_map(|n| {
            located_claims(n)
                .into_iter()
                .filter(|l| l.claim.status.is_failure())
                .map(move |l| (n.result.path.as_str(), l))
        })
        .collect()
}

fn title(l: &Located) -> String {
    let c = l.claim;
    let mut t = format!("notecheck {}: {}", c.status.as_str(), l.place);
    if let Some(label) = &c.label {
        let _ = write!(t, " ({})", bare_label(label));
    }
    t
}

/// The annotation's text: the claim, why it fails, the evidence in brief.
fn message(path: &str, l: &Located) -> String {
    let c = l.claim;
    let mut m = String::new();
    let text = one_line(&c.text);
    if !text.is_empty() {
        let _ = writeln!(m, "{text}");
    }
    match (&c.message, c.status) {
        (_, Status::Xpass) | (None, _) => {
            let _ = writeln!(m, "{}", headline(c));
        }
        (Some(msg), _) => {
            let _ = writeln!(m, "{}", msg.trim_end());
        }
    }
    if let (Some(e), Some(line)) = (&c.evidence, trial_line(c)) {
        let _ = writeln!(m, "{line}");
        if let Some(d) = &e.diagnosis {
            let _ = writeln!(m, "diagnosis: {d}");
        }
        let _ = writeln!(m, "reproduce: {}", reproduce(path, c.line));
    }
    m.trim_end().to_string()
}

/// The workflow commands for `results`.
pub fn render(notes: &[CheckedNote<'_>]) -> String {
    let fails = failing(notes);
    let mut out = String::new();
    for (path, l) in fails.iter().take(MAX_ANNOTATIONS) {
        let c = l.claim;
        let _ = writeln!(
            out,
            "::error file={},line={},col={},title={}::{}",
            escape_property(path),
            c.line,
            c.col,
            escape_property(&title(l)),
            escape_data(&message(path, l))
        );
    }
    if fails.len() > MAX_ANNOTATIONS {
        let rest = &fails[MAX_ANNOTATIONS..];
        let _ = writeln!(
            out,
            "::group::notecheck: {} more failing claim{}",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" }
        );
        for (path, l) in rest {
            let c = l.claim;
            let _ = writeln!(
                out,
                "{}",
                plain(&format!(
                    "{}:{}:{}: {}: {} [{}]: {}",
                    path,
                    c.line,
                    c.col,
                    c.status.as_str(),
                    headline(c),
                    l.place,
                    one_line(&c.text)
                ))
            );
        }
        out.push_str("::endgroup::\n");
    }
    let _ = writeln!(
        out,
        "notecheck: {}; {}",
        verdict_line(notes).1,
        count_line(notes)
    );
    out
}

/// Inline code for GitHub Markdown (table-safe: `|` escaped, one line).
fn md_code(s: &str) -> String {
    let s = one_line(s).replace('|', "\\|");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Plain text for GitHub Markdown: punctuation that could mean something
/// is backslash-escaped, HTML is neutralised, all on one line.
fn md_text(s: &str) -> String {
    let mut o = String::new();
    for ch in one_line(s).chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '$' | '!' => {
                o.push('\\');
                o.push(ch);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            c => o.push(c),
        }
    }
    o
}

/// The Markdown job summary: the overall verdict, one table row per note
/// with its counts, and the failing claims.
pub fn step_summary(notes: &[CheckedNote<'_>]) -> String {
    let t = totals(notes);
    let mut s = String::new();
    if t.failed() > 0 {
        let _ = writeln!(
            s,
            "## notecheck: ✗ {} of {} fail\n",
            t.failed(),
            plural(t.total(), "claim")
        );
    } else if t.total() == 1 {
        let _ = writeln!(s, "## notecheck: ✓ the claim holds\n");
    } else {
        let _ = writeln!(s, "## notecheck: ✓ all {} claims hold\n", t.total());
    }
    s.push_str("| note | title | claims | ✓ pass | ✗ fail | ⚠ error | xfail | xpass |\n");
    s.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for n in notes {
        let (n, c) = (&n.result, &n.result.counts);
        let _ = writeln!(
            s,
            "| {} {} | {} | {} | {} | {} | {} | {} | {} |",
            if c.failed() > 0 { "✗" } else { "✓" },
            md_code(&n.path),
            md_text(&n.title),
            c.total(),
            c.pass,
            c.fail,
            c.error,
            c.xfail,
            c.xpass
        );
    }
    let _ = writeln!(
        s,
        "| **total** ({}) | | {} | {} | {} | {} | {} | {} |",
        plural(notes.len(), "note"),
        t.total(),
        t.pass,
        t.fail,
        t.error,
        t.xfail,
        t.xpass
    );
    let fails = failing(notes);
    if !fails.is_empty() {
        s.push_str("\n### Failing claims\n\n");
        for (path, l) in fails.iter().take(MAX_SUMMARY_PROBLEMS) {
            let c = l.claim;
            let _ = writeln!(
                s,
                "- {} **{}** {}: {} — {}",
                md_code(&format!("{path}:{}:{}", c.line, c.col)),
                c.status.as_str(),
                md_text(&l.place),
                md_code(&c.text),
                md_text(&headline(c))
            );
        }
        if fails.len() > MAX_SUMMARY_PROBLEMS {
            let _ = writeln!(
                s,
                "- … and {} more (see the step's log)",
                fails.len() - MAX_SUMMARY_PROBLEMS
            );
        }
    }
    s
}

/// Appends `step_summary` to the file named by `$GITHUB_STEP_SUMMARY`.
/// `Ok(false)` when the variable is not set (not on GitHub Actions).
pub fn write_step_summary(notes: &[CheckedNote<'_>]) -> crate::error::Result<bool> {
    let Some(file) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|f| !f.is_empty()) else {
        return Ok(false);
    };
    use std::io::Write as _;
    let fail = |e| crate::error::Error::io("write the job summary to", &file, e);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .map_err(fail)?;
    f.write_all(step_summary(notes).as_bytes()).map_err(fail)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a\r\nb:c,d"), "50%25 a%0D%0Ab:c,d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn markdown() {
        assert_eq!(md_code("a|b"), "`a\\|b`");
        assert_eq!(md_code("a`b"), "``a`b``");
        assert_eq!(md_text("x_i *y* <b>"), "x\\_i \\*y\\* &lt;b&gt;");
        assert_eq!(plain("a\nb"), "a b");
    }
}
