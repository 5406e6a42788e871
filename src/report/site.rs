//! The course site around the pages: the order of the notes (sidebar,
//! previous/next), the sidebar's verdicts, and the offline search index.
//!
//! Incremental rebuilds stay cheap: every page carries the sidebar's list
//! (titles and links, in order), which depends only on the notes and their
//! order, not on any verdict; the verdicts beside the entries come from one
//! generated stylesheet, `assets/verdicts.css` (`::after` content: symbol
//! and word). When one note changes, its page, the index, `verdicts.css`
//! and the search index are rewritten; the other pages are not. When the
//! list itself changes (a note added, removed, renamed or retitled, the
//! order changed), every page is rendered again, since the list is part of
//! the site options and so of every page's cache key.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::check::verdict::Counts;
use crate::note::Note;

/// One note in the site's order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NavNote {
    pub title: String,
    /// The page, relative to the site folder (`linear/vec.html`).
    pub href: String,
    /// The note's path in the notes folder (`linear/vec.md`).
    pub source: String,
}

/// The notes in the site's order: `SUMMARY.md` in the notes folder
/// (mdBook's format: the links of its list, in order) when there is one,
/// else `order` (paths in the notes folder, from `notecheck.yaml`), else by
/// path. Notes listed nowhere follow by path; `SUMMARY.md` itself is not
/// listed.
pub fn nav_order(notes: &[Note], notes_dir: &Path, order: &[String]) -> Vec<NavNote> {
    // Each note's page as the site writes it (collisions renamed, the
    // home page's note left out: "Home" leads there).
    let paths = super::page_paths(&notes.iter().collect::<Vec<_>>());
    let all: BTreeMap<String, (&Note, String)> = notes
        .iter()
        .zip(paths.pages)
        .filter_map(|(n, p)| Some((n.rel_path.to_string_lossy().replace('\\', "/"), (n, p?))))
        .collect();
    let summary = std::fs::read_to_string(notes_dir.join("SUMMARY.md")).ok();
    let listed: Vec<String> = match &summary {
        Some(text) => summary_links(text),
        None => order
            .iter()
            .map(|p| p.trim().trim_start_matches("./").to_string())
            .collect(),
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |rel: &str, out: &mut Vec<NavNote>| {
        if rel == "SUMMARY.md" && summary.is_some() {
            return;
        }
        if let Some((n, href)) = all.get(rel)
            && seen.insert(rel.to_string())
        {
            out.push(NavNote {
                title: n.title.clone(),
                href: href.clone(),
                source: rel.to_string(),
            });
        }
    };
    for rel in &listed {
        push(rel, &mut out);
    }
    for rel in all.keys() {
        push(rel, &mut out);
    }
    out
}

/// The link targets of a `SUMMARY.md`, in order (fragments dropped,
/// `./` removed, percent-decoded spaces).
pub fn summary_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(p) = rest.find("](") {
            let after = &rest[p + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim();
            let path = target.split('#').next().unwrap_or("");
            if path.ends_with(".md") && !path.contains("://") {
                out.push(
                    path.trim_start_matches("./")
                        .replace("%20", " ")
                        .replace('\\', "/"),
                );
            }
            rest = &after[end..];
        }
    }
    out
}

/// A sidebar entry as a page's template sees it.
#[derive(Clone, Debug, Serialize)]
pub struct SidebarItem {
    /// Position in the site's order (the key `verdicts.css` uses).
    pub n: usize,
    pub title: String,
    /// Relative to the page.
    pub href: String,
    pub current: bool,
}

/// The page's place in the site: the sidebar and its neighbours.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NavCtx {
    /// The sidebar's entries (empty when `frame`).
    pub items: Vec<SidebarItem>,
    /// More notes than [`INLINE_SIDEBAR_MAX`]: the sidebar is `sidebar.html`
    /// in a frame rather than a list in every page.
    pub frame: bool,
    pub prev: Option<SidebarItem>,
    pub next: Option<SidebarItem>,
}

/// A site-relative page path as a URL path: percent-encoded, never a
/// scheme (`javascript:x.html` → `javascript%3Ax.html`).
fn url(rel: &str) -> String {
    super::html::page_href(rel)
        .strip_prefix("./")
        .unwrap_or_default()
        .to_string()
}

/// Most notes listed in every page's sidebar. A larger site shows one
/// page, `sidebar.html`, in a frame instead: with 300 notes the list would
/// weigh 20 KB in each page, 6 MB over the site.
pub const INLINE_SIDEBAR_MAX: usize = 60;

/// The navigation of the page at `current` (site-relative href; `None`
/// for the index and search pages), whose links start with `root`.
pub fn nav_ctx(nav: &[NavNote], current: Option<&str>, root: &str) -> NavCtx {
    let items: Vec<SidebarItem> = nav
        .iter()
        .enumerate()
        .map(|(n, e)| SidebarItem {
            n,
            title: e.title.clone(),
            href: format!("{root}{}", url(&e.href)),
            current: Some(e.href.as_str()) == current,
        })
        .collect();
    let pos = items.iter().position(|i| i.current);
    let (prev, next) = match pos {
        Some(p) => (
            p.checked_sub(1).map(|q| items[q].clone()),
            items.get(p + 1).cloned(),
        ),
        // The home page leads to the first note.
        None => (None, items.first().cloned()),
    };
    let frame = items.len() > INLINE_SIDEBAR_MAX;
    NavCtx {
        items: if frame { Vec::new() } else { items },
        frame,
        prev,
        next,
    }
}

/// An entry of `sidebar.html`: the verdict as text.
#[derive(Clone, Debug, Serialize)]
pub struct FrameItem {
    pub title: String,
    pub href: String,
    pub status: &'static str,
    pub verdict: &'static str,
}

/// The entries of `sidebar.html`, in the site's order.
pub fn frame_items(nav: &[NavNote], counts: &BTreeMap<&str, Counts>) -> Vec<FrameItem> {
    nav.iter()
        .map(|e| {
            let (status, verdict) = counts
                .get(e.href.as_str())
                .map_or(("none", "– no claims"), verdict_word);
            FrameItem {
                title: e.title.clone(),
                href: url(&e.href),
                status,
                verdict,
            }
        })
        .collect()
}

/// One searchable piece of a page: a section of prose or a claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchItem {
    /// `#id` on the page (empty for the page's top).
    pub anchor: String,
    /// The section's heading, or the claim's label.
    pub heading: String,
    pub text: String,
    /// `prose` or the claim's status (`pass`, `fail`, …).
    pub kind: String,
}

/// Most text kept per page in the search index.
pub const MAX_SEARCH_TEXT: usize = 24 * 1024;

/// `verdicts.css`: each sidebar entry's verdict (symbol and word), by its
/// position in the site's order. `verdicts[i]` are the counts of `nav[i]`'s
/// page (by href).
pub fn verdicts_css(nav: &[NavNote], counts: &BTreeMap<&str, Counts>) -> String {
    let mut s = String::from(
        "/* Generated by notecheck: the verdict beside each note in the sidebar. */\n",
    );
    for (n, e) in nav.iter().enumerate() {
        let Some(c) = counts.get(e.href.as_str()) else {
            continue;
        };
        let (status, word) = verdict_word(c);
        s.push_str(&format!(
            ".nav-v[data-n=\"{n}\"]::after {{ content: \"{word}\"; color: var(--{status}-fg); }}\n"
        ));
    }
    s
}

/// (status class, `✓ pass`-like words) of a note's counts.
pub fn verdict_word(c: &Counts) -> (&'static str, &'static str) {
    if c.total() == 0 {
        ("none", "– no claims")
    } else if c.fail + c.xpass > 0 {
        ("fail", "✗ fail")
    } else if c.error > 0 {
        ("error", "⚠ error")
    } else {
        ("pass", "✓ pass")
    }
}

/// The search index as a script (so that it loads from `file://` too):
/// `window.NOTECHECK_SEARCH = [{t, h, s, x, k}, …]` — page title, link
/// (site-relative, with the anchor), section heading, text, kind.
pub fn search_index_js(pages: &[(&str, &str, &[SearchItem])]) -> String {
    let mut docs = Vec::new();
    for (title, href, items) in pages {
        for it in items.iter() {
            docs.push(serde_json::json!({
                "t": title,
                "h": format!("{}{}", url(href), if it.anchor.is_empty() { String::new() } else { format!("#{}", it.anchor) }),
                "s": it.heading,
                "x": it.text,
                "k": it.kind,
            }));
        }
    }
    let json = serde_json::to_string(&docs).unwrap_or_else(|_| "[]".to_string());
    // `</script>` can never close anything here, but keep the file plain.
    format!(
        "/* Generated by notecheck: the offline search index. */\nwindow.NOTECHECK_SEARCH = {};\n",
        json.replace("</", "<\\/")
    )
}

/// Plain text with whitespace runs collapsed, cut at `max` bytes.
pub fn squash(text: &str, max: usize) -> String {
    let mut s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_links_in_order() {
        let s = "# Summary\n\n[Intro](intro.md)\n\n- [Vec](./linear/vec.md)\n  - [Kron](linear/kron.md#x)\n- [Web](https://x.org/a.md)\n- [Draft]()\n";
        assert_eq!(
            summary_links(s),
            ["intro.md", "linear/vec.md", "linear/kron.md"]
        );
    }

    #[test]
    fn neighbours() {
        let nav: Vec<NavNote> = ["a", "b", "c"]
            .iter()
            .map(|x| NavNote {
                title: x.to_uppercase(),
                href: format!("{x}.html"),
                source: format!("{x}.md"),
            })
            .collect();
        let c = nav_ctx(&nav, Some("b.html"), "../");
        assert_eq!(c.prev.unwrap().href, "../a.html");
        assert_eq!(c.next.unwrap().href, "../c.html");
        assert!(c.items[1].current);
        let home = nav_ctx(&nav, None, "");
        assert!(home.prev.is_none());
        assert_eq!(home.next.unwrap().href, "a.html");
    }
}
