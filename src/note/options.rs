//! The options of a check block's info string: `#id`, flags, `key=value`.

use std::ops::Range;

use crate::config::{CheckOverrides, Flatten, Layout, override_problems};

/// Options parsed from the info string after the word `check`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct BlockOptions {
    pub id: Option<String>,
    pub should_fail: bool,
    pub hide: bool,
    pub einstein: bool,
    pub overrides: CheckOverrides,
    /// Byte range of the `#id` option in the parsed text.
    pub id_at: Option<Range<usize>>,
    /// (byte range of the option in the parsed text, message)
    pub errors: Vec<(Range<usize>, String)>,
}

const FLAGS: [&str; 3] = ["einstein", "should-fail", "hide"];
const KEYS: [&str; 11] = [
    "trials",
    "seed",
    "dim_range",
    "rtol",
    "atol",
    "approx_rtol",
    "flatten",
    "layout",
    "einstein",
    "timeout",
    "max_entries",
];

/// Split into words at whitespace, keeping `[…]` and `(…)` together and
/// joining `key = value` into one word. Returns (byte range in `text`,
/// word); the word of `key = value` is `key=value`.
fn tokens(text: &str) -> Vec<(Range<usize>, String)> {
    let mut raw: Vec<(Range<usize>, String)> = Vec::new();
    let mut depth = 0usize;
    let mut cur: Option<(Range<usize>, String)> = None;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() && depth == 0 {
            if let Some(t) = cur.take() {
                raw.push(t);
            }
            continue;
        }
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let (range, word) = cur.get_or_insert_with(|| (i..i, String::new()));
        word.push(c);
        range.end = i + c.len_utf8();
    }
    raw.extend(cur);
    // Join `key =value`, `key= value` and `key = value`.
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    for (range, word) in raw {
        match out.last_mut() {
            Some((prev_range, prev))
                if prev.ends_with('=') || (word.starts_with('=') && !prev.contains('=')) =>
            {
                prev.push_str(&word);
                prev_range.end = range.end;
            }
            _ => out.push((range, word)),
        }
    }
    out
}

fn norm(key: &str) -> String {
    key.replace('-', "_")
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let w = norm(&word.to_lowercase());
    candidates
        .into_iter()
        .map(|c| (distance(&w, &norm(c)), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map_or(String::new(), |(_, c)| format!("; did you mean '{c}'?"))
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:".contains(c))
}

/// Parse the options text (the info string after `check`).
pub(crate) fn parse_options(text: &str) -> BlockOptions {
    let mut o = BlockOptions::default();
    let mut set_keys: Vec<String> = Vec::new();
    let mut einstein_flag = false;
    for (range, word) in tokens(text) {
        let mut err = |m: String| o.errors.push((range.clone(), m));
        if let Some(id) = word.strip_prefix('#') {
            if !valid_id(id) {
                err(format!(
                    "invalid block id '{word}': use letters, digits, '-', '_', '.' or ':' after '#'"
                ));
            } else if let Some(old) = &o.id {
                err(format!(
                    "block already has the id '#{old}'; '{word}' is a second one"
                ));
            } else {
                o.id = Some(id.to_string());
                o.id_at = Some(range);
            }
            continue;
        }
        if let Some((key, value)) = word.split_once('=') {
            let key_n = norm(key);
            if key.is_empty() {
                err(format!("option '{word}' has no key before '='"));
                continue;
            }
            if !KEYS.contains(&key_n.as_str()) {
                let hint = suggest(key, KEYS);
                err(format!(
                    "unknown setting '{key}' in '{word}'{hint} (settings: {})",
                    KEYS.join(", ")
                ));
                continue;
            }
            if set_keys.contains(&key_n) {
                err(format!("setting '{key_n}' is given twice"));
                continue;
            }
            if value.is_empty() {
                err(format!("setting '{key_n}' has no value after '='"));
                continue;
            }
            match set_value(&mut o.overrides, &key_n, value) {
                Ok(()) => set_keys.push(key_n),
                Err(m) => err(m),
            }
            continue;
        }
        match norm(&word).as_str() {
            "einstein" => einstein_flag = true,
            "should_fail" => o.should_fail = true,
            "hide" => o.hide = true,
            _ => {
                let hint = suggest(&word, FLAGS.iter().copied().chain(KEYS));
                err(format!(
                    "unknown block option '{word}'{hint} (options: #id, einstein, should-fail, hide, key=value)"
                ));
            }
        }
    }
    if einstein_flag {
        if o.overrides.einstein == Some(false) {
            let range = tokens(text)
                .into_iter()
                .find(|(_, w)| norm(w).starts_with("einstein="))
                .map_or(0..0, |(r, _)| r);
            o.errors.push((
                range,
                "'einstein' and 'einstein=false' contradict each other".to_string(),
            ));
        }
        o.overrides.einstein = Some(true);
    }
    o.einstein = o.overrides.einstein == Some(true);
    o.errors.sort_by_key(|(r, _)| r.start);
    o
}

fn set_value(o: &mut CheckOverrides, key: &str, value: &str) -> Result<(), String> {
    let bad = |expected: &str| format!("bad value '{value}' for '{key}': expected {expected}");
    match key {
        "trials" => o.trials = Some(value.parse().map_err(|_| bad("a whole number ≥ 1"))?),
        "seed" => o.seed = Some(value.parse().map_err(|_| bad("a whole number ≥ 0"))?),
        "dim_range" => {
            o.dim_range =
                Some(parse_range(value).ok_or_else(|| bad("a range such as 2..5, [2,5] or 2,5"))?)
        }
        "rtol" | "atol" | "approx_rtol" => {
            let v: f64 = value.parse().map_err(|_| bad("a number such as 1e-8"))?;
            match key {
                "rtol" => o.rtol = Some(v),
                "atol" => o.atol = Some(v),
                _ => o.approx_rtol = Some(v),
            }
        }
        "timeout" => o.timeout = Some(value.parse().map_err(|_| bad("a number of seconds"))?),
        "max_entries" => {
            o.max_entries = Some(value.parse().map_err(|_| bad("a whole number ≥ 1"))?)
        }
        "flatten" => {
            o.flatten = Some(match value {
                "column-major" => Flatten::ColumnMajor,
                "row-major" => Flatten::RowMajor,
                _ => return Err(bad("column-major or row-major")),
            })
        }
        "layout" => {
            o.layout = Some(match value {
                "numerator" => Layout::Numerator,
                "denominator" => Layout::Denominator,
                _ => return Err(bad("numerator or denominator")),
            })
        }
        "einstein" => {
            o.einstein = Some(match value {
                "true" => true,
                "false" => false,
                _ => return Err(bad("true or false")),
            })
        }
        _ => return Err(format!("unknown setting '{key}'")),
    }
    // Range checks shared with the YAML layers.
    let mut single = CheckOverrides::default();
    match key {
        "trials" => single.trials = o.trials,
        "dim_range" => single.dim_range = o.dim_range,
        "rtol" => single.rtol = o.rtol,
        "atol" => single.atol = o.atol,
        "approx_rtol" => single.approx_rtol = o.approx_rtol,
        "timeout" => single.timeout = o.timeout,
        "max_entries" => single.max_entries = o.max_entries,
        _ => {}
    }
    if let Some((_, message)) = override_problems(&single).into_iter().next() {
        crate::config::clear_override(o, key);
        return Err(message);
    }
    Ok(())
}

/// `2..5`, `2..=5`, `[2,5]`, `[2, 5]`, `(2,5)`, `2,5`, or `3` (= 3..3).
fn parse_range(value: &str) -> Option<[u64; 2]> {
    let v = value.trim();
    let v = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .or_else(|| v.strip_prefix('(').and_then(|s| s.strip_suffix(')')))
        .unwrap_or(v);
    let (a, b) = if let Some((a, b)) = v.split_once("..=") {
        (a, b)
    } else if let Some((a, b)) = v.split_once("..") {
        (a, b)
    } else if let Some((a, b)) = v.split_once(',') {
        (a, b)
    } else {
        (v, v)
    };
    Some([a.trim().parse().ok()?, b.trim().parse().ok()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_id() {
        let o = parse_options(" #vec-identity einstein should-fail hide");
        assert_eq!(o.id.as_deref(), Some("vec-identity"));
        assert!(o.einstein && o.should_fail && o.hide);
        assert_eq!(o.overrides.einstein, Some(true));
        assert!(o.errors.is_empty());
    }

    #[test]
    fn key_values() {
        let o = parse_options(
            "trials=10 seed=7 dim_range=[2, 4] rtol=1e-6 atol=0 approx_rtol=0.01 flatten=row-major layout=denominator",
        );
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        let v = &o.overrides;
        assert_eq!(v.trials, Some(10));
        assert_eq!(v.seed, Some(7));
        assert_eq!(v.dim_range, Some([2, 4]));
        assert_eq!(v.rtol, Some(1e-6));
        assert_eq!(v.atol, Some(0.0));
        assert_eq!(v.approx_rtol, Some(0.01));
        assert_eq!(v.flatten, Some(Flatten::RowMajor));
        assert_eq!(v.layout, Some(Layout::Denominator));
        assert!(!o.einstein);
    }

    #[test]
    fn ranges() {
        for (s, r) in [
            ("2..5", [2, 5]),
            ("2..=5", [2, 5]),
            ("[2,5]", [2, 5]),
            ("[ 2 , 5 ]", [2, 5]),
            ("2,5", [2, 5]),
            ("(3,4)", [3, 4]),
            ("3", [3, 3]),
        ] {
            assert_eq!(parse_range(s), Some(r), "{s}");
        }
        for s in ["", "a..b", "2..", "[2,5", "2,5,6", "-1..3"] {
            assert_eq!(parse_range(s), None, "{s}");
        }
    }

    #[test]
    fn einstein_setting() {
        let o = parse_options("einstein=true");
        assert!(o.einstein && o.errors.is_empty());
        let o = parse_options("einstein=false");
        assert!(!o.einstein && o.overrides.einstein == Some(false));
        let o = parse_options("einstein einstein=false");
        assert_eq!(o.errors.len(), 1);
    }

    #[test]
    fn spaced_key_value() {
        let o = parse_options("trials = 4 seed= 2 rtol =1e-3");
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        assert_eq!(o.overrides.trials, Some(4));
        assert_eq!(o.overrides.seed, Some(2));
        assert_eq!(o.overrides.rtol, Some(1e-3));
    }

    #[test]
    fn errors_name_the_option_and_its_offset() {
        let text = " hide trails=3 foo trials=x";
        let o = parse_options(text);
        assert_eq!(o.errors.len(), 3, "{:?}", o.errors);
        assert_eq!(o.errors[0].0.start, text.find("trails").unwrap());
        assert!(
            o.errors[0].1.contains("'trails'") && o.errors[0].1.contains("did you mean 'trials'")
        );
        assert_eq!(o.errors[1].0.start, text.find("foo").unwrap());
        assert!(o.errors[1].1.contains("'foo'"));
        assert_eq!(o.errors[2].0.start, text.find("trials=x").unwrap());
        assert!(o.errors[2].1.contains("'x'") && o.errors[2].1.contains("trials"));
        assert!(o.hide);
        // Each range is the whole option, `key = value` with its spaces.
        let spanned: Vec<&str> = o.errors.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(spanned, ["trails=3", "foo", "trials=x"]);
        let text = "#a trials = x [1, 2] #b";
        let o = parse_options(text);
        assert_eq!(o.id_at, Some(0..2));
        let spanned: Vec<&str> = o.errors.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(spanned, ["trials = x", "[1, 2]", "#b"]);
    }

    #[test]
    fn bad_values() {
        for s in [
            "trials=0",
            "trials=-1",
            "seed=abc",
            "dim_range=0..3",
            "dim_range=5..2",
            "rtol=-1",
            "rtol=inf",
            "atol=NaN",
            "flatten=columns",
            "layout=mixed",
            "einstein=yes",
            "trials=",
            "=3",
            "#",
            "#a/b",
            "#a #b",
            "trials=2 trials=3",
            "shouldfail",
        ] {
            let o = parse_options(s);
            assert_eq!(o.errors.len(), 1, "{s}: {:?}", o.errors);
        }
        assert_eq!(parse_options("trials=0").overrides.trials, None);
    }

    #[test]
    fn kebab_and_snake() {
        let o = parse_options("should_fail dim-range=2..3 approx-rtol=1e-3");
        assert!(o.errors.is_empty(), "{:?}", o.errors);
        assert!(o.should_fail);
        assert_eq!(o.overrides.dim_range, Some([2, 3]));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "", "   ", "[[[", ")))", "= = =", "é=ü", "#é", "a=[1 2", "\u{0}", "=", "==",
        ] {
            let _ = parse_options(s);
        }
    }
}
