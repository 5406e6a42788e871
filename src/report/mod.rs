//! Stage 5: rendered pages, math, plots, site on disk.
//!
//! [`render_site`] writes one page per note, an index page and a stylesheet.
//! The same work one piece at a time: a [`Site`] (templates loaded once)
//! renders a note's [`Page`] on any thread, and the index from every page's
//! [`IndexEntry`], which the cache keeps so that a rebuild renders only the
//! pages whose inputs changed. The site is self-contained: math is MathML typeset at build time, the
//! stylesheet uses system fonts, and nothing is loaded from outside the
//! output folder; no JavaScript is needed to read it. The output is a pure
//! function of the inputs (no timestamps, ordered maps only).
//!
//! Page layout comes from tera templates (`base.html`, `note.html`,
//! `index.html`) and `style.css`, built into the binary from `templates/`;
//! a file of the same name in [`SiteOptions::templates_dir`] replaces one.
//! Check blocks and claims are rendered to HTML fragments in [`blocks`]
//! (they carry the `data-status`/`data-line` contract) and handed to the
//! templates pre-rendered.

pub mod blocks;
pub mod equation;
pub mod html;
pub mod lint;
pub mod markdown;
pub mod math;
pub mod plot;
pub mod site;
pub mod tex;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use tera::{Context, Tera};

use crate::check::verdict::{
    BlockResult, CheckedNote, Counts, EquationCoverage, NoteResult, Status,
};
use crate::error::{Error, Result};
use crate::note::Note;
use blocks::{ClaimView, PageRenderer, badge_html, badge_info};
use html::{escape, root_prefix};
use markdown::{RESERVED_IDS, block_anchor, render_body_with};

pub use markdown::RenderedBody;

/// The built-in templates, overridable one by one.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("note.html", include_str!("../../templates/note.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("style.css", include_str!("../../templates/style.css")),
    ("search.html", include_str!("../../templates/search.html")),
    ("site.js", include_str!("../../templates/site.js")),
    ("sidebar.html", include_str!("../../templates/sidebar.html")),
];

/// How the site is rendered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SiteOptions {
    /// The site's title (index page heading, every page's header).
    pub title: String,
    /// A folder whose `base.html`, `note.html`, `index.html`, `style.css`
    /// replace the built-in ones of the same name (any may be missing).
    pub templates_dir: Option<PathBuf>,
    /// notecheck's version, shown in the footer.
    pub version: String,
    /// How to re-run the check, e.g. `notecheck check notes`.
    pub command: String,
    /// The project's `math.macros`.
    pub math_macros: BTreeMap<String, String>,
    /// Every note in the site's order (sidebar, previous/next).
    pub nav: Vec<site::NavNote>,
    /// The notes folder (local files that notes link to are copied from it).
    pub notes_dir: PathBuf,
    /// Sanitize the notes' prose (`--safe`): raw HTML is cleaned by
    /// ammonia and every URL that is not `http(s)` or relative is dropped.
    pub safe: bool,
}

/// The site's templates and options, loaded once. Pages are rendered one
/// by one ([`Site::page`], from any thread: `Site` is `Sync`), the index
/// from every page's `IndexEntry` (`Site::index`), so that a rebuild can
/// render only the pages whose inputs changed.
pub struct Site {
    tera: Tera,
    css: String,
    js: String,
    opts: SiteOptions,
    /// The notes' paths in the notes folder (links to notes are checked against them).
    sources: std::collections::BTreeSet<String>,
}

/// One rendered note page.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// Where the page goes, relative to the site folder and `/`-separated
    /// (see [`page_path`]).
    pub rel_path: String,
    pub html: String,
    /// What the index shows of the page.
    pub entry: IndexEntry,
    /// The note's warnings, found while rendering (as
    /// [`lint::lint_note`] finds them).
    pub warnings: Vec<crate::check::verdict::Warning>,
    /// The page's figure files: (path relative to the site folder,
    /// `/`-separated, under [`FIGURES`]; SVG text).
    pub figures: Vec<(String, String)>,
}

/// What the index page shows of one note page (kept by the cache, so an
/// unchanged page need not be rendered again for the index).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub title: String,
    /// The page, relative to the site folder (`linear/vec.html`).
    pub href: String,
    /// The note's path as the user types it.
    pub path: String,
    pub counts: Counts,
    /// The page's failing claims; `href`s relative to the page (`#L42`).
    pub problems: Vec<Problem>,
    /// The note's display equations: checked, passed, failed, unchecked.
    #[serde(default)]
    pub equations: EquationCoverage,
    /// The page's prose sections and claims, for the search index.
    #[serde(default)]
    pub search: Vec<site::SearchItem>,
    /// Local files the page links to, to copy into the site (paths in the
    /// notes folder, `/`-separated).
    #[serde(default)]
    pub assets: Vec<String>,
}

/// A failing claim, as listed under "Needs attention".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `#L42` on a note page, `page.html#L42` on the index.
    pub href: String,
    /// The note's title (index page only).
    pub note: String,
    pub line: usize,
    pub label: String,
    pub status: String,
    pub badge: String,
    pub text: String,
    pub message: String,
}

impl Site {
    /// Loads the templates (built-in ones, overridden by
    /// [`SiteOptions::templates_dir`]'s files); `Err` when one cannot be
    /// read or does not parse.
    pub fn new(opts: &SiteOptions) -> Result<Site> {
        let (tera, css, js) = load_templates(opts.templates_dir.as_deref())?;
        Ok(Site {
            tera,
            css,
            js,
            opts: opts.clone(),
            sources: opts.nav.iter().map(|n| n.source.clone()).collect(),
        })
    }

    /// The options the site was loaded with.
    pub fn options(&self) -> &SiteOptions {
        &self.opts
    }

    /// Renders a checked note's page, at `page_path`.
    pub fn page(&self, checked: &CheckedNote<'_>) -> Result<Page> {
        self.page_at(
            checked.note,
            &checked.result,
            &page_path(&checked.note.rel_path),
        )
    }

    /// Renders `note`'s page from its `result`, to be written at `href`
    /// (relative to the site folder, `/`-separated; see `page_paths`).
    pub fn page_at(&self, note: &Note, result: &NoteResult, href: &str) -> Result<Page> {
        let href = href.to_string();
        let depth = href.matches('/').count();
        let stem = href.strip_suffix(".html").unwrap_or(&href);
        let files = blocks::FigureFiles {
            stem: format!("{FIGURES}/{stem}"),
            root: root_prefix(depth),
        };
        let page = render_note_page(self, note, result, &href, depth, Some(files))?;
        Ok(Page {
            figures: page.figures,
            entry: IndexEntry {
                title: note.title.clone(),
                href: href.clone(),
                path: note.path.clone(),
                counts: page.counts,
                problems: page.problems,
                equations: result.coverage(),
                search: page.search,
                assets: page.assets,
            },
            rel_path: href,
            html: page.html,
            warnings: page.warnings,
        })
    }

    /// The index page listing `entries` (in the order given).
    ///
    /// Large sites have thousands of rows: the rows, the problem list and
    /// the chart are prepared in parallel, and the template context is
    /// built from those values directly.
    pub fn index(&self, entries: &[IndexEntry]) -> Result<String> {
        self.index_with(entries, None)
    }

    /// The home page's text from the root `index.md` (or `README.md`), as
    /// mdBook uses README: the note's body with its check blocks, shown on
    /// the index above the table; its claims count in the totals and its
    /// failing ones are listed under "Needs attention".
    pub fn intro(&self, note: &Note, result: &NoteResult) -> Result<Intro> {
        let mut c = note_content(self, note, result, false, None);
        for p in &mut c.problems {
            p.note = note.title.clone();
        }
        Ok(Intro {
            html: format!("{}{}{}", c.errors_html, c.body.html, c.unplaced_html),
            entry: IndexEntry {
                title: note.title.clone(),
                href: String::new(),
                path: note.path.clone(),
                counts: c.counts,
                problems: c.problems,
                equations: result.coverage(),
                search: c.search,
                assets: c.assets,
            },
        })
    }

    /// [`Site::index`], with the home page's text `intro`.
    pub fn index_with(&self, entries: &[IndexEntry], intro: Option<&Intro>) -> Result<String> {
        use rayon::prelude::*;
        let json = |e: serde_json::Error| template("template context", &e);
        let mut totals = Counts::default();
        for e in entries.iter().chain(intro.map(|i| &i.entry)) {
            totals.merge(&e.counts);
        }
        let ((rows, problems), site_chart) = rayon::join(
            || {
                rayon::join(
                    || {
                        entries
                            .par_iter()
                            .map(|e| {
                                tera::to_value(IndexRow {
                                    title: &e.title,
                                    href: &html::page_href(&e.href),
                                    path: &e.path,
                                    counts: count_cells(&e.counts),
                                    total: e.counts.total(),
                                    overall: overall(&e.counts),
                                    equations: coverage_cell(&e.equations),
                                })
                            })
                            .collect::<Result<Vec<tera::Value>, _>>()
                    },
                    || {
                        let own = intro.map(|i| i.entry.problems.clone()).unwrap_or_default();
                        let problems: Vec<Problem> = own
                            .into_iter()
                            .chain(entries.iter().flat_map(|e| {
                                e.problems.iter().map(|p| Problem {
                                    href: format!("{}{}", html::page_href(&e.href), p.href),
                                    note: e.title.clone(),
                                    ..p.clone()
                                })
                            }))
                            .collect();
                        tera::to_value(problems)
                    },
                )
            },
            || {
                if entries.is_empty() {
                    String::new()
                } else {
                    let chart_rows: Vec<(String, Counts)> = entries
                        .iter()
                        .map(|e| (e.title.clone(), e.counts))
                        .collect();
                    plot::site_bars(&chart_rows, "Verdicts by note")
                }
            },
        );
        let ctx = IndexCtx {
            nav: site::nav_ctx(&self.opts.nav, None, ""),
            site_title: &self.opts.title,
            root: "",
            version: &self.opts.version,
            command: &self.opts.command,
            note_count: entries.len(),
            counts: count_cells(&totals),
            total: totals.total(),
            overall: overall(&totals),
            site_chart,
            equations: {
                let mut c = EquationCoverage::default();
                for e in entries.iter().chain(intro.map(|i| &i.entry)) {
                    c.merge(&e.equations);
                }
                coverage_cell(&c)
            },
        };
        let mut ctx = match tera::to_value(&ctx).map_err(json)? {
            tera::Value::Object(m) => m,
            _ => return Err(Error::Template("template context: not an object".into())),
        };
        ctx.insert("notes".to_string(), tera::Value::Array(rows.map_err(json)?));
        ctx.insert("problems".to_string(), problems.map_err(json)?);
        ctx.insert(
            "intro".to_string(),
            tera::Value::String(intro.map(|i| i.html.clone()).unwrap_or_default()),
        );
        let ctx = Context::from_value(tera::Value::Object(ctx))
            .map_err(|e| template("template context", &e))?;
        let html = self
            .tera
            .render("index.html", &ctx)
            .map_err(|e| template("rendering index.html", &e));
        // Freeing thousands of rows takes a moment nobody waits for.
        rayon::spawn(move || drop(ctx));
        html
    }

    /// The site's other files: `(path relative to the site folder, contents)`.
    pub fn assets(&self) -> [(&'static str, &str); 2] {
        [(STYLESHEET, self.css.as_str()), (SCRIPT, self.js.as_str())]
    }

    /// The files made from every page's entry: the sidebar's verdicts
    /// (`assets/verdicts.css`), the search index (`search-index.js`) and the
    /// search page (`search.html`); `(path in the site folder, contents)`.
    pub fn generated(&self, entries: &[IndexEntry]) -> Result<Vec<(&'static str, String)>> {
        let counts: BTreeMap<&str, Counts> = entries
            .iter()
            .map(|e| (e.href.as_str(), e.counts))
            .collect();
        let verdicts = site::verdicts_css(&self.opts.nav, &counts);
        // The search index in the site's order.
        let by_href: BTreeMap<&str, &IndexEntry> =
            entries.iter().map(|e| (e.href.as_str(), e)).collect();
        let pages: Vec<(&str, &str, &[site::SearchItem])> = self
            .opts
            .nav
            .iter()
            .filter_map(|n| by_href.get(n.href.as_str()))
            .chain(
                entries
                    .iter()
                    .filter(|e| !self.opts.nav.iter().any(|n| n.href == e.href))
                    .collect::<Vec<_>>()
                    .iter(),
            )
            .map(|e| (e.title.as_str(), e.href.as_str(), e.search.as_slice()))
            .collect();
        let index = site::search_index_js(&pages);
        let ctx = SearchCtx {
            nav: site::nav_ctx(&self.opts.nav, None, ""),
            site_title: &self.opts.title,
            root: "",
            version: &self.opts.version,
            command: &self.opts.command,
        };
        let search = render(&self.tera, "search.html", &ctx)?;
        let sidebar = render(
            &self.tera,
            "sidebar.html",
            &SidebarCtx {
                site_title: &self.opts.title,
                items: site::frame_items(&self.opts.nav, &counts),
            },
        )?;
        Ok(vec![
            (VERDICTS, verdicts),
            (SEARCH_INDEX, index),
            (SEARCH_PAGE, search),
            (SIDEBAR_PAGE, sidebar),
        ])
    }
}

/// The script (dark-mode toggle, search) in the site folder.
pub const SCRIPT: &str = "assets/site.js";
/// The sidebar's verdicts.
pub const VERDICTS: &str = "assets/verdicts.css";
/// The search index.
pub const SEARCH_INDEX: &str = "search-index.js";
/// The search page.
pub const SEARCH_PAGE: &str = "search.html";
/// Every note and its verdict, one page (the sidebar of large sites).
pub const SIDEBAR_PAGE: &str = "sidebar.html";

/// The stylesheet's path in the site folder.
pub const STYLESHEET: &str = "assets/style.css";
/// The index page's path in the site folder.
pub const INDEX: &str = "index.html";
/// The folder of figure files in the site folder: the figures of
/// `linear/vec.html` are `figures/linear/vec-<claim id>-<kind>.svg`.
pub const FIGURES: &str = "figures";

/// Where the page of the note at `rel` (its path in the notes folder) goes,
/// relative to the site folder and `/`-separated: `linear/vec.md` →
/// `linear/vec.html` (only plain components kept).
pub fn page_path(rel: &Path) -> String {
    page_rel_path(rel).join("/")
}

/// Where each note goes in the site. `pages[i]` is `notes[i]`'s page
/// (relative to the site folder, `/`-separated), `None` for the note that
/// is the home page's text (`intro`).
#[derive(Clone, Debug, PartialEq)]
pub struct SitePaths {
    pub pages: Vec<Option<String>>,
    pub intro: Option<usize>,
}

/// Every note's page, none colliding with another or with a file the site
/// itself writes: a root `index.md` (else `README.md`) is the home page's
/// text, as mdBook maps README; a page that would be `index.html`, lie in
/// `assets/`, or meet another page (also when only the letter case
/// differs, for case-insensitive disks) gets the first free name with `-2`,
/// `-3`, … added to its file stem (to the folder for `assets/`). The same
/// notes give the same names.
pub fn page_paths(notes: &[&Note]) -> SitePaths {
    let is_root = |n: &Note, name: &str| {
        n.rel_path.components().count() == 1
            && n.rel_path
                .to_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    let intro = notes
        .iter()
        .position(|n| is_root(n, "index.md"))
        .or_else(|| notes.iter().position(|n| is_root(n, "README.md")));
    let mut taken: std::collections::BTreeSet<String> = [INDEX, STYLESHEET]
        .iter()
        .map(|s| s.to_lowercase())
        .collect();
    let mut pages = Vec::with_capacity(notes.len());
    for (i, n) in notes.iter().enumerate() {
        if Some(i) == intro {
            pages.push(None);
            continue;
        }
        let parts = page_rel_path(&n.rel_path);
        let in_assets = parts.len() > 1 && parts[0].eq_ignore_ascii_case("assets");
        let mut rel = parts.join("/");
        let mut k = 2;
        while in_assets || taken.contains(&rel.to_lowercase()) {
            let mut p = parts.clone();
            if in_assets {
                p[0] = format!("{}-{k}", p[0]);
            } else if let Some(last) = p.last_mut() {
                let stem = last.strip_suffix(".html").unwrap_or(last).to_string();
                *last = format!("{stem}-{k}.html");
            }
            rel = p.join("/");
            k += 1;
            if !taken.contains(&rel.to_lowercase()) {
                break;
            }
        }
        taken.insert(rel.to_lowercase());
        pages.push(Some(rel));
    }
    SitePaths { pages, intro }
}

/// `out` joined with a `/`-separated path relative to it.
pub fn site_file(out: &Path, rel: &str) -> PathBuf {
    let mut p = out.to_path_buf();
    p.extend(rel.split('/'));
    p
}

/// Writes the site into `out`: `out/<rel_path with .md → .html>` per note
/// (subfolders kept), `out/index.html`, `out/assets/style.css`.
pub fn render_site(notes: &[CheckedNote<'_>], opts: &SiteOptions, out: &Path) -> Result<()> {
    use rayon::prelude::*;
    let site = Site::new(opts)?;
    let paths = page_paths(&notes.iter().map(|c| c.note).collect::<Vec<_>>());
    let dir = crate::outdir::OutDir::open(out, true)?;
    // Pages are independent: render and write them in parallel.
    let entries: Vec<Result<Option<IndexEntry>>> = notes
        .par_iter()
        .zip(&paths.pages)
        .map(|(checked, rel)| {
            let Some(rel) = rel else { return Ok(None) };
            let page = site.page_at(checked.note, &checked.result, rel)?;
            dir.write(&page.rel_path, page.html.as_bytes())?;
            for (rel, svg) in &page.figures {
                dir.write(rel, svg.as_bytes())?;
            }
            Ok(Some(page.entry))
        })
        .collect();
    let entries: Vec<IndexEntry> = entries
        .into_iter()
        .filter_map(Result::transpose)
        .collect::<Result<_, _>>()?;
    let intro = match paths.intro {
        Some(i) => Some(site.intro(notes[i].note, &notes[i].result)?),
        None => None,
    };
    dir.write(INDEX, site.index_with(&entries, intro.as_ref())?.as_bytes())?;
    for (rel, text) in site.assets() {
        dir.write(rel, text.as_bytes())?;
    }
    for (rel, text) in site.generated(&entries)? {
        dir.write(rel, text.as_bytes())?;
    }
    lint::copy_assets(&opts.notes_dir, &dir, &entries)?;
    dir.commit()
}

/// What rendering one note page produced.
struct NotePage {
    html: String,
    figures: Vec<(String, String)>,
    counts: Counts,
    problems: Vec<Problem>,
    search: Vec<site::SearchItem>,
    assets: Vec<String>,
    warnings: Vec<crate::check::verdict::Warning>,
}

/// The home page's text (see [`Site::intro`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Intro {
    /// HTML shown above the notes table.
    pub html: String,
    /// Its counts and problems (`href` empty: it is the index itself).
    pub entry: IndexEntry,
}

/// A note's rendered parts, before the page template.
struct NoteContent {
    errors_html: String,
    body: RenderedBody,
    unplaced_html: String,
    counts: Counts,
    problems: Vec<Problem>,
    /// Figure files: (site-relative path, SVG).
    figures: Vec<(String, String)>,
    /// What the search index holds of the note.
    search: Vec<site::SearchItem>,
    /// Local files the note links to (copied into the site).
    assets: Vec<String>,
    /// Formulas that cannot be typeset, missing files, broken links.
    warnings: Vec<crate::check::verdict::Warning>,
}

/// The parts of `note`'s page; `drop_title`: a first heading repeating
/// the title is left out (the page shows the title).
fn note_content(
    site: &Site,
    note: &Note,
    result: &NoteResult,
    drop_title: bool,
    figure_files: Option<blocks::FigureFiles>,
) -> NoteContent {
    let opts = &site.opts;
    let mut reserved: Vec<String> = RESERVED_IDS.iter().map(|s| s.to_string()).collect();
    reserved.extend(
        result
            .blocks
            .iter()
            .map(|b| block_anchor(b.id.as_deref(), b.index)),
    );
    reserved.extend(
        note.equations
            .iter()
            .map(|e| equation::equation_anchor(e.index)),
    );
    let mut pr = PageRenderer::new(&note.path, result, &reserved);
    if let Some(f) = figure_files {
        pr = pr.with_figure_files(f);
    }

    let errors_html = if result.errors.is_empty() {
        String::new()
    } else {
        let mut s = String::from(
            "<section class=\"note-errors\" id=\"note-errors\">\n<h2>Problems reading this note</h2>\n",
        );
        for c in &result.errors {
            s.push_str(&pr.claim(c, ClaimView::Full));
        }
        s.push_str("</section>\n");
        s
    };

    let block_for = |i: usize| -> Option<&BlockResult> {
        result
            .blocks
            .iter()
            .find(|b| b.index == i)
            .or_else(|| result.blocks.get(i).filter(|b| b.index == i))
    };
    let render_block = |i: usize| -> String {
        match block_for(i) {
            Some(b) => pr.block(b),
            None => {
                let anchor = note
                    .blocks
                    .get(i)
                    .map(|b| block_anchor(b.id.as_deref(), b.index))
                    .unwrap_or_else(|| format!("block-{i}"));
                format!(
                    "<section class=\"check-block unchecked\" id=\"{}\"><p class=\"block-caption\">This check block was not checked.</p></section>",
                    escape(&anchor)
                )
            }
        }
    };
    let show_title = drop_title && !note.title.trim().is_empty();
    let mut math = lint::math_context(note, &opts.math_macros);
    let render_equation = |i: usize, math_html: &str| -> Option<String> {
        let eq = note.equations.get(i)?;
        let r = result.equations.iter().find(|e| e.index == i)?;
        Some(equation::render(&pr, eq, r, math_html))
    };
    let body = render_body_with(
        note,
        &render_block,
        &render_equation,
        show_title.then_some(note.title.trim()),
        &mut math,
        opts.safe,
    );

    // Blocks the Markdown parser did not meet where expected still appear.
    let unplaced: Vec<&BlockResult> = result
        .blocks
        .iter()
        .filter(|b| !body.placed_blocks.contains(&b.index))
        .collect();
    let unplaced_html = if unplaced.is_empty() {
        String::new()
    } else {
        let mut s = String::from(
            "<section class=\"unplaced\" id=\"unplaced-blocks\">\n<h2>Check blocks not found in the text</h2>\n",
        );
        for b in unplaced {
            s.push_str(&pr.block(b));
            s.push('\n');
        }
        s.push_str("</section>\n");
        s
    };

    // Every claim of the result is on the page (placed or not).
    let claims = result.claims();
    let mut counts = Counts::default();
    for c in &claims {
        counts.add(c.status);
    }
    let problems: Vec<Problem> = claims
        .iter()
        .filter(|c| c.status.is_failure())
        .map(|c| Problem {
            href: format!("#{}", pr.claim_id(c)),
            note: String::new(),
            line: c.line,
            label: c.label.as_deref().map(blocks::paren).unwrap_or_default(),
            status: c.status.as_str().to_string(),
            badge: badge_html(c.status),
            text: c.text.clone(),
            // The first line and the diagnosis; the claim itself shows
            // the whole message.
            message: {
                let first = c.message.as_deref().and_then(|m| m.lines().next());
                let diagnosis = c.evidence.as_ref().and_then(|e| e.diagnosis.as_ref());
                match (first, diagnosis) {
                    (Some(m), Some(d)) => format!("{m}; {d}"),
                    (m, _) => m.unwrap_or_default().to_string(),
                }
            },
        })
        .collect();

    let links = lint::links(note, &body.local_links, &opts.notes_dir, &site.sources);
    let warnings = lint::with_formula_warnings(note, links.warnings, &body.warnings);
    let mut search: Vec<site::SearchItem> = body
        .sections
        .iter()
        .filter(|(_, h, t)| !(h.is_empty() && t.trim().is_empty()))
        .map(|(id, h, t)| site::SearchItem {
            anchor: id.clone(),
            heading: h.clone(),
            text: site::squash(t, site::MAX_SEARCH_TEXT),
            kind: "prose".to_string(),
        })
        .collect();
    search.extend(claims.iter().map(|c| site::SearchItem {
        anchor: pr.claim_id(c),
        heading: format!(
            "line {}{}",
            c.line,
            c.label
                .as_deref()
                .map(|l| format!(" {}", blocks::paren(l)))
                .unwrap_or_default()
        ),
        text: c.text.clone(),
        kind: c.status.as_str().to_string(),
    }));
    NoteContent {
        errors_html,
        body,
        unplaced_html,
        counts,
        problems,
        figures: pr.take_figure_files(),
        search,
        assets: links.assets,
        warnings,
    }
}

fn render_note_page(
    site: &Site,
    note: &Note,
    result: &NoteResult,
    href: &str,
    depth: usize,
    figure_files: Option<blocks::FigureFiles>,
) -> Result<NotePage> {
    let (tera, opts) = (&site.tera, &site.opts);
    let NoteContent {
        errors_html,
        body,
        unplaced_html,
        counts,
        problems,
        figures,
        search,
        assets,
        warnings,
    } = note_content(site, note, result, true, figure_files);
    let show_title = !note.title.trim().is_empty();
    let root = root_prefix(depth);
    let ctx = NoteCtx {
        nav: site::nav_ctx(&opts.nav, Some(href), &root),
        site_title: opts.title.clone(),
        root,
        version: opts.version.clone(),
        command: opts.command.clone(),
        title: note.title.clone(),
        show_title,
        path: note.path.clone(),
        counts: count_cells(&counts),
        total: counts.total(),
        overall: overall(&counts),
        problems: problems.clone(),
        toc: body
            .toc
            .iter()
            .zip(&body.toc_html)
            .map(|((level, id, text), html)| TocEntry {
                level: *level,
                id: id.clone(),
                text: text.clone(),
                html: html.clone(),
            })
            .collect(),
        errors_html,
        body_html: body.html,
        unplaced_html,
        verdict_chart: plot::verdict_bars(&counts, "Verdicts in this note"),
        equations: coverage_cell(&result.coverage()),
    };
    let html = render(tera, "note.html", &ctx)?;
    Ok(NotePage {
        html,
        figures,
        counts,
        problems,
        search,
        assets,
        warnings,
    })
}

// ---- template contexts -------------------------------------------------

#[derive(Serialize, Clone, Debug)]
struct CountCell {
    status: &'static str,
    symbol: &'static str,
    /// Words for the status, e.g. "expected fail".
    label: &'static str,
    /// The status keyword, e.g. "xfail".
    short: &'static str,
    count: usize,
}

#[derive(Serialize, Clone, Debug)]
struct Overall {
    /// `pass`, `fail`, `error` or `none`.
    status: &'static str,
    symbol: &'static str,
    text: String,
    /// The overall verdict as a ready badge.
    badge: String,
    /// A shorter badge for tables (`✗ fail`), the counts in its title.
    short_badge: String,
}

#[derive(Serialize, Clone, Debug)]
struct TocEntry {
    level: u8,
    id: String,
    /// Plain text.
    text: String,
    /// The heading's contents as HTML (math typeset).
    html: String,
}

#[derive(Serialize)]
struct NoteCtx {
    nav: site::NavCtx,
    site_title: String,
    root: String,
    version: String,
    command: String,
    title: String,
    show_title: bool,
    path: String,
    counts: Vec<CountCell>,
    total: usize,
    overall: Overall,
    problems: Vec<Problem>,
    toc: Vec<TocEntry>,
    errors_html: String,
    body_html: String,
    unplaced_html: String,
    /// The note's verdicts as an SVG bar chart.
    verdict_chart: String,
    /// The note's display equations.
    equations: CoverageCell,
}

#[derive(Serialize)]
struct IndexRow<'a> {
    title: &'a str,
    href: &'a str,
    path: &'a str,
    counts: Vec<CountCell>,
    total: usize,
    overall: Overall,
    equations: CoverageCell,
}

/// A note's (or the site's) equation coverage as the index shows it.
#[derive(Serialize)]
struct CoverageCell {
    display: usize,
    checked: usize,
    passed: usize,
    failed: usize,
    unchecked: usize,
    /// `checked/display`, e.g. `9/12`; empty without display equations.
    short: String,
    /// Reasons grouped, most frequent first: `undeclared x: 2; \int: 1`.
    reasons: String,
}

fn coverage_cell(c: &EquationCoverage) -> CoverageCell {
    let mut reasons: Vec<(&String, &usize)> = c.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    CoverageCell {
        display: c.display,
        checked: c.checked,
        passed: c.passed,
        failed: c.failed,
        unchecked: c.unchecked,
        short: if c.display == 0 {
            String::new()
        } else {
            format!("{}/{}", c.checked, c.display)
        },
        reasons: reasons
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// The index page's context, besides `notes` (the [`IndexRow`]s) and
/// `problems` (every page's [`Problem`]s), which are added as values.
#[derive(Serialize)]
struct IndexCtx<'a> {
    nav: site::NavCtx,
    site_title: &'a str,
    root: &'a str,
    version: &'a str,
    command: &'a str,
    note_count: usize,
    counts: Vec<CountCell>,
    total: usize,
    overall: Overall,
    /// Every note's verdicts as an SVG bar chart.
    site_chart: String,
    /// The site's display equations.
    equations: CoverageCell,
}

/// `sidebar.html`'s context.
#[derive(Serialize)]
struct SidebarCtx<'a> {
    site_title: &'a str,
    items: Vec<site::FrameItem>,
}

/// The search page's context.
#[derive(Serialize)]
struct SearchCtx<'a> {
    nav: site::NavCtx,
    site_title: &'a str,
    root: &'a str,
    version: &'a str,
    command: &'a str,
}

fn count_cells(c: &Counts) -> Vec<CountCell> {
    let label = plot::status_words;
    [
        (Status::Pass, c.pass),
        (Status::Fail, c.fail),
        (Status::Error, c.error),
        (Status::Xfail, c.xfail),
        (Status::Xpass, c.xpass),
    ]
    .into_iter()
    .map(|(s, count)| CountCell {
        status: s.as_str(),
        symbol: badge_info(s).symbol,
        label: label(s),
        short: s.as_str(),
        count,
    })
    .collect()
}

fn overall(c: &Counts) -> Overall {
    let total = c.total();
    let failed = c.failed();
    let (status, symbol, text) = if total == 0 {
        ("none", "–", "no claims".to_string())
    } else if c.fail + c.xpass > 0 {
        ("fail", "✗", format!("{failed} of {total} claims fail"))
    } else if c.error > 0 {
        ("error", "⚠", format!("{failed} of {total} claims fail"))
    } else if total == 1 {
        ("pass", "✓", "the claim holds".to_string())
    } else {
        ("pass", "✓", format!("all {total} claims hold"))
    };
    let badge = format!(
        "<span class=\"badge badge-overall badge-{status}\"><span class=\"badge-sym\" aria-hidden=\"true\">{symbol}</span> {}</span>",
        escape(&text)
    );
    let short_badge = format!(
        "<span class=\"badge badge-{status}\" title=\"{}\"><span class=\"badge-sym\" aria-hidden=\"true\">{symbol}</span> {}</span>",
        escape(&text),
        if status == "none" {
            "no claims"
        } else {
            status
        }
    );
    Overall {
        status,
        symbol,
        text,
        badge,
        short_badge,
    }
}

// ---- templates and files -------------------------------------------------

/// Tera with the built-in templates, overridden by `dir`'s files; and the CSS.
fn load_templates(dir: Option<&Path>) -> Result<(Tera, String, String)> {
    let mut sources: Vec<(&str, String)> = Vec::new();
    for (name, default) in DEFAULT_TEMPLATES {
        let text = match dir.map(|d| d.join(name)).filter(|p| p.is_file()) {
            Some(p) => {
                std::fs::read_to_string(&p).map_err(|e| Error::io("read template", &p, e))?
            }
            None => default.to_string(),
        };
        sources.push((name, text));
    }
    let css = sources
        .iter()
        .find(|(n, _)| *n == "style.css")
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let js = sources
        .iter()
        .find(|(n, _)| *n == "site.js")
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(escape);
    tera.add_raw_templates(
        sources
            .iter()
            .filter(|(n, _)| n.ends_with(".html"))
            .map(|(n, t)| (*n, t.as_str())),
    )
    .map_err(|e| template("template error", &e))?;
    Ok((tera, css, js))
}

fn render<T: Serialize>(tera: &Tera, name: &str, ctx: &T) -> Result<String> {
    let ctx = Context::from_serialize(ctx).map_err(|e| template("template context", &e))?;
    tera.render(name, &ctx)
        .map_err(|e| template(&format!("rendering {name}"), &e))
}

/// A template problem: `what`, then the error and its causes.
fn template(what: &str, e: &dyn std::error::Error) -> Error {
    Error::Template(format!("{what}: {}", error_chain(e)))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// `linear/vec.md` → `["linear", "vec.html"]` (only plain components kept).
fn page_rel_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    match parts.last_mut() {
        Some(last) => {
            let p = Path::new(last.as_str()).with_extension("html");
            *last = p.to_string_lossy().into_owned();
        }
        None => parts.push("note.html".to_string()),
    }
    parts
}

#[cfg(test)]
mod tests;
