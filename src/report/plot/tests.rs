//! Every figure kind: well-formed SVG (inline and as a file), described,
//! legible (no text under [`MIN_FONT`]), deterministic, no fixed text colour.

use super::*;
use crate::check::verdict::{DerivativeFigure, Matrix};

fn m(data: Vec<Vec<f64>>) -> Matrix {
    Matrix {
        rows: data.len(),
        cols: data.first().map_or(0, Vec::len),
        data,
    }
}

fn fd() -> DerivativeFigure {
    DerivativeFigure {
        trial: 3,
        dims: [("C".to_string(), 5)].into_iter().collect(),
        computed: None,
        claimed: None,
        fd_curve: (1..=12)
            .map(|k| {
                let h = 10f64.powi(-k);
                (h, h * h + 1e-16 / h)
            })
            .collect(),
        step_used: 1e-6,
    }
}

/// Parses `svg` and checks what every figure must have.
fn check(svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let kids: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(kids[0].tag_name().name(), "title");
    assert!(!kids[0].text().unwrap_or("").is_empty());
    assert_eq!(kids[1].tag_name().name(), "desc");
    assert!(kids[1].text().unwrap_or("").len() > 20);
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        // The font size in force: the nearest ancestor's.
        let size = n
            .ancestors()
            .find_map(|a| a.attribute("font-size"))
            .expect("every text has a font size");
        let size: f64 = size.parse().unwrap();
        assert!(size >= MIN_FONT, "text at {size}: {:?}", n.text());
    }
    // Text is never fixed black: it follows the page (currentColor).
    assert!(!svg.contains("fill=\"#000") && !svg.contains("fill=\"black\""));
}

#[test]
fn every_figure_kind_is_well_formed_and_legible() {
    let a = m(vec![vec![1.0, -2.0, 0.5], vec![0.0, 3.25, f64::NAN]]);
    let b = m(vec![vec![1.0, -2.0, 0.5], vec![0.1, 3.0, 1.0]]);
    let d = difference(&a, &b).unwrap();
    let big = m((0..40)
        .map(|i| (0..40).map(|j| (i * j) as f64 - 300.0).collect())
        .collect());
    let cases: Vec<Figure> = vec![
        heatmaps(
            &[
                Panel {
                    title: "exact".into(),
                    matrix: &a,
                },
                Panel {
                    title: "claimed".into(),
                    matrix: &b,
                },
                Panel {
                    title: "exact − claimed".into(),
                    matrix: &d,
                },
            ],
            "Derivative values in trial 3 (2×3)",
            "Three panels <&> described.",
            "L1-scale",
            true,
        )
        .unwrap(),
        heatmaps(
            &[Panel {
                title: "40×40".into(),
                matrix: &big,
            }],
            "Value in trial 1",
            "A large heatmap described in words.",
            "S1-scale",
            true,
        )
        .unwrap(),
        fd_plot(&fd(), "Central difference against the exact derivative").unwrap(),
    ];
    for f in &cases {
        check(&f.inline());
        check(&f.standalone());
        assert!(
            f.standalone()
                .contains("xmlns=\"http://www.w3.org/2000/svg\"")
        );
        assert!(f.standalone().contains("prefers-color-scheme:dark"));
        assert!(f.width <= 480.0, "{} wide", f.width);
    }
    assert!(cases[0].desc.contains("not finite"));
    assert!(cases[2].desc.contains("trial 3,"));
    assert!(cases[2].body.contains("h used = 10⁻⁶"));
    assert!(cases[2].body.contains("∝ h²") && cases[2].body.contains("∝ 1/h"));
    let counts = Counts {
        pass: 25,
        xfail: 6,
        ..Default::default()
    };
    check(&verdict_bars(&counts, "Verdicts in this note"));
    let rows = vec![
        (
            "A note with a rather long title indeed, longer than the chart".to_string(),
            counts,
        ),
        ("Empty".to_string(), Counts::default()),
    ];
    let site = site_bars(&rows, "Verdicts by note");
    check(&site);
    // Counts are written as text, not only as coloured bars.
    assert!(site.contains(">25 pass, 6 expected fail</text>"));
    assert!(site.contains(">no claims</text>"));
}

#[test]
fn figures_are_deterministic() {
    let a = m(vec![vec![0.3, -1.83], vec![2.0, 0.0]]);
    let draw = || {
        heatmaps(
            &[Panel {
                title: "v".into(),
                matrix: &a,
            }],
            "t",
            "a description",
            "x",
            true,
        )
        .unwrap()
        .standalone()
            + &fd_plot(&fd(), "t").unwrap().inline()
    };
    assert_eq!(draw(), draw());
}

#[test]
fn small_values_are_labelled_on_their_cells() {
    let a = m(vec![vec![0.25, -1.5], vec![2.0, 1e-17]]);
    let f = heatmaps(
        &[Panel {
            title: "v".into(),
            matrix: &a,
        }],
        "t",
        "a description",
        "x",
        true,
    )
    .unwrap();
    for label in [">0.25<", ">−1.5<", ">2<", ">≈0<"] {
        assert!(f.body.contains(label), "{label} in {}", f.body);
    }
    // The legend names the scale's ends.
    assert!(f.body.contains(">−2<") && f.body.contains(">one shared scale<"));
}
