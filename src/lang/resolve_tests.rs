//! Unit tests of the resolver.

use super::*;

use crate::config::CheckSettings;
use crate::lang::compile::{CompiledKind, compile};
use crate::note::parse_note;

/// The error messages of each statement (None when it resolved).
fn errors(body: &str) -> Vec<Option<String>> {
    let note = parse_note(
        "t.md".into(),
        "t.md".into(),
        format!("```check\n{body}\n```\n"),
    );
    let c = compile(&note, &CheckSettings::default(), &BTreeMap::new());
    c.blocks[0]
        .stmts
        .iter()
        .map(|s| match &s.kind {
            CompiledKind::Error(l) => Some(l.message().to_string()),
            CompiledKind::Claims(cs) => cs
                .iter()
                .find_map(|c| c.result.as_ref().err().map(|l| l.message().to_string())),
            CompiledKind::Define(Err(l)) | CompiledKind::Show(Err(l)) => {
                Some(l.message().to_string())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn shapes_are_symbolic_and_identity_sizes_inferred() {
    let e = errors("let W ∈ R^{n×m}\nlet x ∈ R^m\nW x = I W x\nW x = x W\ntr(I) = 3");
    assert_eq!(e[2], None, "I takes size n from W");
    assert!(e[3].as_deref().unwrap().contains("m×1"), "{:?}", e[3]);
    assert!(
        e[4].as_deref()
            .unwrap()
            .contains("size of I cannot be inferred"),
        "{:?}",
        e[4]
    );
}

#[test]
fn definitions_keep_their_meaning_and_broken_ones_propagate() {
    let e = errors("let x ∈ R^n\nlet f = x + y\nf = f\nlet y ∈ R^n\nlet g = x + y\ng = g");
    assert!(e[1].as_deref().unwrap().contains("unknown name 'y'"));
    assert!(
        e[2].as_deref()
            .unwrap()
            .contains("definition at line 3 is an error"),
        "{:?}",
        e[2]
    );
    assert_eq!(e[4], None);
    assert_eq!(e[5], None);
}

#[test]
fn einstein_sums_repeated_indices() {
    let note = parse_note(
        "t.md".into(),
        "t.md".into(),
        "```check einstein\nlet A ∈ R^{n×n}\nlet x ∈ R^n\nx_i A_ij x_j = x^T A x\n```\n".into(),
    );
    let c = compile(&note, &CheckSettings::default(), &BTreeMap::new());
    let CompiledKind::Claims(cs) = &c.blocks[0].stmts[2].kind else {
        panic!("a claim")
    };
    let claim = cs[0].result.as_ref().expect("resolves");
    assert!(claim.free.is_empty(), "i and j are summed");
    assert!(matches!(claim.lhs.kind, ExprKind::Sum(..)));
}

#[test]
fn split_suggestion() {
    let known = vec!["W".to_string(), "x".to_string(), "W1".to_string()];
    assert_eq!(split_name("Wx", &known), Some(vec!["W".into(), "x".into()]));
    assert_eq!(
        split_name("W1x", &known),
        Some(vec!["W1".into(), "x".into()])
    );
    assert_eq!(split_name("zz", &known), None);
    // Bounded: a 1 MB name is no suggestion, and costs nothing.
    let started = std::time::Instant::now();
    assert_eq!(split_name(&"Wx".repeat(500_000), &known), None);
    let near = crate::lang::suggest::nearest_builtins(&format!("softmax{}", "x".repeat(1_000_000)));
    assert_eq!(near, None);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn a_shape_mismatch_labels_both_factors_in_the_note_source() {
    // The block sits in a list item: its body lost three columns.
    let source = "# T\n\n1. item\n\n   ```check\n   let A ∈ R^{m×n}\n   let B ∈ R^{k×n}\n   A B = A\n   ```\n";
    let note = parse_note("t.md".into(), "t.md".into(), source.to_string());
    let c = compile(&note, &CheckSettings::default(), &BTreeMap::new());
    let claim = c.blocks[0]
        .stmts
        .iter()
        .find_map(|s| match &s.kind {
            CompiledKind::Claims(cs) => Some(&cs[0]),
            _ => None,
        })
        .unwrap();
    let l = claim.result.as_ref().unwrap_err();
    assert!(
        l.message().starts_with("shape mismatch in a product"),
        "{l:?}"
    );
    // Line 8 of the file, the product's operator (the space between A and B)
    // at the file's column.
    assert_eq!((l.line, l.col), (8, 5));
    let text = |s: crate::diag::Span| &source[s.start..s.end];
    assert_eq!(l.diag.labels.len(), 2);
    assert_eq!(text(l.diag.labels[0].span), "A");
    assert_eq!(l.diag.labels[0].text, "left factor is m×n");
    assert_eq!(text(l.diag.labels[1].span), "B");
    assert_eq!(l.diag.labels[1].text, "right factor is k×n");
    assert_eq!(text(claim.span), "A B = A");
}
