//! Settings: `notecheck.yaml`, front matter and block options, layered.
//!
//! Defaults ← `notecheck.yaml` `check:` ← front matter `check:` ← block
//! options. Each layer is a [`CheckOverrides`] (every field optional);
//! [`CheckOverrides::apply`] lays one layer over the settings below it, giving [`CheckSettings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, LineIndex, Span};
use crate::error::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flatten {
    ColumnMajor,
    RowMajor,
}

/// `latex: auto` checks the prose's display equations (spec section 6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Latex {
    #[default]
    Auto,
    Off,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    Numerator,
    Denominator,
}

/// Fully resolved settings for one block.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSettings {
    pub trials: u32,
    pub seed: u64,
    pub dim_range: (u64, u64),
    pub rtol: f64,
    pub atol: f64,
    pub approx_rtol: f64,
    pub flatten: Flatten,
    pub layout: Layout,
    pub einstein: bool,
    pub latex: Latex,
    /// Seconds one claim may take before it is an `error` (spec §7).
    pub timeout: f64,
    /// Largest value (entries) a claim may build before it is an `error`.
    pub max_entries: u64,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            trials: 3,
            seed: 0,
            dim_range: (2, 5),
            rtol: 1.0e-8,
            atol: 1.0e-10,
            approx_rtol: 1.0e-4,
            flatten: Flatten::ColumnMajor,
            layout: Layout::Numerator,
            einstein: false,
            latex: Latex::Auto,
            timeout: crate::eval::limits::DEFAULT_TIMEOUT,
            max_entries: crate::eval::limits::DEFAULT_MAX_ENTRIES as u64,
        }
    }
}

/// One layer of `check:` settings; `None` means "not set here".
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckOverrides {
    pub trials: Option<u32>,
    pub seed: Option<u64>,
    pub dim_range: Option<[u64; 2]>,
    pub rtol: Option<f64>,
    pub atol: Option<f64>,
    pub approx_rtol: Option<f64>,
    pub flatten: Option<Flatten>,
    pub layout: Option<Layout>,
    pub einstein: Option<bool>,
    pub latex: Option<Latex>,
    pub timeout: Option<f64>,
    pub max_entries: Option<u64>,
}

impl CheckOverrides {
    /// Apply `self` on top of `base`.
    pub fn apply(&self, base: &CheckSettings) -> CheckSettings {
        let mut s = base.clone();
        if let Some(v) = self.trials {
            s.trials = v;
        }
        if let Some(v) = self.seed {
            s.seed = v;
        }
        if let Some([a, b]) = self.dim_range {
            s.dim_range = (a.min(b), a.max(b));
        }
        if let Some(v) = self.rtol {
            s.rtol = v;
        }
        if let Some(v) = self.atol {
            s.atol = v;
        }
        if let Some(v) = self.approx_rtol {
            s.approx_rtol = v;
        }
        if let Some(v) = self.flatten {
            s.flatten = v;
        }
        if let Some(v) = self.layout {
            s.layout = v;
        }
        if let Some(v) = self.einstein {
            s.einstein = v;
        }
        if let Some(v) = self.latex {
            s.latex = v;
        }
        if let Some(v) = self.timeout {
            s.timeout = v;
        }
        if let Some(v) = self.max_entries {
            s.max_entries = v;
        }
        s
    }
}

/// `notecheck.yaml` at the project root.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    pub notes: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub title: Option<String>,
    pub templates: Option<PathBuf>,
    /// Sanitize the notes' prose for notes from others (`--safe`).
    #[serde(default)]
    pub safe: bool,
    #[serde(default)]
    pub dims: BTreeMap<String, u64>,
    #[serde(default)]
    pub check: CheckOverrides,
    #[serde(default)]
    pub math: MathConfig,
    /// The order of the notes in the site's sidebar (paths relative to the
    /// notes folder); notes not listed follow by file name.
    #[serde(default)]
    pub order: Vec<String>,
}

/// A note's YAML front matter. Keys other than these belong to the tools
/// the notes were written for (Jekyll, Hugo, Quarto, …) and are ignored
/// (spec §1); `check:` and `math:` stay strict.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
pub struct FrontMatter {
    pub title: Option<String>,
    #[serde(default)]
    pub dims: BTreeMap<String, u64>,
    #[serde(default)]
    pub check: CheckOverrides,
    #[serde(default)]
    pub math: FrontMath,
}

/// `math:` in notecheck.yaml and front matter.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MathConfig {
    /// LaTeX macros for every equation, as KaTeX's `macros` option:
    /// `'\R': '\mathbb{R}'`; `#1`… are arguments.
    #[serde(default)]
    pub macros: BTreeMap<String, String>,
}

/// Front matter's `math:`: notecheck's table, or the `math: true` switch of
/// Jekyll and Hugo themes (ignored: notecheck always renders math).
#[derive(Clone, Debug, PartialEq)]
pub enum FrontMath {
    Switch(bool),
    Config(MathConfig),
}

impl<'de> serde::Deserialize<'de> for FrontMath {
    // By hand rather than `untagged`, so that an unknown key under `math:`
    // is reported with its own line and name.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FrontMath;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table with `macros`, or true/false")
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<FrontMath, E> {
                Ok(FrontMath::Switch(b))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<FrontMath, A::Error> {
                use serde::Deserialize;
                MathConfig::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(FrontMath::Config)
            }
        }
        d.deserialize_any(V)
    }
}

impl Default for FrontMath {
    fn default() -> Self {
        FrontMath::Switch(true)
    }
}

impl FrontMath {
    /// The macros this front matter defines (none for `math: true`).
    pub fn macros(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            FrontMath::Config(c) => Some(&c.macros),
            FrontMath::Switch(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

/// Read and parse the project configuration (`notecheck.yaml`).
///
/// The error prints as one line: [`Error::Invalid`] is `FILE:LINE:COL:
/// problem`, e.g. ``notecheck.yaml:4:3: check: unknown key `bogus`,
/// expected one of …``. An empty file (or one with only comments) is the
/// default configuration.
pub fn load_project(path: &Path) -> crate::error::Result<ProjectConfig> {
    let shown = path.display();
    // Never open what is not a regular file (a FIFO would block).
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if !meta.is_file() {
        return Err(Error::Input(format!("{shown}: not a regular file")));
    }
    if meta.len() > crate::note::MAX_NOTE_BYTES {
        return Err(Error::Input(format!("{shown}: larger than 10 MB")));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    let invalid = |text: &str, diagnostic: Diagnostic| {
        let (line, col) = LineIndex::new(text).line_col(diagnostic.span.start);
        Error::Invalid {
            path: path.to_path_buf(),
            line,
            col,
            diagnostic: Box::new(diagnostic),
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let lossy = String::from_utf8_lossy(e.as_bytes());
        let at = e.utf8_error().valid_up_to();
        let bad = e
            .utf8_error()
            .error_len()
            .unwrap_or(e.as_bytes().len() - at);
        invalid(
            &lossy,
            Diagnostic::error(Span::new(at, at + bad), "not valid UTF-8"),
        )
    })?;
    parse_project(&text).map_err(|d| invalid(&text, d))
}

/// Parse the text of a `notecheck.yaml`; see [`load_project`]. The
/// diagnostic's span is a byte range of `text`.
pub fn parse_project(text: &str) -> Result<ProjectConfig, Diagnostic> {
    too_deep(text)?;
    let mut config: ProjectConfig =
        serde_yaml::from_str(text).map_err(|e| yaml_problem(&e, text))?;
    crate::lang::tex::macros::restore_yaml_arguments(&mut config.math.macros, text);
    let problems = validate_layer(text, &mut config.dims, &mut config.check);
    match problems.into_iter().next() {
        Some(p) => Err(p),
        None => Ok(config),
    }
}

/// Parse a front matter's YAML text (without the `---` lines). The spans
/// of problems are byte ranges of `text` (the note stage shifts them into
/// the note's source).
///
/// A syntax or type error (unknown key, wrong type, …) gives `Err` with the
/// first problem. Semantically invalid values (a dimension 0, `trials: 0`,
/// a negative tolerance, …) are reported in the returned list and removed
/// from the result, which keeps the rest.
pub fn parse_front_matter(text: &str) -> Result<(FrontMatter, Vec<Diagnostic>), Diagnostic> {
    too_deep(text)?;
    let mut front: FrontMatter = serde_yaml::from_str(text).map_err(|e| yaml_problem(&e, text))?;
    if front.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
        front.title = None;
    }
    if let FrontMath::Config(c) = &mut front.math {
        crate::lang::tex::macros::restore_yaml_arguments(&mut c.macros, text);
    }
    let problems = validate_layer(text, &mut front.dims, &mut front.check);
    Ok((front, problems))
}

/// Deepest nesting of YAML flow collections (`{…}`, `[…]`) read.
const MAX_YAML_DEPTH: usize = 64;

/// Refuse YAML nested deeper than `MAX_YAML_DEPTH` before the YAML
/// parser sees it: its time grows with the square of the depth (100,000
/// `{` took 40 s). Brackets inside strings count too; no real settings
/// file nests anywhere near this. The diagnostic is at the first bracket
/// too deep.
pub fn too_deep(text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_YAML_DEPTH {
                    return Err(Diagnostic::error(
                        Span::new(i, i + 1),
                        format!("nested more than {MAX_YAML_DEPTH} levels deep; not read"),
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A valid dimension symbol: one ASCII or Greek letter, then digits.
pub fn is_dim_symbol(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_alphabetic() => chars.all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

/// Problems with the values of one settings layer, as (key, message).
/// `key` is the settings key (`trials`, `dim_range`, …).
pub fn override_problems(o: &CheckOverrides) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if o.trials == Some(0) {
        out.push(("trials", "trials must be at least 1".to_string()));
    }
    if let Some([a, b]) = o.dim_range {
        if a == 0 || b == 0 {
            out.push((
                "dim_range",
                "dim_range: dimensions must be at least 1".to_string(),
            ));
        } else if a > b {
            out.push((
                "dim_range",
                format!("dim_range [{a}, {b}] is empty: the lower bound is above the upper bound"),
            ));
        }
    }
    if let Some(t) = o.timeout
        && !(t.is_finite() && t > 0.0)
    {
        out.push((
            "timeout",
            format!("timeout must be a number of seconds > 0, not {t}"),
        ));
    }
    if o.max_entries == Some(0) {
        out.push(("max_entries", "max_entries must be at least 1".to_string()));
    }
    for (key, v) in [
        ("rtol", o.rtol),
        ("atol", o.atol),
        ("approx_rtol", o.approx_rtol),
    ] {
        if let Some(v) = v
            && (!v.is_finite() || v < 0.0)
        {
            out.push((key, format!("{key} must be a finite number ≥ 0, not {v}")));
        }
    }
    out
}

pub(crate) fn clear_override(o: &mut CheckOverrides, key: &str) {
    match key {
        "trials" => o.trials = None,
        "dim_range" => o.dim_range = None,
        "rtol" => o.rtol = None,
        "atol" => o.atol = None,
        "approx_rtol" => o.approx_rtol = None,
        "timeout" => o.timeout = None,
        "max_entries" => o.max_entries = None,
        _ => {}
    }
}

/// Check `dims` and `check` values; invalid entries are removed and reported
/// at their `key: value` (found by a textual search; at the start of the
/// text if not found).
fn validate_layer(
    text: &str,
    dims: &mut BTreeMap<String, u64>,
    check: &mut CheckOverrides,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let bad_dims: Vec<(String, String)> = dims
        .iter()
        .filter_map(|(k, v)| {
            if !is_dim_symbol(k) {
                Some((
                    k.clone(),
                    format!(
                        "dims: '{k}' is not a dimension symbol (one letter, optionally followed by digits)"
                    ),
                ))
            } else if *v == 0 {
                Some((k.clone(), format!("dims: {k} must be at least 1")))
            } else {
                None
            }
        })
        .collect();
    for (k, message) in bad_dims {
        dims.remove(&k);
        problems.push(Diagnostic::error(find_key(text, "dims", &k), message));
    }
    for (key, message) in override_problems(check) {
        clear_override(check, key);
        problems.push(Diagnostic::error(
            find_key(text, "check", key),
            format!("check: {message}"),
        ));
    }
    problems.sort_by_key(|p| p.span.start);
    problems
}

/// Where `key:` appears (after the `parent:` line when there is one): the
/// byte span of `key: value` in `text` (of the key alone when its value is
/// not on its line); an empty span at 0 when not found.
pub(crate) fn find_key(text: &str, parent: &str, key: &str) -> Span {
    let lines: Vec<(usize, &str)> = line_starts(text).collect();
    let find_from = |from: usize, k: &str| -> Option<(usize, usize)> {
        lines
            .iter()
            .enumerate()
            .skip(from)
            .find_map(|(i, (start, l))| key_at(l, k).map(|p| (i, start + p)))
    };
    let start = find_from(0, parent).map_or(0, |(i, _)| i);
    match find_from(start, key).or_else(|| find_from(0, key)) {
        Some((_, at)) => entry_span(text, at),
        None => Span::new(0, 0),
    }
}

/// Each line of `text` (without its `\n`) with the byte offset it starts at.
fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |at, l| {
        let start = *at;
        *at += l.len();
        Some((start, l.trim_end_matches('\n')))
    })
}

/// Byte offset of `key:` in `line` as a mapping key.
fn key_at(line: &str, key: &str) -> Option<usize> {
    let line = line.split(" #").next().unwrap_or(line);
    let mut search = 0;
    while let Some(pos) = line
        .get(search..)
        .and_then(|s| s.find(key))
        .map(|p| p + search)
    {
        let before = line[..pos].chars().next_back();
        let after = line[pos + key.len()..]
            .trim_start_matches(['"', '\''])
            .trim_start();
        let starts_ok = before.is_none_or(|c| c.is_whitespace() || "{,-\"'".contains(c));
        if starts_ok && after.starts_with(':') {
            return Some(pos);
        }
        search = pos + key.len();
    }
    None
}

/// The byte span of the YAML token at byte `at` of `text`, on its line: a
/// quoted scalar to its closing quote, a flow collection to its closing
/// bracket, else a plain scalar or key up to `: `, `,`, `]`, `}`, ` #` or
/// the end of the line (trailing blanks left out). Empty at the end of a
/// line.
fn token_span(text: &str, at: usize) -> Span {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let rest = text[at..line_end].trim_end_matches('\r');
    let len = match rest.chars().next() {
        None => 0,
        Some(q @ ('"' | '\'')) => {
            let mut escaped = false;
            rest.char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let close = c == q && !escaped;
                    escaped = q == '"' && c == '\\' && !escaped;
                    close
                })
                .map_or(rest.len(), |(i, c)| i + c.len_utf8())
        }
        Some('[' | '{') => {
            let mut depth = 0usize;
            rest.char_indices()
                .find(|&(_, c)| {
                    match c {
                        '[' | '{' => depth += 1,
                        ']' | '}' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(rest.len(), |(i, _)| i + 1)
        }
        Some(_) => {
            let b = rest.as_bytes();
            let stop = (0..b.len())
                .find(|&i| {
                    matches!(b[i], b',' | b']' | b'}')
                        || (b[i] == b':' && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()))
                        || (b[i] == b'#' && i > 0 && b[i - 1].is_ascii_whitespace())
                })
                .unwrap_or(b.len());
            rest[..stop].trim_end().len()
        }
    };
    Span::new(at, at + len)
}

/// The span of a mapping entry whose key starts at byte `at`: `key: value`
/// when the value is on the key's line, else the key alone.
fn entry_span(text: &str, at: usize) -> Span {
    let key = token_span(text, at);
    let after = &text[key.end..];
    let Some(value) = after.trim_start_matches([' ', '\t']).strip_prefix(':') else {
        return key;
    };
    let value_at = text.len() - value.trim_start_matches([' ', '\t']).len();
    let value = token_span(text, value_at);
    if value.end > value.start && !text[value_at..].starts_with('#') {
        key.to(value)
    } else {
        key
    }
}

/// Turn a serde_yaml error into a one-line problem at the right place:
/// the token (key or value) serde_yaml points at.
fn yaml_problem(err: &serde_yaml::Error, text: &str) -> Diagnostic {
    let full = err.to_string();
    let mut message = strip_location(&full).to_string();
    // serde_yaml's index is a byte offset (see the test
    // `yaml_locations_are_byte_offsets`).
    let mut span = err
        .location()
        .map_or(Span::new(0, 0), |l| token_span(text, l.index()));
    message = message
        .replace("unknown field", "unknown key")
        .replace("duplicate field", "duplicate key");
    if let Some(k) = quoted_after(&message, "duplicate key `") {
        // serde_yaml reports duplicates at the start of the document:
        // point at the second occurrence instead.
        let hits: Vec<usize> = line_starts(text)
            .filter_map(|(start, l)| key_at(l, &k).map(|p| start + p))
            .collect();
        if let Some(&at) = hits.get(1) {
            span = entry_span(text, at);
        }
    }
    if message.contains("expected struct ") && !message.contains(": invalid type") {
        let found = message
            .strip_prefix("invalid type: ")
            .and_then(|m| m.split(", expected").next())
            .unwrap_or("something else");
        // Only the kind ("a string", "a sequence"), never the text itself:
        // a file that is one long string would be echoed whole.
        let kind = match found.split([' ', '`', '"']).next().unwrap_or("") {
            "" => "something else".to_string(),
            k if k.starts_with(['a', 'e', 'i', 'o', 'u']) => format!("an {k}"),
            k => format!("a {k}"),
        };
        message = format!("expected `key: value` lines (a YAML mapping), found {kind}");
    }
    Diagnostic::error(span, message)
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let start = message.find(prefix)? + prefix.len();
    let rest = &message[start..];
    Some(rest[..rest.find('`')?].to_string())
}

/// serde_yaml appends " at line L column C" to located messages.
fn strip_location(message: &str) -> &str {
    if let Some(pos) = message.rfind(" at line ") {
        let tail = &message[pos + " at line ".len()..];
        let mut parts = tail.split(" column ");
        let is_num = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        if is_num(parts.next()) && is_num(parts.next()) && parts.next().is_none() {
            return &message[..pos];
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A problem as the outputs show it: line, column, message, and the
    /// text its span underlines.
    #[derive(Debug)]
    struct At {
        line: usize,
        col: usize,
        message: String,
        spanned: String,
    }

    fn at(text: &str, d: Diagnostic) -> At {
        let (line, col) = LineIndex::new(text).line_col(d.span.start);
        At {
            line,
            col,
            message: d.message,
            spanned: text[d.span.start..d.span.end].to_string(),
        }
    }

    fn err(text: &str) -> At {
        at(text, parse_project(text).unwrap_err())
    }

    #[test]
    fn full_config() {
        let c = parse_project(
            "notes: notes\nout: site\ntitle: Course\ntemplates: templates\ndims: {n: 3}\ncheck:\n  trials: 4\n  seed: 1\n  dim_range: [2, 6]\n  rtol: 1.0e-9\n  atol: 1.0e-12\n  approx_rtol: 1.0e-3\n  flatten: row-major\n  layout: denominator\n  einstein: true\n",
        )
        .unwrap();
        assert_eq!(c.notes, Some(PathBuf::from("notes")));
        assert_eq!(c.title.as_deref(), Some("Course"));
        assert_eq!(c.dims.get("n"), Some(&3));
        assert_eq!(c.check.dim_range, Some([2, 6]));
        assert_eq!(c.check.flatten, Some(Flatten::RowMajor));
        assert_eq!(c.check.einstein, Some(true));
    }

    #[test]
    fn empty_is_default() {
        assert_eq!(parse_project("").unwrap(), ProjectConfig::default());
        assert_eq!(
            parse_project("# nothing\n\n").unwrap(),
            ProjectConfig::default()
        );
    }

    #[test]
    fn unknown_top_level_key_names_key_and_line() {
        let p = err("title: x\n\nnotse: n\n");
        assert_eq!((p.line, p.col), (3, 1));
        assert_eq!(p.spanned, "notse");
        assert!(
            p.message.starts_with("unknown key `notse`"),
            "{}",
            p.message
        );
        assert!(!p.message.contains(" at line "), "{}", p.message);
    }

    #[test]
    fn unknown_nested_key_under_check() {
        let p = err("title: x\ncheck:\n  trials: 3\n  # comment\n  flaten: row-major\n");
        assert_eq!((p.line, p.col), (5, 3));
        assert_eq!(p.spanned, "flaten");
        assert!(
            p.message.contains("check: unknown key `flaten`"),
            "{}",
            p.message
        );
        // Flow style.
        let p = err("check: {trials: 3, sed: 1}\n");
        assert_eq!((p.line, p.col, p.spanned.as_str()), (1, 20, "sed"));
        assert!(p.message.contains("`sed`"));
        // Key whose value is a nested block.
        let p = err("check:\n  trials: 3\n  extra:\n    - 1\n");
        assert_eq!(p.line, 3);
    }

    #[test]
    fn wrong_types_and_values() {
        let p = err("check:\n  flatten: diagonal\n");
        assert_eq!(p.line, 2);
        assert!(p.message.contains("check.flatten"), "{}", p.message);
        let p = err("dims:\n  n: 3\n  m: 0\n");
        assert_eq!((p.line, p.col), (3, 3));
        assert_eq!(p.spanned, "m: 0");
        let p = err("check:\n  seed: 1\n  dim_range: [5, 2]  # swapped\n");
        assert_eq!(p.line, 3);
        assert_eq!(p.spanned, "dim_range: [5, 2]");
        assert!(p.message.contains("dim_range"), "{p:?}");
        let p = err("check: {seed: 1, trials: 0}\n");
        assert_eq!((p.col, p.spanned.as_str()), (18, "trials: 0"));
        let p = err("dims: {nm: 2}\n");
        assert!(p.message.contains("'nm'"));
        let p = err("- a\n- b\n");
        assert!(p.message.contains("mapping"), "{}", p.message);
        let p = err("title: a\ntitle: b\n");
        assert_eq!((p.line, p.col, p.spanned.as_str()), (2, 1, "title: b"));
        let p = err("title: 'a, b'\ntitle: \"x \\\" y\"  # again\n");
        assert_eq!(p.spanned, "title: \"x \\\" y\"");
        let p = err("title: [\n");
        assert!(p.line >= 1);
    }

    #[test]
    fn load_project_error_is_one_line_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let file = dir.join("notecheck.yaml");
        std::fs::write(&file, "notes: n\ncheck:\n  trials: 2\n  bogus: 1\n").unwrap();
        let e = load_project(&file).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}:4:3: check: unknown key `bogus`",
                file.display()
            )),
            "{e}"
        );
        assert!(!e.contains('\n'));
        std::fs::write(&file, "notes: n\n").unwrap();
        assert_eq!(load_project(&file).unwrap().notes, Some(PathBuf::from("n")));
        std::fs::write(&file, b"title: \xff\n").unwrap();
        let e = load_project(&file).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Invalid {
                    line: 1,
                    col: 8,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().ends_with(":1:8: not valid UTF-8"), "{e}");
        // Multi-byte characters before the bad byte: the column counts characters.
        std::fs::write(
            &file,
            "title: \u{e9}\u{e9}"
                .bytes()
                .chain([0xff])
                .collect::<Vec<u8>>(),
        )
        .unwrap();
        let e = load_project(&file).unwrap_err().to_string();
        assert!(e.ends_with(":1:10: not valid UTF-8"), "{e}");
        let nope = dir.join("nope.yaml");
        let e = load_project(&nope).unwrap_err();
        assert!(matches!(e, Error::Io { doing: "read", .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("cannot read {}: no such file", nope.display())
        );
        let e = load_project(dir).unwrap_err();
        assert!(matches!(e, Error::Input(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("{}: not a regular file", dir.display())
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("check: {}x{}\n", "{".repeat(100_000), "}".repeat(100_000));
        let started = std::time::Instant::now();
        let p = err(&deep);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!((p.line, p.col, p.spanned.as_str()), (1, 72, "{"));
        assert!(
            p.message.contains("nested more than 64 levels"),
            "{}",
            p.message
        );
        assert!(parse_front_matter(&deep).is_err());
        assert!(parse_project("check: {trials: [1]}\n").is_err());
    }

    #[test]
    fn yaml_locations_are_byte_offsets() {
        // serde_yaml's `Location::index` counts bytes (its line and column
        // count lines and characters): multi-byte text before the error.
        let text = "title: «Matrix ∂ calculus» é\ncheck:\n  trials: viele\n";
        let e = serde_yaml::from_str::<ProjectConfig>(text).unwrap_err();
        let l = e.location().unwrap();
        assert!(text[l.index()..].starts_with("viele"), "{l:?}");
        assert_eq!(
            LineIndex::new(text).line_col(l.index()),
            (l.line(), l.column())
        );
        let p = err(text);
        assert_eq!((p.line, p.col, p.spanned.as_str()), (3, 11, "viele"));
        assert!(p.message.contains("check.trials"), "{}", p.message);
        // A key after multi-byte text on its own line.
        let text = "title: ∂∂\ncheck: {seed: 1, «x»: 2}\n";
        let p = err(text);
        assert_eq!((p.line, p.col, p.spanned.as_str()), (2, 18, "«x»"));
    }

    #[test]
    fn token_spans() {
        let t = "a: 'q, r'  # c\nb: [1, [2]], c\nkey:\n";
        let s = |at: usize| {
            let sp = token_span(t, at);
            &t[sp.start..sp.end]
        };
        assert_eq!(s(0), "a");
        assert_eq!(s(3), "'q, r'");
        assert_eq!(s(t.find('[').unwrap()), "[1, [2]]");
        assert_eq!(s(t.find("1,").unwrap()), "1");
        assert_eq!(s(t.find("key").unwrap()), "key");
        assert_eq!(s(t.len() - 1), "");
        assert_eq!(s(t.len() + 5), "");
        let sp = entry_span(t, t.find("key").unwrap());
        assert_eq!(&t[sp.start..sp.end], "key");
        assert_eq!(find_key(t, "x", "nope"), Span::new(0, 0));
    }

    #[test]
    fn locations_helpers() {
        assert_eq!(strip_location("x at line 3 column 4"), "x");
        assert_eq!(strip_location("x at line three"), "x at line three");
        assert_eq!(key_at("  trials: 3", "trials"), Some(2));
        assert_eq!(key_at("check: {trials: 0}", "trials"), Some(8));
        assert_eq!(key_at("  mytrials: 3", "trials"), None);
        assert!(is_dim_symbol("n") && is_dim_symbol("n1") && is_dim_symbol("N"));
        assert!(!is_dim_symbol("nm") && !is_dim_symbol("1") && !is_dim_symbol(""));
    }
}
