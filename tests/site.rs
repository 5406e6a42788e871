//! The course site built from real notes (tests/fixtures/real, sources in
//! tests/fixtures/README): LaTeX constructs, equation numbers and
//! references, other tools' front matter, assets and links, warnings and
//! `--strict`, the sidebar, previous/next and the offline search (in
//! headless Chromium when it is installed).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_notecheck")
}

fn real() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real")
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("notecheck-site-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("notecheck runs")
}

/// Builds the real notes into a fresh folder; (site folder, human output).
fn build_real(name: &str, extra: &[&str]) -> (PathBuf, Output) {
    let out = tmp(name).join("site");
    let real = real();
    let config = real.join("notecheck.yaml");
    let mut args = vec![
        "build",
        real.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-cache",
        "--config",
        config.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = run(&args, Path::new(env!("CARGO_MANIFEST_DIR")));
    (out, o)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `href="#eq-…"` on the page has its `id`.
fn eqrefs_resolve(page: &str) -> usize {
    let mut n = 0;
    for part in page.split("href=\"#eq-").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        assert!(
            page.contains(&format!("id=\"eq-{id}\"")),
            "#eq-{id} has no target"
        );
        n += 1;
    }
    n
}

#[test]
fn real_notes_build_and_warnings_name_their_place() {
    let (site, o) = build_real("warnings", &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stdout}{stderr}");
    // Jekyll, academic-pages front matter: no error at all.
    assert!(!stdout.contains("front matter"), "{stdout}");
    assert!(!stdout.contains(": error"), "{stdout}");
    let real = real();
    let at = |file: &str, line: usize, col: usize| format!("real/{file}:{line}:{col}: warning: ");
    for (file, line, col, what) in [
        (
            "2020-01-04-welcome-to-jekyll.md",
            34,
            1,
            "missing file: `img/missing-figure.png`",
        ),
        (
            "2020-02-22-latex-test.md",
            25,
            70,
            "broken link: no note `2020-03-01-draft.md`",
        ),
        (
            "auto-label.md",
            44,
            1,
            "label `eq:quadratic` is defined twice",
        ),
        (
            "constructs.md",
            27,
            57,
            "\\eqref{eq:nowhere}: no numbered equation has this label",
        ),
        (
            "constructs.md",
            31,
            63,
            "LaTeX: unknown command \\undefinedmacro",
        ),
    ] {
        let expected = format!("{}{what}", at(file, line, col));
        assert!(stdout.contains(&expected), "{expected}\nnot in\n{stdout}");
    }
    assert!(stdout.contains("5 warnings"), "{stdout}");
    // The image that exists is copied at the same relative path; nothing else is.
    assert_eq!(
        std::fs::read(site.join("img/maxwell.svg")).unwrap(),
        std::fs::read(real.join("img/maxwell.svg")).unwrap()
    );
    assert!(!site.join("img/missing-figure.png").exists());
    assert!(!site.join("notecheck.yaml").exists());

    // --strict: the same warnings fail the run.
    let (_, o) = build_real("strict", &["--strict"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn warnings_are_in_json() {
    let real = real();
    let config = real.join("notecheck.yaml");
    let o = run(
        &[
            "check",
            real.to_str().unwrap(),
            "--format",
            "json",
            "--no-cache",
            "--config",
            config.to_str().unwrap(),
        ],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["warnings"], 5);
    let note = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"].as_str().unwrap().ends_with("constructs.md"))
        .unwrap();
    let w = note["warnings"].as_array().unwrap();
    assert_eq!(w.len(), 2, "{w:?}");
    assert_eq!(
        (w[1]["line"].as_u64(), w[1]["col"].as_u64()),
        (Some(31), Some(63))
    );
    assert!(
        w[1]["message"]
            .as_str()
            .unwrap()
            .contains("\\undefinedmacro")
    );
    // --strict fails `check` too.
    let o = run(
        &[
            "check",
            real.to_str().unwrap(),
            "--strict",
            "--no-cache",
            "--config",
            config.to_str().unwrap(),
        ],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn latex_constructs_render_with_numbers_and_links() {
    let (site, o) = build_real("constructs", &[]);
    assert_eq!(o.status.code(), Some(0));

    // constructs.md: everything the issue lists that the real notes lack.
    let p = read(&site.join("constructs.html"));
    // \tag*{(LS)}: shown as written; \operatorname*{arg\,min} with limits under it.
    assert!(
        p.contains("<mtd class=\"eqno\"><mtext>(LS)</mtext></mtd>"),
        "{p}"
    );
    assert!(p.contains("<munder><mi>arg\u{2009}min</mi>"), "{p}");
    // \renewcommand of the project's \R, \newcommand without arguments.
    assert!(p.contains("<mi>ℝ</mi>") && p.contains("<mi>ℒ</mi>"), "{p}");
    // align: rows 1 and 3 numbered, \notag row not; \mod spaced.
    assert!(p.contains("<mtd class=\"eqno\" id=\"eq-eq:cong\"><mtext>(1)</mtext></mtd>"));
    assert!(p.contains("<mtd class=\"eqno\" id=\"eq-eq:ratio\"><mtext>(2)</mtext></mtd>"));
    assert!(p.contains("<mtd class=\"eqno\"></mtd>"));
    assert!(p.contains(
        "<mi mathvariant=\"normal\">m</mi><mi mathvariant=\"normal\">o</mi><mi mathvariant=\"normal\">d</mi>"
    ));
    // \vert does not stretch; \left\vert does.
    assert!(p.contains("<mi>|</mi><mi>x</mi><mi>|</mi>"), "{p}");
    assert!(p.contains("<mo stretchy=\"true\">|</mo>"));
    // The front matter's macro with an argument.
    assert!(p.contains("<mi>𝔼</mi>"), "{p}");
    // \eqref in prose and $\ref$ link to their equations; \tag{2a} is its number.
    assert!(p.contains("By <a class=\"eqref\" href=\"#eq-eq:cong\">(1)</a> and <a class=\"eqref\" href=\"#eq-eq:ratio\">2</a>"));
    assert!(p.contains("<a class=\"eqref\" href=\"#eq-eq:tagged\">(2a)</a>"));
    assert!(p.contains("(??)"));
    // The broken formula is its source, in the error style.
    assert!(p.contains("<code class=\"math-error\" title=\"LaTeX error: unknown command \\undefinedmacro\">$\\frac{1}{\\undefinedmacro x}$</code>"), "{p}");
    assert_eq!(eqrefs_resolve(&p), 3);

    // Real notes.
    let p = read(&site.join("davis-kahan.html"));
    assert!(!p.contains("math-error"), "{p}");
    assert!(p.contains("<mi>𝑴</mi>"), "\\bm is \\boldsymbol#1");
    assert!(p.contains("<munder><mi>argmin</mi>"), "{p}");
    assert!(p.contains("<mtd class=\"eqno\" id=\"eq-M\"><mtext>(1)</mtext></mtd>"));
    assert!(p.contains("EVDs (<a class=\"eqref\" href=\"#eq-M\">1</a>)"));
    assert_eq!(eqrefs_resolve(&p), 1);

    let p = read(&site.join("auto-label.html"));
    assert!(!p.contains("math-error"));
    for (label, n) in [
        ("eq:quadratic", 1),
        ("eq:quadratic-general", 2),
        ("eq:quadratic-normalized", 3),
        ("eq:quadratic-final", 4),
    ] {
        assert!(
            p.contains(&format!("id=\"eq-{label}\"><mtext>({n})</mtext>")),
            "{label}"
        );
    }
    // align* and equation* are not numbered; the duplicate label still numbers its equation.
    assert!(p.contains("<mtext>(5)</mtext>"));
    assert!(!p.contains("<mtext>(6)</mtext>"));
    assert!(p.contains("or <a class=\"eqref\" href=\"#eq-eq:quadratic\">1</a>."));
    assert_eq!(eqrefs_resolve(&p), 5);

    let p =
        read(&site.join("2024-01-10-variable-projection-part-2-multiple-right-hand-sides.html"));
    assert!(!p.contains("math-error"));
    // eqnarray rows with \tag: their tags; the row without a tag is numbered.
    assert!(p.contains("id=\"eq-min-rho-single\"><mtext>(1)</mtext>"));
    assert!(p.contains("id=\"eq-def-rwls\"><mtext>(2)</mtext>"));
    assert!(p.contains("id=\"eq-def-Y\"><mtext>(8)</mtext>"));
    assert!(p.contains("<a class=\"eqref\" href=\"#eq-def-rwls\">(2)</a>"));
    // \vert in a matrix does not stretch over its cell's row.
    assert!(p.contains("<mtd><mi>|</mi></mtd>"), "{p}");
    assert_eq!(eqrefs_resolve(&p), 3);

    let p = read(&site.join("2020-01-04-welcome-to-jekyll.html"));
    assert!(p.contains("id=\"eq-eqn:example\"><mtext>(4)</mtext>"));
    assert!(p.contains("I can reference <a class=\"eqref\" href=\"#eq-eqn:example\">(4)</a>"));
    assert!(p.contains("<img src=\"img/maxwell.svg\""));
    assert!(p.contains("{% highlight ruby %}"));

    let p = read(&site.join("2020-02-22-latex-test.html"));
    assert!(p.contains("id=\"eq-diffint\"><mtext>(1)</mtext>"));
    assert!(p.contains("Eq. <a class=\"eqref\" href=\"#eq-diffint\">(1)</a>"));
    // `\eqref` inside inline code stays code.
    assert!(p.contains("<code>\\eqref{mylabel}</code>"));
    assert!(p.contains("href=\"2020-01-04-welcome-to-jekyll.html#fn\""));

    let p = read(&site.join("markdown.html"));
    assert!(!p.contains("math-error"));
    assert!(
        p.contains("<mi>ker</mi>") && p.contains("<mtext>.</mtext>"),
        "{p}"
    );
}

#[test]
fn sidebar_order_prev_next_and_verdicts() {
    let (site, _) = build_real("nav", &[]);
    // order: in notecheck.yaml first, then the others by path.
    let expected = [
        "constructs.html",
        "auto-label.html",
        "2020-01-04-welcome-to-jekyll.html",
        "2020-02-22-latex-test.html",
        "2024-01-10-variable-projection-part-2-multiple-right-hand-sides.html",
        "davis-kahan.html",
        "markdown.html",
    ];
    for page in expected.iter().chain(["index.html", "search.html"].iter()) {
        let html = read(&site.join(page));
        let nav = &html[html.find("<nav class=\"site-nav\"").expect(page)..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        let mut last = 0;
        for href in expected {
            let at = nav
                .find(&format!("href=\"{href}\""))
                .unwrap_or_else(|| panic!("{page}: {href}"));
            assert!(at > last, "{page}: {href} out of order");
            last = at;
        }
        assert_eq!(nav.matches("class=\"nav-v\"").count(), expected.len());
        assert!(html.contains("href=\"index.html\""), "{page}: home link");
        assert!(
            html.contains("action=\"search.html\""),
            "{page}: search box"
        );
    }
    let p = read(&site.join("constructs.html"));
    assert!(!p.contains("rel=\"prev\""));
    assert!(p.contains("rel=\"next\" href=\"auto-label.html\""));
    assert!(p.contains("aria-current=\"page\""));
    let p = read(&site.join("markdown.html"));
    assert!(p.contains("rel=\"prev\" href=\"davis-kahan.html\""));
    assert!(!p.contains("rel=\"next\""));
    let css = read(&site.join("assets/verdicts.css"));
    assert_eq!(css.matches("content: \"– no claims\"").count(), 7);
}

#[test]
fn sidebar_follows_summary_md_and_shows_verdicts() {
    let dir = tmp("summary");
    let notes = dir.join("notes");
    std::fs::create_dir_all(notes.join("ch")).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic");
    std::fs::copy(fixtures.join("gradients.md"), notes.join("ch/gradients.md")).unwrap();
    std::fs::copy(fixtures.join("identities.md"), notes.join("identities.md")).unwrap();
    std::fs::write(
        notes.join("intro.md"),
        "# Intro\n\n```check\nlet A ∈ R^{n×n}\n(A^T)^T = A\n```\n",
    )
    .unwrap();
    std::fs::write(
        notes.join("SUMMARY.md"),
        "# Summary\n\n[Intro](intro.md)\n\n- [Gradients](./ch/gradients.md)\n- [Identities](identities.md)\n",
    )
    .unwrap();
    let o = run(&["build", "notes", "-o", "site", "--no-cache"], &dir);
    assert_eq!(o.status.code(), Some(1), "the fixtures hold failing claims");
    let site = dir.join("site");
    let p = read(&site.join("ch/gradients.html"));
    let nav = &p[p.find("<nav class=\"site-nav\"").unwrap()..];
    let (a, b, c) = (
        nav.find("../intro.html").unwrap(),
        nav.find("../ch/gradients.html").unwrap(),
        nav.find("../identities.html").unwrap(),
    );
    assert!(a < b && b < c);
    assert!(!nav.contains("SUMMARY.html"));
    assert!(p.contains("rel=\"prev\" href=\"../intro.html\""));
    assert!(p.contains("rel=\"next\" href=\"../identities.html\""));
    // Verdicts, symbol and word, by position in that order.
    let css = read(&site.join("assets/verdicts.css"));
    assert!(
        css.contains(".nav-v[data-n=\"0\"]::after { content: \"✓ pass\"; color: var(--pass-fg); }"),
        "{css}"
    );
    assert!(
        css.contains(".nav-v[data-n=\"1\"]::after { content: \"✗ fail\""),
        "{css}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_macros_and_links_are_bounded() {
    let dir = tmp("hostile");
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let bomb = "\\def\\a{xxxxxxxxxx}\\def\\b{\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a}\\def\\c{\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b}\\def\\d{\\c\\c\\c\\c\\c\\c\\c\\c\\c\\c}\\def\\e{\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d}\\def\\f{\\e\\e\\e\\e\\e\\e\\e\\e\\e\\e}\\f\\f\\f\\f";
    std::fs::write(
        notes.join("h.md"),
        format!(
            "# H\n\n$$\\newcommand{{\\x}}{{\\x\\x}}\\x$$\n\n${bomb}$\n\n![p](../../../../etc/passwd) [abs](/etc/passwd)\n"
        ),
    )
    .unwrap();
    let start = Instant::now();
    let o = run(&["build", "notes", "-o", "site", "--no-cache"], &dir);
    assert!(start.elapsed() < Duration::from_secs(20));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("h.md:3:1: warning: LaTeX: macros nested deeper than 64"),
        "{out}"
    );
    assert!(
        out.contains("h.md:5:1: warning: LaTeX: the formula grows beyond")
            || out.contains("h.md:5:1: warning: LaTeX: more than 20000 macro expansions"),
        "{out}"
    );
    assert!(
        out.contains("is outside the notes folder: it is not copied"),
        "{out}"
    );
    let page = read(&dir.join("site/h.html"));
    assert!(page.len() < 200_000);
    assert!(!dir.join("etc").exists() && !dir.join("site/etc").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The DOM of `url` after its scripts ran, in headless Chromium.
fn dump_dom(chrome: &Path, url: &str, profile: &Path) -> String {
    dump_dom_with(chrome, url, profile, &[])
}

/// [`dump_dom`] with `extra` Chromium flags (a window size, …).
fn dump_dom_with(chrome: &Path, url: &str, profile: &Path, extra: &[&str]) -> String {
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--allow-file-access-from-files",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

#[test]
fn search_finds_prose_and_claims_in_chromium() {
    let dir = tmp("search");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
    let o = run(
        &[
            "build",
            seed.to_str().unwrap(),
            "-o",
            dir.join("site").to_str().unwrap(),
            "--no-cache",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let site = dir.join("site");
    // The index is in the site and covers prose and claims; the page reads without it.
    let index = read(&site.join("search-index.js"));
    assert!(index.starts_with("/* Generated by notecheck"));
    assert!(index.contains("Kronecker"));
    assert!(index.contains(",\"pass\"]"), "claims are indexed");
    let search = read(&site.join("search.html"));
    assert!(search.contains("<script src=\"search-index.js\" defer></script>"));
    assert!(!search.contains("http://") && !search.contains("https://"));

    let Some(chrome) = chromium() else {
        println!("skipping the browser part: chromium not found");
        return;
    };
    let profile = dir.join("profile");
    let url = format!("file://{}?q=kronecker", site.join("search.html").display());
    let dom = dump_dom(&chrome, &url, &profile);
    let hits = dom.matches("<li class=\"search-hit").count();
    assert!(hits >= 3, "{dom}");
    assert!(dom.contains("<mark>Kronecker</mark>") || dom.contains("<mark>kronecker</mark>"));
    assert!(dom.contains("results for “kronecker”"), "{dom}");
    // The script ran: the dark-mode toggle is shown (it is hidden without JavaScript).
    assert!(dom.contains("id=\"theme-toggle\" aria-pressed="), "{dom}");
    assert!(search.contains("id=\"theme-toggle\" hidden"));
    // A result links to a page of the site, with the section's anchor.
    assert!(dom.contains("href=\"02-vectorization.html#"), "{dom}");
    // A claim is found by its text.
    let url = format!("file://{}?q=vec(W)", site.join("search.html").display());
    let dom = dump_dom(&chrome, &url, &profile);
    assert!(dom.contains("claim: pass"), "{dom}");
    // Nothing found is said.
    let url = format!("file://{}?q=zzzqqq", site.join("search.html").display());
    let dom = dump_dom(&chrome, &url, &profile);
    assert!(dom.contains("Nothing found for “zzzqqq”."), "{dom}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_image_added_later_is_copied_and_its_warning_goes() {
    let dir = tmp("late-image");
    let notes = dir.join("notes");
    std::fs::create_dir_all(notes.join("img")).unwrap();
    let real = real();
    let note = "2020-01-04-welcome-to-jekyll.md";
    std::fs::copy(real.join(note), notes.join(note)).unwrap();
    std::fs::copy(real.join("img/maxwell.svg"), notes.join("img/maxwell.svg")).unwrap();
    let o = run(&["build", "notes", "-o", "site"], &dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("missing file: `img/missing-figure.png`"),
        "{out}"
    );
    assert!(!dir.join("site/img/missing-figure.png").exists());
    // The page itself is unchanged (cached); the file is copied all the same.
    std::fs::write(notes.join("img/missing-figure.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let o = run(&["build", "notes", "-o", "site"], &dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(!out.contains("warning"), "{out}");
    assert_eq!(
        std::fs::read(dir.join("site/img/missing-figure.png")).unwrap(),
        b"\x89PNG\r\n\x1a\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Measures a page at 390 px in Chromium: `(index table fits, smallest
/// figure text in CSS px, wide display equations, those that scroll with a
/// shadow)`.
const MEASURE_NARROW: &str = r#"<script>
window.addEventListener('load', function () {
  var r = {};
  var root = document.documentElement;
  r.viewport = root.clientWidth;
  var t = document.querySelector('.notes-table');
  r.table_fits = t ? t.getBoundingClientRect().right <= root.clientWidth + 0.5 : null;
  r.page_fits = root.scrollWidth <= root.clientWidth + 0.5;
  var min = 1e9;
  document.querySelectorAll('svg.plot').forEach(function (svg) {
    var vb = svg.viewBox && svg.viewBox.baseVal;
    var w = svg.getBoundingClientRect().width;
    if (!vb || !vb.width || !w) return;
    var scale = w / vb.width;
    svg.querySelectorAll('text').forEach(function (tx) {
      var px = parseFloat(getComputedStyle(tx).fontSize) * scale;
      if (px < min) { min = px; r.smallest = svg.getAttribute('class') + ' in ' + svg.parentNode.className; }
    });
  });
  r.min_plot_text = min === 1e9 ? null : min;
  var wide = 0, cued = 0;
  document.querySelectorAll('math[display="block"]').forEach(function (m) {
    if (m.scrollWidth > m.clientWidth + 1) {
      wide++;
      var cs = getComputedStyle(m);
      if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll') && cs.backgroundImage.indexOf('radial-gradient') >= 0) cued++;
    }
  });
  r.wide_maths = wide;
  r.wide_cued = cued;
  parent.postMessage(JSON.stringify(r), '*');
});
</script>"#;

/// Holds the page in a 390 px frame (headless Chromium's window is at
/// least 500 px wide) and writes what the page measured.
const FRAME: &str = r#"<!DOCTYPE html><html><body style="margin:0">
<iframe src="PAGE" style="width:390px;height:844px;border:0"></iframe>
<script>
window.addEventListener('message', function (e) {
  var pre = document.createElement('pre');
  pre.id = 'nc-result';
  pre.textContent = 'NCRESULT' + e.data + 'NCEND';
  document.body.appendChild(pre);
});
</script></body></html>"#;

fn measure_narrow(chrome: &Path, page: &Path, profile: &Path) -> serde_json::Value {
    let html = read(page).replacen("</body>", &format!("{MEASURE_NARROW}</body>"), 1);
    let copy = page.with_file_name(format!(
        "narrow-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&copy, html).unwrap();
    let frame = page.with_file_name(format!(
        "frame-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    let name = copy.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::write(&frame, FRAME.replace("PAGE", &name)).unwrap();
    let url = format!("file://{}", frame.display());
    let dom = dump_dom_with(
        chrome,
        &url,
        profile,
        &[
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--window-size=800,900",
        ],
    );
    const MARK: &str = "<pre id=\"nc-result\">NCRESULT";
    let s = dom.find(MARK).unwrap_or_else(|| panic!("no result: {dom}")) + MARK.len();
    let e = dom[s..].find("NCEND").unwrap() + s;
    serde_json::from_str(&dom[s..e]).unwrap()
}

#[test]
fn at_390_px_the_table_fits_figures_stay_legible_and_wide_math_scrolls() {
    let Some(chrome) = chromium() else {
        println!("skipping: chromium not found");
        return;
    };
    let dir = tmp("narrow");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
    let o = run(
        &["build", seed.to_str().unwrap(), "-o", "site", "--no-cache"],
        &dir,
    );
    assert!(o.status.success());
    let site = dir.join("site");
    // A note with a formula far wider than a phone.
    let profile = dir.join("profile");
    let index = measure_narrow(&chrome, &site.join("index.html"), &profile);
    assert_eq!(index["viewport"], 390, "{index}");
    assert_eq!(index["table_fits"], true, "{index}");
    assert_eq!(index["page_fits"], true, "{index}");
    assert!(
        index["min_plot_text"].as_f64().unwrap() >= 11.0 - 1e-6,
        "{index}"
    );
    for page in ["02-vectorization.html", "06-backprop-two-layer.html"] {
        let r = measure_narrow(&chrome, &site.join(page), &profile);
        assert_eq!(r["page_fits"], true, "{page}: {r}");
        assert!(
            r["min_plot_text"].as_f64().unwrap() >= 11.0 - 1e-6,
            "{page}: {r}"
        );
        assert_eq!(r["wide_maths"], r["wide_cued"], "{page}: {r}");
    }
    let r = measure_narrow(&chrome, &site.join("02-vectorization.html"), &profile);
    assert!(
        r["wide_maths"].as_u64().unwrap() > 0,
        "no wide equation to test: {r}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_changed_verdict_rewrites_the_sidebar_stylesheet_not_the_other_pages() {
    let dir = tmp("verdict-change");
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    let good = "# A\n\n```check\nlet A ∈ R^{n×n}\n(A^T)^T = A\n```\n";
    std::fs::write(notes.join("a.md"), good).unwrap();
    std::fs::write(
        notes.join("b.md"),
        "# B\n\n```check\nlet x ∈ R^n\nx = x\n```\n",
    )
    .unwrap();
    assert!(
        run(&["build", "notes", "-o", "site"], &dir)
            .status
            .success()
    );
    let site = dir.join("site");
    let stamp = |f: &str| {
        let p = site.join(f);
        (
            std::fs::read(&p).unwrap(),
            std::fs::metadata(&p).unwrap().modified().unwrap(),
        )
    };
    let (b_before, css_before) = (stamp("b.html"), stamp("assets/verdicts.css"));
    assert!(
        String::from_utf8_lossy(&css_before.0)
            .contains("data-n=\"0\"]::after { content: \"✓ pass\"")
    );
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(
        notes.join("a.md"),
        good.replace("(A^T)^T = A", "(A^T)^T = 2 A"),
    )
    .unwrap();
    assert_eq!(
        run(&["build", "notes", "-o", "site"], &dir).status.code(),
        Some(1)
    );
    // b.html lists a.md in its sidebar, yet is not written again.
    assert_eq!(stamp("b.html"), b_before);
    let css = String::from_utf8(stamp("assets/verdicts.css").0).unwrap();
    assert!(
        css.contains("data-n=\"0\"]::after { content: \"✗ fail\""),
        "{css}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_large_site_shows_its_sidebar_in_a_frame() {
    let dir = tmp("large");
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    for i in 0..70 {
        std::fs::write(
            notes.join(format!("n{i:02}.md")),
            format!("# Note {i}\n\n```check\nlet A ∈ R^{{n×n}}\n(A^T)^T = A\n```\n"),
        )
        .unwrap();
    }
    assert!(
        run(&["build", "notes", "-o", "site", "--no-cache"], &dir)
            .status
            .success()
    );
    let site = dir.join("site");
    let page = read(&site.join("n10.html"));
    assert!(page.contains("<iframe class=\"nav-frame\" src=\"sidebar.html\" title=\"All notes and their verdicts\"></iframe>"));
    assert!(
        !page.contains("href=\"n55.html\""),
        "the list is not in every page"
    );
    assert!(
        page.contains("rel=\"prev\" href=\"n09.html\"")
            && page.contains("rel=\"next\" href=\"n11.html\"")
    );
    let sidebar = read(&site.join("sidebar.html"));
    assert!(sidebar.contains("<base target=\"_top\">"));
    assert_eq!(
        sidebar
            .matches("<span class=\"nav-verdict v-pass\">✓ pass</span>")
            .count(),
        70
    );
    let (a, b) = (
        sidebar.find("\"n09.html\"").unwrap(),
        sidebar.find("\"n10.html\"").unwrap(),
    );
    assert!(a < b);
    let _ = std::fs::remove_dir_all(&dir);
}
