//! Front matter: YAML between a first line `---` and the next `---`/`...` line.

use crate::config::{FrontMatter, parse_front_matter};

use crate::diag::{Diagnostic, Span};

/// The result of splitting off a note's front matter.
#[derive(Clone, Debug, Default)]
pub(crate) struct Front {
    pub front: FrontMatter,
    /// Problems, with spans in the note's source.
    pub errors: Vec<Diagnostic>,
    /// Byte offset after the closing line (0 without front matter; after a
    /// byte order mark if there is one).
    pub body_start: usize,
    /// `title` kept from a front matter that did not parse as a whole.
    pub salvaged_title: Option<String>,
}

/// `(start, end_without_newline, end_with_newline)` of each line.
fn lines(text: &str, from: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let start = pos;
        let (end, next) = match text[start..].find('\n') {
            Some(i) => (start + i, start + i + 1),
            None => (text.len(), text.len()),
        };
        pos = next;
        Some((start, end, next))
    })
}

fn is_delim(line: &str, closing: bool) -> bool {
    let t = line.trim_end_matches([' ', '\t', '\r']);
    t == "---" || (closing && t == "...")
}

pub(crate) fn split_front(source: &str) -> Front {
    let bom = if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut it = lines(source, bom);
    let mut out = Front {
        body_start: bom,
        ..Front::default()
    };
    let (open, yaml_start) = match it.next() {
        Some((s, e, next)) if is_delim(&source[s..e], false) => (s, next),
        _ => return out,
    };
    let Some((close_start, _, close_next)) = it.find(|&(s, e, _)| is_delim(&source[s..e], true))
    else {
        out.errors.push(Diagnostic::error(
            Span::new(open, open + 3),
            "the front matter that starts here is never closed: add a line `---` after it",
        ));
        return out;
    };
    out.body_start = close_next;
    let yaml = &source[yaml_start..close_start];
    // Spans in the YAML text, placed in the note's source.
    let at = |mut d: Diagnostic| {
        d.message = format!("front matter: {}", d.message);
        d.shifted(yaml_start)
    };
    match parse_front_matter(yaml) {
        Ok((front, problems)) => {
            out.front = front;
            out.errors.extend(problems.into_iter().map(at));
        }
        Err(d) => {
            out.errors.push(at(d));
            out.salvaged_title = salvage_title(yaml);
        }
    }
    out
}

/// Warnings about the front matter: a dimension fixed to 1 (shape claims
/// such as `x ∈ R^{n×1}` or `A = Aᵀ` for an `n×n` A can then hold by
/// accident), at its `key: value` in the note's source. Not errors: they
/// do not fail CI.
pub fn dims_warnings(note: &super::Note) -> Vec<Diagnostic> {
    let ones: Vec<&String> = note
        .front
        .dims
        .iter()
        .filter(|(_, v)| **v == 1)
        .map(|(k, _)| k)
        .collect();
    if ones.is_empty() {
        return Vec::new();
    }
    let source = &note.source[..note.body_start.min(note.source.len())];
    let yaml_start = lines(source, 0).next().map_or(0, |(_, _, next)| next);
    let yaml = source.get(yaml_start..).unwrap_or("");
    ones.into_iter()
        .map(|k| {
            let span = crate::config::find_key(yaml, "dims", k);
            Diagnostic::warning(
                span,
                format!(
                    "front matter: dims fixes {k} = 1, so shape claims about {k} can hold by accident (a 1×1 value is a scalar, a vector and a symmetric matrix at once); use 2 or more, or leave {k} to dim_range"
                ),
            )
            .shifted(yaml_start)
        })
        .collect()
}

fn salvage_title(yaml: &str) -> Option<String> {
    crate::config::too_deep(yaml).ok()?;
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).ok()?;
    let title = value.as_mapping()?.get("title")?.as_str()?.trim();
    (!title.is_empty()).then(|| title.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Flatten;
    use crate::diag::LineIndex;

    /// Line and column of a diagnostic of `src`, as the outputs print them.
    fn lc(src: &str, d: &Diagnostic) -> (usize, usize) {
        LineIndex::new(src).line_col(d.span.start)
    }

    /// The text a diagnostic's span underlines.
    fn spanned<'a>(src: &'a str, d: &Diagnostic) -> &'a str {
        &src[d.span.start..d.span.end]
    }

    #[test]
    fn no_front_matter() {
        let f = split_front("# Title\n\ntext\n");
        assert_eq!(f.body_start, 0);
        assert!(f.errors.is_empty());
        assert_eq!(f.front, FrontMatter::default());
        // `---` not on the first line is not front matter.
        let f = split_front("\n---\ntitle: x\n---\n");
        assert_eq!(f.body_start, 0);
        assert!(f.errors.is_empty());
    }

    #[test]
    fn parses_and_finds_body() {
        let src = "---\ntitle: Matrix calculus\ndims: {n: 3, m: 4}\ncheck:\n  trials: 5\n  flatten: row-major\n---\n# Body\n";
        let f = split_front(src);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.front.title.as_deref(), Some("Matrix calculus"));
        assert_eq!(f.front.dims.get("n"), Some(&3));
        assert_eq!(f.front.check.trials, Some(5));
        assert_eq!(f.front.check.flatten, Some(Flatten::RowMajor));
        assert_eq!(&src[f.body_start..], "# Body\n");
    }

    #[test]
    fn dots_close_and_trailing_spaces() {
        let src = "--- \ntitle: x\n... \nbody";
        let f = split_front(src);
        assert_eq!(f.front.title.as_deref(), Some("x"));
        assert_eq!(&src[f.body_start..], "body");
    }

    #[test]
    fn other_tools_keys_are_ignored() {
        // Jekyll, Hugo and Quarto keys (spec §1); `check:` stays strict.
        let src = "---\nlayout: post\ntitle: T\ndate: 2019-03-01 10:00:00 +0100\ntags: [ml, calculus]\ncategories: notes\npermalink: /x/\nauthor: A\nexcerpt: \"e\"\nmath: true\ndraft: false\nweight: 3\nformat:\n  html:\n    toc: true\nexecute:\n  echo: false\n---\nbody\n";
        let f = split_front(src);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.front.title.as_deref(), Some("T"));
        let src = "---\nlayout: post\ncheck:\n  trals: 3\n---\n";
        let f = split_front(src);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(lc(src, &f.errors[0]), (4, 3));
        assert_eq!(spanned(src, &f.errors[0]), "trals");
        let f = split_front("---\nmath:\n  macros:\n    '\\R': '\\mathbb{R}'\n---\n");
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        assert_eq!(f.front.math.macros().unwrap()["\\R"], "\\mathbb{R}");
        // `math:` stays strict, its unknown keys at their line.
        let src = "---\nlayout: post\nmath:\n  macross: {}\n---\n";
        let f = split_front(src);
        assert_eq!(lc(src, &f.errors[0]), (4, 3), "{:?}", f.errors);
        assert!(f.errors[0].message.contains("math: unknown key `macross`"));
    }

    #[test]
    fn unknown_nested_key_at_its_line() {
        let src = "---\ntitle: T\ncheck:\n  trials: 3\n  tirals: 4\n---\nbody\n";
        let f = split_front(src);
        let e = &f.errors[0];
        assert_eq!(lc(src, e), (5, 3), "{e:?}");
        assert_eq!(spanned(src, e), "tirals");
        assert!(
            e.message.contains("check: unknown key `tirals`"),
            "{}",
            e.message
        );
        assert_eq!(f.front.check.trials, None);
        assert_eq!(&src[f.body_start..], "body\n");
    }

    #[test]
    fn syntax_error_line() {
        let src = "---\ntitle: T\ndims: [1\nx: 2\n---\n";
        let f = split_front(src);
        assert_eq!(f.errors.len(), 1);
        assert!(lc(src, &f.errors[0]).0 >= 3, "{:?}", f.errors);
        assert_eq!(f.salvaged_title, None);
        let src = "---\ntitle: T\ncheck:\n  trials: many\n---\n";
        let e = &split_front(src).errors[0];
        assert_eq!(lc(src, e), (4, 11));
        assert_eq!(spanned(src, e), "many");
        assert!(e.message.contains("check.trials"), "{}", e.message);
    }

    #[test]
    fn unterminated_is_error_at_line_1() {
        let src = "---\ntitle: x\n# heading\n";
        let f = split_front(src);
        assert_eq!(f.errors.len(), 1);
        assert_eq!(lc(src, &f.errors[0]), (1, 1));
        assert_eq!(spanned(src, &f.errors[0]), "---");
        assert_eq!(f.body_start, 0);
        assert_eq!(f.front, FrontMatter::default());
        let f = split_front("---");
        assert_eq!(f.errors.len(), 1);
    }

    #[test]
    fn empty_and_only_front_matter() {
        let f = split_front("---\n---\n");
        assert!(f.errors.is_empty());
        assert_eq!(f.body_start, 8);
        let src = "---\ntitle: Only\n---";
        let f = split_front(src);
        assert!(f.errors.is_empty());
        assert_eq!(f.body_start, src.len());
        assert_eq!(f.front.title.as_deref(), Some("Only"));
        let f = split_front("");
        assert_eq!(f.body_start, 0);
        assert!(f.errors.is_empty());
    }

    #[test]
    fn crlf() {
        let src = "---\r\ntitle: T\r\ncheck:\r\n  bogus: 1\r\n---\r\nbody\r\n";
        let f = split_front(src);
        assert_eq!(lc(src, &f.errors[0]), (4, 3));
        assert_eq!(spanned(src, &f.errors[0]), "bogus");
        assert_eq!(&src[f.body_start..], "body\r\n");
        let src = "---\r\ntitle: T\r\n---\r\nbody\r\n";
        let f = split_front(src);
        assert!(f.errors.is_empty());
        assert_eq!(f.front.title.as_deref(), Some("T"));
    }

    #[test]
    fn not_a_mapping() {
        let f = split_front("---\njust text\n---\n");
        assert_eq!(f.errors.len(), 1);
        assert!(
            f.errors[0].message.contains("mapping"),
            "{}",
            f.errors[0].message
        );
    }

    #[test]
    fn duplicate_key_points_at_second() {
        let src = "---\ntitle: a\ndims: {}\ntitle: b\n---\n";
        let f = split_front(src);
        assert_eq!(lc(src, &f.errors[0]), (4, 1), "{:?}", f.errors);
        assert_eq!(spanned(src, &f.errors[0]), "title: b");
        assert!(f.errors[0].message.contains("duplicate key `title`"));
    }

    #[test]
    fn invalid_values_are_dropped_and_reported() {
        let src = "---\ndims:\n  n: 0\n  m: 4\n  nn: 2\ncheck:\n  trials: 0\n  seed: 3\n  rtol: -1\n---\n";
        let f = split_front(src);
        let lines: Vec<usize> = f.errors.iter().map(|e| lc(src, e).0).collect();
        assert_eq!(lines, [3, 5, 7, 9], "{:?}", f.errors);
        let spans: Vec<&str> = f.errors.iter().map(|e| spanned(src, e)).collect();
        assert_eq!(spans, ["n: 0", "nn: 2", "trials: 0", "rtol: -1"]);
        assert_eq!(f.front.dims.len(), 1);
        assert_eq!(f.front.check.seed, Some(3));
        assert_eq!(f.front.check.trials, None);
        assert_eq!(f.front.check.rtol, None);
    }

    #[test]
    fn bom() {
        let src = "\u{feff}---\ntitle: B\n---\nx";
        let f = split_front(src);
        assert_eq!(f.front.title.as_deref(), Some("B"));
        assert_eq!(&src[f.body_start..], "x");
        assert_eq!(split_front("\u{feff}# h").body_start, 3);
    }
}
