//! The built site in a real browser: headless Chromium opens pages of the
//! site of the included notes and reports, from inside the page, whether
//! the stylesheet loaded, images and every other resource loaded, the
//! MathML was laid out and the figures (inline or files) have a size and
//! a text alternative. Skipped (and passing)
//! when `chromium` is not installed.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs first in `<head>`: records every load error (capture phase sees
/// resource errors, which do not bubble).
const LISTEN: &str = r#"<script>window.__ncErrors=[];window.addEventListener('error',function(e){var t=e.target;window.__ncErrors.push(t&&t!==window?'resource '+(t.tagName||'')+' '+(t.src||t.href||''):'script '+e.message);},true);</script>"#;

/// Runs last in `<body>`: measures the page on load and writes a JSON
/// verdict into `<pre id="nc-result">`.
const MEASURE: &str = r#"<script>
window.addEventListener('load', function () {
  var r = {errors: window.__ncErrors.slice()};
  var links = Array.prototype.slice.call(document.querySelectorAll('link[rel~="stylesheet"]'));
  r.sheets = links.length;
  r.sheets_ok = 0;
  links.forEach(function (l) {
    try { if (l.sheet && l.sheet.cssRules.length > 0) r.sheets_ok++; }
    catch (e) { r.errors.push('stylesheet ' + l.href + ': ' + e); }
  });
  var imgs = Array.prototype.slice.call(document.images);
  r.images = imgs.length;
  r.images_ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var laidOut = function (el) { var b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  var hidden = function (el) { return !!el.closest('details:not([open])'); };
  var maths = Array.prototype.slice.call(document.querySelectorAll('math'));
  var shown = maths.filter(function (m) { return !hidden(m); });
  r.maths = maths.length;
  r.maths_visible = shown.length;
  r.maths_laid_out = shown.filter(laidOut).length;
  var frac = document.querySelector('mfrac');
  r.mfrac_taller_than_text = frac ? frac.getBoundingClientRect().height > 20 : null;
  // Open every figure, then measure every plot.
  Array.prototype.slice.call(document.querySelectorAll('details')).forEach(function (d) { d.open = true; });
  // Figures are inline <svg class="plot"> or <img class="plot"> files.
  var svgs = Array.prototype.slice.call(document.querySelectorAll('svg.plot, img.plot'));
  r.plots = svgs.length;
  r.plot_files = document.querySelectorAll('img.plot').length;
  r.plots_laid_out = svgs.filter(laidOut).length;
  r.fd_plots = document.querySelectorAll('.plot.figure-fd').length;
  r.heatmaps = document.querySelectorAll('.plot.heatmap').length;
  r.plots_titled = svgs.filter(function (s) {
    if (s.tagName === 'IMG') return (s.getAttribute('alt') || '').length > 20;
    return s.querySelector(':scope > title') && s.querySelector(':scope > desc') && s.getAttribute('role') === 'img';
  }).length;
  var text = document.querySelector('svg.plot text');
  r.body_colour = getComputedStyle(document.body).color;
  r.plot_text_colour = text ? getComputedStyle(text).fill : null;
  r.scripts = document.querySelectorAll('script').length;
  var pre = document.createElement('pre');
  pre.id = 'nc-result';
  pre.textContent = 'NCRESULT' + JSON.stringify(r) + 'NCEND';
  document.body.appendChild(pre);
});
</script>"#;

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
    let p = PathBuf::from("/usr/bin/chromium");
    p.is_file().then_some(p)
}

/// A fresh folder, removed when the returned guard drops (callers shadow it:
/// `let d = tmp("x"); let d = d.path();`).
fn tmp(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("notecheck-browser-{name}-"))
        .tempdir()
        .expect("temp dir")
}

/// A copy of `page` next to it with the measuring scripts injected.
fn instrument(page: &Path) -> PathBuf {
    let html = std::fs::read_to_string(page).expect("page");
    assert!(
        html.contains("</head>") && html.contains("</body>"),
        "{}",
        page.display()
    );
    let html = html
        .replacen("</head>", &format!("{LISTEN}</head>"), 1)
        .replacen("</body>", &format!("{MEASURE}</body>"), 1);
    let copy = page.with_file_name(format!(
        "measure-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&copy, html).expect("write copy");
    copy
}

/// Loads `page` in headless Chromium and returns the page's own verdict.
fn measure(chrome: &Path, page: &Path, profile: &Path, extra: &[&str]) -> Value {
    let url = format!("file://{}", page.display());
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            // file:// pages are opaque origins: allow reading their own CSS rules.
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    // Read stdout on a thread: the DOM is larger than a pipe's buffer.
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait") {
            Some(_) => break,
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish {url} within {TIMEOUT:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let dom = reader.join().expect("reader");
    const MARK: &str = "<pre id=\"nc-result\">NCRESULT";
    let start = dom.find(MARK).unwrap_or_else(|| {
        panic!(
            "no result in the DOM of {url}: {}",
            &dom[..dom.len().min(2000)]
        )
    });
    let end = dom[start..].find("NCEND").expect("result end") + start;
    let json = dom[start + MARK.len()..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let v: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    println!("{}: {v}", page.display());
    v
}

fn n(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// Everything a page needs loaded and laid out.
fn assert_page_ok(name: &str, r: &Value) {
    assert_eq!(
        r["errors"],
        Value::Array(vec![]),
        "{name}: load errors: {r}"
    );
    assert!(n(r, "sheets") >= 1, "{name}: no stylesheet: {r}");
    assert_eq!(
        n(r, "sheets_ok"),
        n(r, "sheets"),
        "{name}: stylesheet not loaded: {r}"
    );
    assert_eq!(
        n(r, "images_ok"),
        n(r, "images"),
        "{name}: broken image: {r}"
    );
    assert_eq!(
        n(r, "plots_titled"),
        n(r, "plots"),
        "{name}: plot without title/desc: {r}"
    );
    assert_eq!(
        n(r, "plots_laid_out"),
        n(r, "plots"),
        "{name}: plot of zero size: {r}"
    );
    // The figures' text follows the page's text colour (dark mode).
    if !r["plot_text_colour"].is_null() {
        assert_eq!(r["plot_text_colour"], r["body_colour"], "{name}: {r}");
    }
    // The page runs one script of its own, the site's local `assets/site.js`
    // (search, dark-mode toggle), besides the two measuring ones.
    assert_eq!(n(r, "scripts"), 3, "{name}: scripts: {r}");
}

fn assert_note_ok(name: &str, r: &Value) {
    assert_page_ok(name, r);
    let visible = n(r, "maths_visible");
    assert!(
        n(r, "maths") > 10 && visible > 10,
        "{name}: too little math: {r}"
    );
    // MathML is laid out (not left as unknown inline elements of no height).
    assert!(
        n(r, "maths_laid_out") * 10 >= visible * 9,
        "{name}: MathML not laid out: {r}"
    );
    assert_eq!(
        r["mfrac_taller_than_text"],
        Value::Bool(true),
        "{name}: {r}"
    );
}

#[test]
fn site_renders_in_chromium() {
    let Some(chrome) = chromium() else {
        println!("skipping browser test: chromium not found");
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let site = tmp("site");
    let site = site.path();
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(&root)
        .args(["build", "notes", "-o"])
        .arg(site)
        .env("NO_COLOR", "1")
        .output()
        .expect("notecheck runs");
    assert!(
        out.status.success(),
        "build failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let profile = tmp("profile");
    let profile = profile.path();

    let index = measure(&chrome, &instrument(&site.join("index.html")), profile, &[]);
    assert_page_ok("index", &index);
    assert!(n(&index, "plots") >= 1, "index: no verdict chart: {index}");

    for page in ["06-backprop-two-layer.html", "01-derivative-layouts.html"] {
        let r = measure(&chrome, &instrument(&site.join(page)), profile, &[]);
        assert_note_ok(page, &r);
        // The verdict chart, and the figures of the derivative claims.
        assert!(n(&r, "plots") >= 3, "{page}: {r}");
        assert!(
            n(&r, "fd_plots") >= 1,
            "{page}: no finite-difference plot: {r}"
        );
        assert!(n(&r, "heatmaps") >= 1, "{page}: no heatmap: {r}");
        // Passing claims' figures are files (loaded, described by `alt`).
        assert!(n(&r, "plot_files") >= 2, "{page}: no figure files: {r}");
    }

    // Dark mode: the page's colours change and the plots follow them.
    let page = instrument(&site.join("06-backprop-two-layer.html"));
    let light = measure(&chrome, &page, profile, &[]);
    let dark = measure(
        &chrome,
        &page,
        profile,
        &[
            "--force-dark-mode",
            "--blink-settings=preferredColorScheme=0",
        ],
    );
    assert_note_ok("06 (dark)", &dark);
    assert_ne!(
        light["body_colour"], dark["body_colour"],
        "dark mode: {dark}"
    );
}
