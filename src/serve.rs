//! `notecheck serve`: build, serve the site on 127.0.0.1, rebuild when a
//! note, a template or `notecheck.yaml` changes, and reload open pages.
//!
//! The server (tokio, GET and HEAD only, `Connection: close`) listens on
//! 127.0.0.1 only and serves the files of the site folder, never anything
//! outside it (`..`, encoded `%2e%2e`, absolute paths and symbolic links
//! that lead out are refused, and so are dotfiles). Idle connections cost
//! no thread: up to [`MAX_CONNECTIONS`] are open at once (more wait in the
//! kernel's queue), and one that has not sent its request within
//! [`REQUEST_TIMEOUT`] is closed. A request line over [`MAX_REQUEST_LINE`]
//! bytes gets `414`, other methods `405` (with a body).
//!
//! Into served HTML pages (not into the files on disk) it injects a script
//! that polls `/__notecheck/version` every 500 ms and reloads the page when
//! the build number changes. Changes are found by polling modification
//! times every 300 ms. A rebuild runs as a child process (`notecheck
//! build`, through the cache, so only changed notes are checked again):
//! every page is written atomically, so the server always has the last
//! good site to serve while a rebuild runs or fails, and a newer edit stops
//! a rebuild still running and starts another, so a slow note never
//! freezes `serve` and later fixes are picked up.

use std::net::TcpListener;
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::cache::{self, Cache};
use crate::error::{Error, Result};
use crate::pipeline;

/// How `serve` was asked to run.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    pub notes: Option<PathBuf>,
    pub config: PathBuf,
    pub out: Option<PathBuf>,
    /// 0 picks a free port.
    pub port: u16,
    pub use_cache: bool,
    pub progress: bool,
    /// `--force`: write into an output folder holding other files.
    pub force: bool,
    /// `--safe`: sanitize the notes' prose.
    pub safe: bool,
}

/// The path the reload script polls.
pub const VERSION_PATH: &str = "/__notecheck/version";
/// Connections open at once; more wait until one closes.
pub const MAX_CONNECTIONS: usize = 8192;
/// Time a connection has to send its request, and to take the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest request line (method, URL, version) answered; longer gets 414.
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Longest request head (line and headers); longer gets 431.
pub const MAX_REQUEST_HEAD: usize = 32 * 1024;

/// Build, serve and watch until the process is interrupted. `Err` is a
/// problem that stops it before serving (first load or render, port in use).
pub fn serve(opts: &ServeOptions) -> Result<()> {
    let cache = Cache::new(opts.use_cache.then(|| cache::dir_for(&opts.config)));
    // The first build must succeed: it decides the output folder.
    let mut project = pipeline::load(opts.notes.as_deref(), &opts.config)?;
    project.force = opts.force;
    project.config.safe |= opts.safe;
    let out = project.out_dir(opts.out.clone());
    // Claim the port first: a port in use is reported before a long build.
    let listener = TcpListener::bind(("127.0.0.1", opts.port))
        .map_err(|e| serving(format!("listen on 127.0.0.1:{}", opts.port), e))?;
    build(&project, &cache, &out, opts.progress)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(opts.port);
    let version = Arc::new(AtomicU64::new(1));
    let root = std::fs::canonicalize(&out).unwrap_or_else(|_| out.clone());
    start_server(listener, root, Arc::clone(&version))?;
    println!(
        "serving {} at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        crate::output::human::visible(&out.display().to_string())
    );

    let mut notes_dir = project.notes_dir.clone();
    let mut templates = project.config.templates.clone();
    drop(project);
    let mut seen = watched_state(&notes_dir, &opts.config, templates.as_deref());
    let mut running: Option<Child> = None;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        if let Some(child) = running.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            running = None;
            match status.code() {
                Some(0 | 1) => {
                    let n = version.fetch_add(1, Ordering::SeqCst) + 1;
                    println!("site rebuilt (build {n}); open pages reload");
                }
                _ => eprintln!("notecheck: the rebuild failed; still serving the last build"),
            }
        }
        let now = watched_state(&notes_dir, &opts.config, templates.as_deref());
        if now == seen {
            continue;
        }
        seen = now;
        // Where the notes and templates are may have changed.
        if let Ok(config) = crate::config::load_project(&opts.config).or_else(|e| {
            if opts.config.is_file() {
                Err(e)
            } else {
                Ok(Default::default())
            }
        }) {
            let nd = opts
                .notes
                .clone()
                .or_else(|| config.notes.clone())
                .unwrap_or_else(|| PathBuf::from("notes"));
            if nd != notes_dir || config.templates != templates {
                notes_dir = nd;
                templates = config.templates.clone();
                seen = watched_state(&notes_dir, &opts.config, templates.as_deref());
            }
        }
        // A newer edit supersedes a rebuild still running.
        if let Some(mut child) = running.take() {
            let _ = child.kill();
            let _ = child.wait();
            println!("notes changed again: rebuild restarted");
        }
        match spawn_rebuild(opts, &out) {
            Ok(child) => running = Some(child),
            Err(m) => eprintln!("notecheck: {m} (still serving the last build)"),
        }
    }
}

/// `notecheck build` for the same notes, configuration and folder, as a
/// child process that can be stopped.
fn spawn_rebuild(opts: &ServeOptions, out: &Path) -> Result<Child> {
    let exe = std::env::current_exe().map_err(|e| serving("rebuild".into(), e))?;
    let mut cmd = Command::new(exe);
    cmd.arg("build");
    if let Some(n) = &opts.notes {
        cmd.arg(n);
    }
    cmd.arg("--out").arg(out).arg("--config").arg(&opts.config);
    if !opts.use_cache {
        cmd.arg("--no-cache");
    }
    if opts.force {
        cmd.arg("--force");
    }
    if opts.safe {
        cmd.arg("--safe");
    }
    cmd.spawn().map_err(|e| serving("rebuild".into(), e))
}

fn serving(doing: String, source: std::io::Error) -> Error {
    Error::System { doing, source }
}

/// Check (through the cache) and render; prints the problems and the
/// summary as `build` does. Returns whether any file of the site changed.
fn build(project: &pipeline::Project, cache: &Cache, out: &Path, progress: bool) -> Result<bool> {
    let (run, rendered) = pipeline::build(project, cache, out, progress)?;
    let color = crate::output::human::stdout_color();
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

/// Serves `root` on `listener` from a background thread.
fn start_server(listener: TcpListener, root: PathBuf, version: Arc<AtomicU64>) -> Result<()> {
    listener
        .set_nonblocking(true)
        .map_err(|e| serving("serve".into(), e))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .thread_name("notecheck-serve")
        .build()
        .map_err(|e| serving("serve".into(), e))?;
    std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                eprintln!("notecheck: cannot serve on this socket");
                return;
            };
            let root = Arc::new(root);
            let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
            loop {
                let Ok(permit) = Arc::clone(&limit).acquire_owned().await else {
                    return;
                };
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let root = Arc::clone(&root);
                        let version = Arc::clone(&version);
                        tokio::spawn(async move {
                            connection(stream, &root, &version).await;
                            drop(permit);
                        });
                    }
                    // Out of file descriptors, say: wait, and keep accepting.
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
        });
    });
    Ok(())
}

/// One connection: read the request (within [`REQUEST_TIMEOUT`]), answer, close.
async fn connection(mut stream: tokio::net::TcpStream, root: &Path, version: &AtomicU64) {
    use tokio::io::AsyncWriteExt;
    let head = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(h)) => h,
        _ => return, // idle, closed, or an I/O error
    };
    let answer = match head {
        Head::Line(line) => {
            let root = root.to_path_buf();
            let v = version.load(Ordering::SeqCst);
            match tokio::task::spawn_blocking(move || answer(&line, &root, v)).await {
                Ok(a) => a,
                Err(_) => return,
            }
        }
        Head::LineTooLong => Answer::text("414 URI Too Long", "the URL is too long\n"),
        Head::TooLong => Answer::text(
            "431 Request Header Fields Too Large",
            "the request headers are too large\n",
        ),
    };
    let bytes = answer.to_bytes();
    let _ = tokio::time::timeout(REQUEST_TIMEOUT, async {
        stream.write_all(&bytes).await?;
        stream.shutdown().await
    })
    .await;
}

enum Head {
    /// The request line (headers are read and ignored).
    Line(String),
    LineTooLong,
    TooLong,
}

/// Reads up to the end of the request head.
async fn read_head(stream: &mut tokio::net::TcpStream) -> std::io::Result<Head> {
    use tokio::io::AsyncReadExt;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let line_end = buf.iter().position(|&b| b == b'\n');
        if line_end.unwrap_or(buf.len()) > MAX_REQUEST_LINE {
            return Ok(Head::LineTooLong);
        }
        let end = find(&buf, b"\r\n\r\n").or_else(|| find(&buf, b"\n\n"));
        if let (Some(_), Some(l)) = (end, line_end) {
            let line = String::from_utf8_lossy(&buf[..l]).trim_end().to_string();
            return Ok(Head::Line(line));
        }
        if buf.len() > MAX_REQUEST_HEAD {
            return Ok(Head::TooLong);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A response.
#[derive(Debug, PartialEq)]
pub struct Answer {
    pub status: &'static str,
    pub ctype: &'static str,
    pub body: Vec<u8>,
    /// False for HEAD: the headers describe the body, which is not sent.
    pub send_body: bool,
    pub allow: bool,
}

impl Answer {
    fn text(status: &'static str, body: &str) -> Answer {
        Answer {
            status,
            ctype: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
            send_body: true,
            allow: false,
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
            self.status,
            self.ctype,
            self.body.len()
        );
        if self.allow {
            head.push_str("Allow: GET, HEAD\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if self.send_body {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// The answer to the request line `line` for the site at `root` (build
/// number `version`).
pub fn answer(line: &str, root: &Path, version: u64) -> Answer {
    let mut parts = line.split_whitespace();
    let (method, target) = match (parts.next(), parts.next()) {
        (Some(m), Some(t)) => (m, t),
        _ => return Answer::text("400 Bad Request", "bad request\n"),
    };
    let head = method == "HEAD";
    if method != "GET" && !head {
        let mut a = Answer::text(
            "405 Method Not Allowed",
            "method not allowed: this server only answers GET and HEAD\n",
        );
        a.allow = true;
        return a;
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut a = if path == VERSION_PATH {
        Answer::text("200 OK", &version.to_string())
    } else {
        match resolve(root, path).and_then(|f| Some((std::fs::read(&f).ok()?, f))) {
            Some((bytes, file)) => {
                let ctype = content_type(&file);
                let body = if ctype.starts_with("text/html") {
                    inject_reload(&bytes, version)
                } else {
                    bytes
                };
                Answer {
                    status: "200 OK",
                    ctype,
                    body,
                    send_body: true,
                    allow: false,
                }
            }
            None => Answer::text("404 Not Found", "not found\n"),
        }
    };
    a.send_body = !head;
    a
}

/// The file under `root` that URL path `path` names, if it is inside
/// `root` and exists: percent-decoded, `..`, absolute components and
/// dotfiles (notecheck's own records and temporary files) refused, a
/// folder means its `index.html`, symbolic links may not lead out.
pub fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let mut rel = PathBuf::new();
    for seg in decoded.split('/') {
        if seg.is_empty() || seg == "." {
            continue;
        }
        if seg.starts_with('.') || seg.contains('\\') || seg.contains('\0') || seg.contains(':') {
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
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("sub")).unwrap();
        std::fs::write(site.join("index.html"), "i").unwrap();
        std::fs::write(site.join("sub/a b.html"), "a").unwrap();
        std::fs::write(dir.join("secret.txt"), "s").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.txt"), site.join("link.txt")).unwrap();
        let root = std::fs::canonicalize(&site).unwrap();
        assert_eq!(resolve(&root, "/"), Some(root.join("index.html")));
        assert_eq!(resolve(&root, "/link.txt"), None, "a link that leads out");
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
            "/.notecheck-site",
            "//etc/passwd",
            "/sub/%2e%2e/%2e%2e/secret.txt",
        ] {
            assert_eq!(resolve(&root, bad), None, "{bad}");
        }
    }

    #[test]
    fn answers_have_bodies_and_reasons() {
        let root = std::env::temp_dir();
        let a = answer("POST / HTTP/1.1", &root, 1);
        assert_eq!(a.status, "405 Method Not Allowed");
        assert!(!a.body.is_empty() && a.send_body && a.allow);
        let bytes = a.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Allow: GET, HEAD") && text.ends_with("GET and HEAD\n"));
        assert_eq!(answer("GET", &root, 1).status, "400 Bad Request");
        let v = answer("HEAD /__notecheck/version HTTP/1.1", &root, 7);
        assert_eq!(
            (v.status, v.body.as_slice(), v.send_body),
            ("200 OK", &b"7"[..], false)
        );
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
