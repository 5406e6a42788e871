//! No input makes notecheck panic: random statements built from the claim
//! language's own vocabulary go through every stage (parse, resolve,
//! evaluate, render) and must come out as verdicts.

use std::path::PathBuf;

use notecheck::ProjectConfig;
use notecheck::parse_note;

#[path = "../fuzz/vocab.rs"]
#[allow(dead_code)]
mod vocab;
use vocab::{DECLS, Gen, RELS};

#[test]
fn random_statements_never_panic() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let project = ProjectConfig::default();
    let mut notes = Vec::new();
    let mut results = Vec::new();
    let mut totals = notecheck::Counts::default();
    for k in 0..240 {
        if k % 60 == 0 {
            g = Gen(0x9E37_79B9_7F4A_7C15 ^ (k as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        }
        let mut body = String::from(DECLS);
        for _ in 0..25 {
            let lhs = g.expr();
            let rel = g.pick(RELS);
            let line = if rel.contains('∈') {
                format!("{lhs}{rel}\n")
            } else {
                format!("{lhs}{rel}{}\n", g.expr())
            };
            body.push_str(&line);
        }
        let einstein = if k % 3 == 0 { " einstein" } else { "" };
        let src = format!("---\ncheck:\n  trials: 1\n---\n\n```check{einstein}\n{body}```\n");
        let note = parse_note(
            format!("fuzz{k}.md"),
            PathBuf::from(format!("fuzz{k}.md")),
            src,
        );
        let r = notecheck::check(&note, &project);
        assert!(r.counts.total() >= 25, "every statement gives a verdict");
        if k == 0 {
            eprintln!("counts of the first note: {:?}", r.counts);
        }
        totals.merge(&r.counts);
        notes.push(note);
        results.push(r);
    }
    assert!(
        totals.pass + totals.fail > 100,
        "many statements evaluate: {totals:?}"
    );
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    let opts = notecheck::SiteOptions {
        title: "fuzz".into(),
        templates_dir: None,
        version: "0".into(),
        command: "notecheck check".into(),
        ..Default::default()
    };
    let checked: Vec<notecheck::CheckedNote> = notes
        .iter()
        .zip(results)
        .map(|(n, r)| notecheck::CheckedNote::new(n, [0; 32], r))
        .collect();
    notecheck::render_site(&checked, &opts, out).expect("renders");
}

#[test]
#[ignore]
fn show_some_random_statements() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20 {
        let lhs = g.expr();
        let rel = g.pick(RELS);
        println!("{lhs}{rel}{}", g.expr());
    }
}
