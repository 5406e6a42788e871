//! `notecheck serve`: the real binary on a free port, a temporary notes
//! folder, an edit while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const NOTE: &str = "---
title: Small
---

# Small

```check #transpose
let A, B ∈ R^{n×n}
(A B)^T = B^T A^T
```
";

/// Kills the server when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(status code, headers, body)` of `GET path`.
fn get(port: u16, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    (code, head.to_string(), body.to_string())
}

#[test]
fn serves_the_site_and_rebuilds_on_edit() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    let note = dir.join("notes/small.md");
    std::fs::write(&note, NOTE).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(["serve", "notes", "--port", "0", "-o", "site"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);

    // The URL line tells the port.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its URL");

    let (code, head, index) = get(port, "/");
    assert_eq!(code, 200);
    assert!(head.contains("text/html"), "{head}");
    assert!(index.contains("small.html"), "{index}");

    let (code, head, page) = get(port, "/small.html");
    assert_eq!(code, 200);
    assert!(head.contains("Content-Type: text/html; charset=utf-8"));
    assert!(page.contains(r#"data-status="pass""#), "{page}");
    assert!(
        page.contains("/__notecheck/version"),
        "reload script injected"
    );
    let on_disk = std::fs::read_to_string(dir.join("site/small.html")).unwrap();
    assert!(!on_disk.contains("__notecheck"), "but not written to disk");

    let (code, head, _) = get(port, "/assets/style.css");
    assert_eq!(code, 200);
    assert!(head.contains("text/css"), "{head}");
    assert_eq!(get(port, "/nope.html").0, 404);
    assert_eq!(get(port, "/../notes/small.md").0, 404);
    assert_eq!(get(port, "/%2e%2e/notes/small.md").0, 404);
    let (code, _, v1) = get(port, "/__notecheck/version");
    assert_eq!(code, 200);

    // Make the claim false: the page turns to fail by itself.
    std::fs::write(
        &note,
        NOTE.replace("(A B)^T = B^T A^T", "(A B)^T = A^T B^T"),
    )
    .unwrap();
    let start = Instant::now();
    loop {
        let (code, _, page) = get(port, "/small.html");
        let (_, _, v2) = get(port, "/__notecheck/version");
        if code == 200 && page.contains(r#"data-status="fail""#) && v2.trim() != v1.trim() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the page did not show the failure (and the build number change) within 20 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);
}

/// Starts `notecheck serve` in `dir` (notes in `dir/notes`); the server,
/// its port, and the lines it prints on standard error.
fn start(dir: &std::path::Path) -> (Server, u16, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(dir)
        .args(["serve", "notes", "--port", "0", "-o", "site"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
        }
    });
    let (etx, erx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = etx.send(line);
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints its URL");
    (server, port, erx)
}

/// A project with one note; the folder is removed when the guard drops.
fn project(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix(&format!("notecheck-serve-{name}-"))
        .tempdir()
        .unwrap();
    std::fs::create_dir_all(tmp.path().join("notes")).unwrap();
    std::fs::write(tmp.path().join("notes/small.md"), NOTE).unwrap();
    tmp
}

/// Raw request, raw answer (status line and body).
fn raw(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn thousands_of_idle_connections_do_not_stop_the_server() {
    let dir = project("idle");
    let dir = dir.path();
    let (server, port, _err) = start(dir);
    // Open 2,000 connections that never send a request (bounded in time).
    let t0 = Instant::now();
    let mut idle = Vec::new();
    while idle.len() < 2000 && t0.elapsed() < Duration::from_secs(30) {
        match TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(2),
        ) {
            Ok(s) => idle.push(s),
            // This process's own descriptor limit (ulimit -n): test with what it allows.
            Err(e) if e.raw_os_error() == Some(24) && idle.len() >= 500 => break,
            Err(e) => panic!("connection {} refused: {e}", idle.len()),
        }
    }
    assert!(idle.len() >= 500, "idle connections opened within 30 s");
    // A normal request is still answered, promptly.
    let t1 = Instant::now();
    let (code, _, page) = get(port, "/small.html");
    assert_eq!(code, 200);
    assert!(page.contains("data-status=\"pass\""));
    assert!(t1.elapsed() < Duration::from_secs(5), "{:?}", t1.elapsed());
    // 405 has a body; an over-long URL gets 414; dotfiles are not served.
    let a = raw(port, b"POST / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(a.starts_with("HTTP/1.1 405"), "{a}");
    assert!(
        a.contains("Allow: GET, HEAD") && a.ends_with("GET and HEAD\n"),
        "{a}"
    );
    let long = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(20_000));
    assert!(raw(port, long.as_bytes()).starts_with("HTTP/1.1 414"));
    assert_eq!(get(port, "/.notecheck-site").0, 404);
    drop(idle);
    assert_eq!(get(port, "/").0, 200);
    drop(server);
}

/// Waits (bounded) until `GET path` gives a page containing `needle`.
fn wait_for(port: u16, path: &str, needle: &str, what: &str) {
    let start = Instant::now();
    loop {
        let (code, _, page) = get(port, path);
        if code == 200 && page.contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_failing_rebuild_keeps_the_last_good_site_and_later_fixes_are_picked_up() {
    let dir = project("failing");
    let dir = dir.path();
    let (server, port, err) = start(dir);
    let (code, _, before) = get(port, "/small.html");
    assert_eq!(code, 200);
    // A broken configuration: the rebuild fails.
    std::fs::write(dir.join("notecheck.yaml"), "title: [unclosed\n").unwrap();
    let start = Instant::now();
    loop {
        match err.recv_timeout(Duration::from_millis(500)) {
            Ok(line) if line.contains("rebuild failed") => break,
            _ => assert!(
                start.elapsed() < Duration::from_secs(30),
                "the failed rebuild is reported within 30 s"
            ),
        }
    }
    // The last good page is still served, whole.
    let (code, _, after) = get(port, "/small.html");
    assert_eq!(code, 200);
    assert_eq!(before, after);
    // A later fix is picked up.
    std::fs::remove_file(dir.join("notecheck.yaml")).unwrap();
    std::fs::write(
        dir.join("notes/small.md"),
        NOTE.replace("(A B)^T = B^T A^T", "(A B)^T = A^T B^T"),
    )
    .unwrap();
    wait_for(
        port,
        "/small.html",
        "data-status=\"fail\"",
        "the fixed rebuild shows the edit",
    );
    drop(server);
}

#[test]
fn a_newer_edit_supersedes_a_slow_rebuild() {
    let dir = project("slow");
    let dir = dir.path();
    let (server, port, _err) = start(dir);
    // A note that takes very long to check...
    std::fs::write(
        dir.join("notes/small.md"),
        NOTE.replace(
            "```check #transpose",
            "```check #transpose trials=1000000000",
        ),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // ...then a quick edit: its result shows, without waiting for the slow one.
    std::fs::write(
        dir.join("notes/small.md"),
        NOTE.replace("(A B)^T = B^T A^T", "(A B)^T = A^T B^T"),
    )
    .unwrap();
    wait_for(
        port,
        "/small.html",
        "data-status=\"fail\"",
        "the newer edit shows",
    );
    drop(server);
}
