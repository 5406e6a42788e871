//! `notecheck serve`: the real binary on a free port, a temporary notes
//! folder, an edit while it runs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
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
    let dir: PathBuf = std::env::temp_dir().join(format!("notecheck-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    let note = dir.join("notes/small.md");
    std::fs::write(&note, NOTE).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .current_dir(&dir)
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
    let _ = std::fs::remove_dir_all(&dir);
}
