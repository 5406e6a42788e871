//! `notecheck serve`: build, serve the site on 127.0.0.1, rebuild when a
//! note, a template or `notecheck.yaml` changes, and reload open pages.
//!
//! The server is a small HTTP/1.1 server on `std::net` (GET and HEAD only,
//! one thread per connection, `Connection: close`). It serves the files of
//! the site folder, never anything outside it. Into served HTML pages (not
//! into the files on disk) it injects a script that polls
//! `/__notecheck/version` every 500 ms and reloads the page when the build
//! number changes. Changes are found by polling modification times every
//! 300 ms; a rebuild goes through the cache, so only changed notes are
//! checked again.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::cache::{self, Cache};
use crate::pipeline;

/// How `serve` was asked to run.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub notes: Option<PathBuf>,
    pub config: PathBuf,
    pub out: Option<PathBuf>,
    /// 0 picks a free port.
    pub port: u16,
    pub use_cache: bool,
    pub progress: bool,
}

/// The path the reload script polls.
pub const VERSION_PATH: &str = "/__notecheck/version";

/// Build, serve and watch until the process is interrupted. `Err` is a
/// problem that stops it before serving (first load or render, port in use).
pub fn serve(opts: &ServeOptions) -> Result<(), String> {
    let cache = Cache::new(opts.use_cache.then(|| cache::dir_for(&opts.config)));
    // The first build must succeed: it decides the output folder.
    let project = pipeline::load(opts.notes.as_deref(), &opts.config)?;
    let out = project.out_dir(opts.out.clone());
    // Claim the port first: a port in use is reported before a long build.
    let listener = TcpListener::bind(("127.0.0.1", opts.port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", opts.port))?;
    build(&project, &cache, &out, opts.progress)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(opts.port);
    let version = Arc::new(AtomicU64::new(1));
    let root = std::fs::canonicalize(&out).unwrap_or_else(|_| out.clone());
    {
        let version = Arc::clone(&version);
        std::thread::spawn(move || accept_loop(listener, root, version));
    }
    println!(
        "serving {} at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        out.display()
    );

    let mut notes_dir = project.notes_dir.clone();
    let mut templates = project.config.templates.clone();
    let mut seen = watched_state(&notes_dir, &opts.config, templates.as_deref());
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = watched_state(&notes_dir, &opts.config, templates.as_deref());
        if now == seen {
            continue;
        }
        seen = now;
        match pipeline::load(opts.notes.as_deref(), &opts.config) {
            Ok(project) => {
                if project.notes_dir != notes_dir || project.config.templates != templates {
                    notes_dir = project.notes_dir.clone();
                    templates = project.config.templates.clone();
                    seen = watched_state(&notes_dir, &opts.config, templates.as_deref());
                }
                match build(&project, &cache, &out, opts.progress) {
                    Ok(true) => {
                        let n = version.fetch_add(1, Ordering::SeqCst) + 1;
                        println!("site rebuilt (build {n}); open pages reload");
                    }
                    Ok(false) => println!("site unchanged"),
                    Err(m) => eprintln!("notecheck: {m}"),
                }
            }
            Err(m) => eprintln!("notecheck: {m} (still serving the last build)"),
        }
    }
}

/// Check (through the cache) and render; prints the problems and the
/// summary as `build` does. Returns whether any file of the site changed.
fn build(
    project: &pipeline::Project,
    cache: &Cache,
    out: &Path,
    progress: bool,
) -> Result<bool, String> {
    let (run, rendered) = pipeline::build(project, cache, out, progress)?;
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    print!("{}", crate::output::human::render(&run.notes, color));
    println!("{}", run.summary());
    Ok(rendered)
}

/// Modification time and size of every watched file, in a fixed order.
type WatchState = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

fn stat(p: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn watched_state(notes_dir: &Path, config: &Path, templates: Option<&Path>) -> WatchState {
    let mut files: Vec<PathBuf> = crate::note::walk(notes_dir).unwrap_or_default();
    files.push(config.to_path_buf());
    if let Some(t) = templates {
        let mut ts: Vec<PathBuf> = std::fs::read_dir(t)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        ts.sort();
        files.extend(ts);
    }
    files
        .into_iter()
        .map(|f| {
            let s = stat(&f);
            (f, s)
        })
        .collect()
}

fn accept_loop(listener: TcpListener, root: PathBuf, version: Arc<AtomicU64>) {
    let root = Arc::new(root);
    for stream in listener.incoming().flatten() {
        let root = Arc::clone(&root);
        let version = Arc::clone(&version);
        std::thread::spawn(move || {
            let _ = handle(stream, &root, &version);
        });
    }
}

/// Answer one request, then close the connection.
fn handle(mut stream: TcpStream, root: &Path, version: &AtomicU64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new((&stream).take(64 * 1024));
    let mut line = String::new();
    reader.read_line(&mut line)?;
    // Skip the headers (no request bodies are accepted).
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m, t),
        _ => {
            return respond(
                &mut stream,
                "400 Bad Request",
                "text/plain; charset=utf-8",
                b"bad request\n",
                true,
            );
        }
    };
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"only GET\n",
            head,
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == VERSION_PATH {
        let v = version.load(Ordering::SeqCst).to_string();
        return respond(
            &mut stream,
            "200 OK",
            "text/plain; charset=utf-8",
            v.as_bytes(),
            !head,
        );
    }
    match resolve(root, path) {
        Some(file) => match std::fs::read(&file) {
            Ok(bytes) => {
                let ctype = content_type(&file);
                let body = if ctype.starts_with("text/html") {
                    inject_reload(&bytes, version.load(Ordering::SeqCst))
                } else {
                    bytes
                };
                respond(&mut stream, "200 OK", ctype, &body, !head)
            }
            Err(_) => not_found(&mut stream, head),
        },
        None => not_found(&mut stream, head),
    }
}

fn not_found(stream: &mut TcpStream, head: bool) -> std::io::Result<()> {
    respond(
        stream,
        "404 Not Found",
        "text/plain; charset=utf-8",
        b"not found\n",
        !head,
    )
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    ctype: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The file under `root` that URL path `path` names, if it is inside
/// `root` and exists: percent-decoded, `..` and absolute components
/// refused, a folder means its `index.html`, symbolic links may not lead out.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut rel = PathBuf::new();
    for seg in decoded.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg == ".." || seg.contains('\\') || seg.contains('\0') || seg.contains(':') {
            return None;
        }
        let p = Path::new(seg);
        if !matches!(p.components().next(), Some(Component::Normal(_)))
            || p.components().count() != 1
        {
            return None;
        }
        rel.push(seg);
    }
    let mut file = root.join(&rel);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let canon = std::fs::canonicalize(&file).ok()?;
    (canon.starts_with(root) && canon.is_file()).then_some(canon)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `Content-Type` by file extension.
pub fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The page with the reload script before its last `</body>` (or at the end).
pub fn inject_reload(html: &[u8], build: u64) -> Vec<u8> {
    let script = format!(
        "<script>/* notecheck serve: reload on rebuild */(function(){{var b=\"{build}\";function poll(){{fetch(\"{VERSION_PATH}\",{{cache:\"no-store\"}}).then(function(r){{return r.text()}}).then(function(t){{if(t.trim()!==b){{location.reload()}}else{{setTimeout(poll,500)}}}},function(){{setTimeout(poll,500)}})}}setTimeout(poll,500)}})();</script>\n"
    );
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + script.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(script.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let dir = std::env::temp_dir().join(format!("notecheck-serve-unit-{}", std::process::id()));
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("sub")).unwrap();
        std::fs::write(site.join("index.html"), "i").unwrap();
        std::fs::write(site.join("sub/a b.html"), "a").unwrap();
        std::fs::write(dir.join("secret.txt"), "s").unwrap();
        let root = std::fs::canonicalize(&site).unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/sub/a%20b.html"),
            Some(root.join("sub/a b.html"))
        );
        for bad in [
            "/../secret.txt",
            "/sub/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/nope.html",
            "/%zz",
        ] {
            assert_eq!(resolve(&root, bad), None, "{bad}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn script_goes_before_the_last_body_end() {
        let out = String::from_utf8(inject_reload(b"<html><body>x</body></html>", 3)).unwrap();
        assert!(out.starts_with("<html><body>x<script>"));
        assert!(out.ends_with("</script>\n</body></html>"));
        assert!(out.contains(VERSION_PATH) && out.contains("\"3\""));
        assert_eq!(content_type(Path::new("a.SVG")), "image/svg+xml");
    }
}
