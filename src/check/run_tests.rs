//! Tests of `run.rs`.
use super::*;

#[test]
fn messages_never_echo_giant_tokens() {
    assert_eq!(clip_message("unknown name 'ab'"), "unknown name 'ab'");
    let long = format!("unknown name '{}' here", "x".repeat(10_000));
    let m = clip_message(&long);
    assert!(
        m.starts_with(&format!("unknown name '{}…", "x".repeat(59))),
        "{m}"
    );
    assert!(m.ends_with(" here"), "{m}");
    assert!(m.chars().count() < 100);
    let many = "word ".repeat(2_000);
    assert!(clip_message(&many).chars().count() <= 2_001);
    assert_eq!(clip_message("a\nb"), "a b");
}

#[test]
fn non_finite_entries_are_named() {
    assert_eq!(
        not_finite(&DMatrix::from_element(1, 1, f64::NAN)).unwrap(),
        "is NaN"
    );
    let m = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, f64::NEG_INFINITY, 0.0]);
    assert_eq!(not_finite(&m).unwrap(), "is −∞ at entry (2, 1)");
    assert!(not_finite(&DMatrix::from_element(3, 3, 1.0)).is_none());
}

#[test]
fn an_odometer_too_large_to_count_is_an_error() {
    let mut free = BTreeMap::new();
    free.insert("i".to_string(), Dim::sym("n"));
    free.insert("j".to_string(), Dim::sym("n"));
    let dims = BTreeMap::from([("n".to_string(), 1u64 << 40)]);
    assert!(Odometer::new(&free, &dims).is_err());
}
