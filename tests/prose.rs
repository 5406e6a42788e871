//! Prose display equations as claims (spec section 6), through the real binary.

use std::process::Command;

use serde_json::Value;

fn check(dir: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["check", dir, "--format", "json", "--no-cache"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn note<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["path"].as_str().unwrap().ends_with(name))
        .unwrap()
}

fn claim(n: &Value, line: u64) -> Vec<&Value> {
    n["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["line"] == line)
        .collect()
}

#[test]
fn aligned_chain_rows_at_their_lines_with_the_planted_mistake_failing() {
    let v = check("tests/fixtures/prose");
    let n = note(&v, "chains.md");
    // Row 1 (line 11): the definition `f = W x` from the previous equation is used.
    assert_eq!(claim(n, 11)[0]["status"], "pass");
    assert_eq!(claim(n, 11)[0]["col"], 12);
    assert_eq!(claim(n, 12)[0]["status"], "pass");
    assert_eq!(claim(n, 12)[0]["col"], 4);
    let bad = claim(n, 13)[0];
    assert_eq!(bad["status"], "fail");
    assert_eq!(bad["source"], "latex");
    // The diagnosis is its own field, apart from the message.
    assert!(
        bad["diagnosis"]
            .as_str()
            .unwrap()
            .contains("Kronecker factors swapped"),
        "{bad}"
    );
    // `% check: should-fail` on a wrong transpose.
    assert_eq!(claim(n, 20)[0]["status"], "xfail");
    // `% check` on an equation with no relation is an error at its line.
    let e = claim(n, 34)[0];
    assert_eq!(e["status"], "error");
    assert!(e["message"].as_str().unwrap().contains("cannot be checked"));
    // An unknown `% check` option is a clear error; the equation is still checked.
    let opt = claim(n, 38);
    assert!(opt.iter().any(|c| c["status"] == "pass"));
    assert!(
        opt.iter()
            .any(|c| c["status"] == "error" && c["message"].as_str().unwrap().contains("bogus"))
    );
    let eq = &n["equations"];
    assert_eq!(eq["display"], 7);
    assert_eq!(eq["reasons"]["undeclared p_{11}"], 1);
    assert_eq!(eq["reasons"]["\\int"], 1);
}

#[test]
fn adapted_course_notes() {
    let v = check("tests/fixtures/prose");
    let n = note(&v, "study-hub-matrix-calculus.md");
    // The three gradient identities of the original hold as written.
    let passed: Vec<u64> = n["claims"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "pass")
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert_eq!(passed, vec![22, 26, 30]);
    assert_eq!(n["equations"]["unchecked"], 1);
    // Declarations and a definition from the prose; the rest is unchecked with reasons.
    let n = note(&v, "basic-ml-dl-backprop.md");
    assert_eq!(n["equations"]["display"], 7);
    assert_eq!(n["equations"]["checked"], 4);
    assert_eq!(n["equations"]["reasons"]["unknown function σ"], 1);
    assert_eq!(
        n["equations"]["reasons"]["no relation (not a statement)"],
        1
    );
    assert_eq!(v["summary"]["equations"]["display"], 18);
}

#[test]
fn latex_off_checks_no_equation() {
    let dir = std::env::temp_dir().join("notecheck-prose-off");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prose/chains.md"),
    )
    .unwrap();
    std::fs::write(
        dir.join("c.md"),
        format!("---\ncheck:\n  latex: off\n---\n{src}"),
    )
    .unwrap();
    let v = check(dir.to_str().unwrap());
    let n = &v["notes"][0];
    assert_eq!(n["equations"]["checked"], 0);
    // Only the `% check` equations are still read (and they fail to check).
    assert!(
        n["claims"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != "fail")
    );
}

#[test]
fn verbose_lists_unchecked_equations_and_a_coverage_line_ends_the_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["check", "tests/fixtures/prose", "-v", "--no-cache"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("tests/fixtures/prose/chains.md:25: unchecked: undeclared p_{11}"),
        "{text}"
    );
    assert!(
        text.contains("tests/fixtures/prose/chains.md:29: unchecked: \\int"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let n = lines.len();
    assert!(
        lines[n - 2].starts_with("equations: 18 display, 11 checked"),
        "{text}"
    );
    assert!(lines[n - 1].ends_with("failed"), "{text}");
    // The failing row is reported inside the math, with its LaTeX line.
    assert!(text.contains("chains.md:13:4: fail"), "{text}");
}

#[test]
fn the_seeds_own_equations() {
    let v = check("tests/fixtures/prose-seed");
    let n = note(&v, "seed-steps.md");
    // The ill-formed Einstein step is an error on the seed's own line, named.
    let step = claim(n, 9);
    assert!(
        step.iter()
            .all(|c| c["status"] == "error" && c["label"] == "1c")
    );
    assert!(
        step[0]["message"]
            .as_str()
            .unwrap()
            .contains("index i appears 3 times")
    );
    // The aligned chain (1): one claim per row, at the column of its `&=`.
    let chain = claim(n, 12);
    assert_eq!(chain.len(), 3);
    assert!(
        chain
            .iter()
            .all(|c| c["status"] == "pass" && c["label"] == "1")
    );
    let src = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/prose-seed/seed-steps.md"),
    )
    .unwrap();
    let line12: Vec<char> = src.lines().nth(11).unwrap().chars().collect();
    for c in &chain {
        let col = c["col"].as_u64().unwrap() as usize;
        assert_eq!(line12[col - 1], '=', "{c}");
    }
    assert_eq!(claim(n, 14)[0]["status"], "pass");
    // The seed's wrong shape, marked should-fail, is an expected failure.
    let shape = claim(n, 23)[0];
    assert_eq!(shape["status"], "xfail");
    assert!(
        shape["message"].as_str().unwrap().contains("60×2")
            || shape["message"].as_str().unwrap().contains("×")
    );
}

/// `notecheck check` of `args` in the crate's folder: (exit code, stdout).
fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(args)
        .arg("--no-cache")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn equation_claims_carry_source_and_place_in_every_output_and_can_be_targeted() {
    const NOTE: &str = "tests/fixtures/prose/chains.md";
    // JSON: every claim of this note is a prose equation's.
    let v = check(NOTE);
    let claims = v["notes"][0]["claims"].as_array().unwrap();
    assert!(claims.len() >= 5, "{v}");
    assert!(claims.iter().all(|c| c["source"] == "latex"), "{v}");
    // JUnit: the case of the planted mistake (line 13, the second display
    // equation) names its equation and its source.
    let (code, xml) = run(&["check", NOTE, "--format", "junit"]);
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let prop = |case: roxmltree::Node, name: &str| {
        case.descendants()
            .find(|p| p.has_tag_name("property") && p.attribute("name") == Some(name))
            .and_then(|p| p.attribute("value"))
            .map(str::to_string)
    };
    let case = doc
        .descendants()
        .find(|c| c.has_tag_name("testcase") && prop(*c, "line").as_deref() == Some("13"))
        .expect("a case at line 13");
    assert_eq!(prop(case, "place").as_deref(), Some("#eq-2"));
    assert_eq!(prop(case, "source").as_deref(), Some("latex"));
    assert!(case.attribute("name").unwrap().starts_with("#eq-2 "));
    assert!(case.children().any(|c| c.has_tag_name("failure")), "{xml}");
    // GitHub: the annotation sits on the equation's line and names it.
    let (_, gh) = run(&["check", NOTE, "--format", "github"]);
    assert!(
        gh.lines().any(|l| l.starts_with("::error file=")
            && l.contains(",line=13,")
            && l.contains("title=notecheck fail%3A #eq-2")),
        "{gh}"
    );
    // Targeting a line of an equation reports that row's claim alone.
    let (code, out) = run(&["check", &format!("{NOTE}:13"), "--format", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let at: Vec<(u64, &str)> = v["notes"][0]["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["line"].as_u64().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(at, vec![(13, "fail")]);
    let (code, _) = run(&["check", &format!("{NOTE}:12")]);
    assert_eq!(code, 0, "the row above holds");
}

/// `notecheck check DIR --format json` with `DIR/notecheck.yaml`.
/// `notecheck build INPUT` into a fresh folder: (its guard, the site
/// folder, the run's output).
fn build_site(input: &str) -> (tempfile::TempDir, std::path::PathBuf, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["build", input, "-o", site.to_str().unwrap()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    (dir, site, out)
}

fn check_project(dir: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["check", dir, "--format", "json", "--no-cache", "--config"])
        .arg(format!("{dir}/notecheck.yaml"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn statuses(n: &Value, line: u64) -> Vec<String> {
    claim(n, line)
        .iter()
        .map(|c| c["status"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn note_macros_reach_the_claim_reader() {
    let started = std::time::Instant::now();
    let v = check_project("tests/fixtures/prose-tex");
    let n = note(&v, "macros.md");
    // `\newcommand` in inline math and in a display, `\DeclareMathOperator`,
    // an argument macro (`\norm`), the front matter's `\vy` and the
    // project's `\mC`: the true equations pass.
    assert_eq!(statuses(n, 27), ["pass", "pass"]);
    assert_eq!(statuses(n, 33), ["pass"]);
    assert_eq!(statuses(n, 38), ["pass"]);
    assert_eq!(statuses(n, 46), ["pass"]);
    assert_eq!(statuses(n, 50), ["pass"]);
    // The planted mistakes fail, at their row and at the column of their
    // relation in the file as written (before expansion).
    let bad = claim(n, 39)[0];
    assert_eq!(
        (bad["status"].as_str(), bad["col"].as_u64()),
        (Some("fail"), Some(4))
    );
    let bad = claim(n, 54)[0];
    assert_eq!(
        (bad["status"].as_str(), bad["col"].as_u64()),
        (Some("fail"), Some(18))
    );
    assert!(
        bad["message"].as_str().unwrap().contains("sides differ"),
        "{bad}"
    );
    // A display that only defines macros shows nothing and is no equation;
    // the one that declares `\mB` after defining it is read.
    let eq = &n["equations"];
    assert_eq!(eq["display"], 8, "{eq}");
    assert_eq!(eq["checked"], 7, "{eq}");
    // A macro defined in terms of itself: unchecked with the reason, quickly.
    assert_eq!(eq["unchecked"], 1, "{eq}");
    let reasons = eq["reasons"].as_object().unwrap();
    assert!(
        reasons
            .keys()
            .any(|r| r.contains("defined in terms of itself")),
        "{eq}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn an_equation_marked_check_whose_macros_do_not_expand_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.md"),
        "# M\n\n$$\n\\newcommand\\a{\\a\\a}\n\\a = 1 % check\n$$\n\n$$\n\\newcommand{\\b}[2]{#1 + #2}\n2 = \\b{1}\n$$\n",
    )
    .unwrap();
    let v = check(dir.path().to_str().unwrap());
    let n = &v["notes"][0];
    let e = claim(n, 4)[0];
    assert_eq!(e["status"], "error", "{n}");
    assert!(
        e["message"].as_str().unwrap().contains("cannot be checked"),
        "{e}"
    );
    // A missing argument: unchecked with the macro's message.
    let reasons = n["equations"]["reasons"].as_object().unwrap();
    assert!(
        reasons.keys().any(|r| r.contains("\\b takes 2 argument")),
        "{n}"
    );
}

#[test]
fn sum_bounds_in_the_prose_are_honoured_or_the_equation_is_unchecked() {
    let v = check_project("tests/fixtures/prose-tex");
    let n = note(&v, "bounds.md");
    // `\sum_{i=1}^{N}` nested in a norm, `\sum\limits_{n=0}^{N-1}`, bounds in
    // the other order, `i \in [N]`, and `\sum_{i,j=1}^{N}`: true, they pass.
    for line in [9, 15, 22, 23, 27] {
        assert_eq!(statuses(n, line), ["pass"], "line {line}: {n}");
    }
    // The planted mistake (the sides sum over different axes) fails.
    let bad = claim(n, 33)[0];
    assert_eq!(
        (bad["status"].as_str(), bad["col"].as_u64()),
        (Some("fail"), Some(22))
    );
    // A bound that disagrees with its index's axis is an error at the bound
    // (read as `\sum_j` it would have passed).
    let e = claim(n, 39)[0];
    assert_eq!(
        (e["status"].as_str(), e["col"].as_u64()),
        (Some("error"), Some(13))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("upper bound N differs"),
        "{e}"
    );
    // Bounds the language cannot write: unchecked, each with its reason.
    let eq = &n["equations"];
    assert_eq!(
        (eq["display"].as_u64(), eq["checked"].as_u64()),
        (Some(9), Some(6)),
        "{eq}"
    );
    let reasons = &eq["reasons"];
    assert_eq!(reasons["\\sum_{i=2}^{N}: part of the range"], 1, "{eq}");
    assert_eq!(reasons["\\sum_{i=1}^{M}: undeclared M"], 1, "{eq}");
    assert_eq!(
        reasons["\\sum_{i=0}^{N-1}: 0-based, with the index in an affine subscript"], 1,
        "{eq}"
    );
    for line in [46, 50, 54] {
        assert!(claim(n, line).is_empty(), "line {line} is not checked");
    }
}

#[test]
fn yaml_macro_arguments_typeset_and_numeric_labels_get_their_own_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Unquoted, ` #1` would be a YAML comment: the body is given back.
    std::fs::write(
        root.join("notecheck.yaml"),
        "math:\n  macros:\n    \\norm: \\left\\| #1 \\right\\|\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("notes")).unwrap();
    std::fs::write(
        root.join("notes/n.md"),
        "# N\n\nLet $\\mathbf x \\in \\mathbb R^n$.\n\n$$\n\\begin{equation}\n\\norm{\\mathbf x}^2 = \\mathbf x^\\top \\mathbf x \\label{1}\n\\end{equation}\n$$\n\n$$\n\\begin{equation}\n\\norm{2 \\mathbf x} = 2 \\norm{\\mathbf x} \\label{2}\n\\end{equation}\n$$\n\nBy $\\eqref{1}$ and \\eqref{2}.\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_notecheck"))
        .args(["build", "--no-cache", "--strict"])
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");
    let page = std::fs::read_to_string(root.join("site/n.html")).unwrap();
    assert!(!page.contains("math-error"), "the norm is typeset");
    // Every id of the page is unique; the labels `1` and `2` do not take
    // the display equations' `eq-1`, `eq-2`.
    let ids: Vec<&str> = page
        .split(" id=\"")
        .skip(1)
        .map(|t| t.split('"').next().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    assert!(
        ids.contains(&"eq-1") && ids.contains(&"eq-label-1"),
        "{ids:?}"
    );
    // The references link to the labels' anchors.
    assert!(page.contains("href=\"#eq-label-1\">(1)</a>"), "{page}");
    assert!(page.contains("href=\"#eq-label-2\">(2)</a>"), "{page}");
    // Both equations, read through the project's macro, pass.
    let v = check_project(root.to_str().unwrap());
    let n = &v["notes"][0];
    assert_eq!(statuses(n, 7), ["pass"], "{n}");
    assert_eq!(statuses(n, 13), ["pass"], "{n}");
}

#[test]
fn the_second_order_note_carries_its_claims_in_its_equations() {
    let v = check("notes/09-second-order.md");
    let n = &v["notes"][0];
    let claims = n["claims"].as_array().unwrap();
    // Every claim is a prose equation's; none is in a check block any more.
    assert!(claims.iter().all(|c| c["source"] == "latex"), "{n}");
    let count = |s: &str| claims.iter().filter(|c| c["status"] == s).count();
    assert_eq!(
        (count("pass"), count("xfail"), claims.len()),
        (20, 3, 23),
        "{n}"
    );
    // `\Big|_{\mathbf w = \hat{\mathbf w}}`: the gradient vanishes at the optimum.
    assert_eq!(statuses(n, 80), ["pass"]);
    // The ridge Hessian's chain `= … \succ 0`, one claim per relation.
    assert_eq!(statuses(n, 98), ["pass", "pass"]);
    // The bounded entry sum of the logistic Hessian.
    assert_eq!(statuses(n, 141), ["pass"]);
    // The forgotten factor 2 is an expected failure that names the factor.
    let slip = claim(n, 170)[0];
    assert_eq!(slip["status"], "xfail");
    assert!(
        slip["diagnosis"].as_str().unwrap().contains("factor 2"),
        "{slip}"
    );
    let eq = &n["equations"];
    assert_eq!(
        (eq["display"].as_u64(), eq["checked"].as_u64()),
        (Some(17), Some(16)),
        "{eq}"
    );
}

/// Real notes from public repositories (tests/fixtures/realnotes/README in
/// tests/fixtures/README): the verdicts a new user gets on them.
#[test]
fn real_least_squares_derivation_reads_square_brackets_as_a_group() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "derivation-normal-equations.md");
    // The five rows of the expansion of eᵀe (the `align` with `\tag{1}`):
    // true, and they pass.
    for line in 41..=45 {
        assert_eq!(claim(n, line)[0]["status"], "pass", "line {line}");
    }
    // `\frac{\partial}{\partial \beta} \left[ e^T e \right] &= 0`: the
    // brackets group (it was an `error`, "matrix literal entries must be
    // scalars", on a correct note). The row is a condition (the gradient
    // set to zero), not an identity, so it fails with its evidence, and
    // the diagnosis asks whether it is a condition on the declared β̂ (read
    // through the definition of e on line 55).
    for line in [55, 56] {
        let c = claim(n, line)[0];
        assert_eq!(c["status"], "fail", "line {line}: {c}");
        assert!(!c["message"].as_str().unwrap().contains("matrix literal"));
        let d = c["diagnosis"].as_str().unwrap_or_default();
        assert!(
            d.starts_with("a condition rather than an identity? β̂"),
            "line {line}: {c}"
        );
    }
    assert_eq!(n["equations"]["failed"], 2);
}

#[test]
fn kramdown_double_dollars_in_running_text_are_inline_math() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "derivation-normal-equations.md");
    // "we model an output variable $$y$$ (…) as a linear combination of …
    // $$X$$ plus some independent noise $$\epsilon$$": 16 such formulas are
    // inline math, as Jekyll's kramdown reads them, not display equations
    // (they were: 22 display, 12 "no relation"). So is `$$\sum_i e_i^2 =
    // e^Te$$` (line 37): inline math is never a claim.
    assert_eq!(n["equations"]["display"], 6, "{}", n["equations"]);
    assert!(claim(n, 37).is_empty());
    let (_dir, site, out) = build_site("tests/fixtures/realnotes");
    assert!(out.status.code().is_some(), "{out:?}");
    let p = std::fs::read_to_string(site.join("derivation-normal-equations.html")).unwrap();
    assert!(
        p.contains("we model an output variable <math display=\"inline\">"),
        "the sentence is not broken by a display block"
    );
    // `$$\Sigma$$ is a symmetric …` opens its line but text follows: inline
    // too; `$$X \in \mathbb{R}^{D \times N}$$` alone on its line is display.
    let n = note(&v, "pca.md");
    assert_eq!(n["equations"]["display"], 6, "{}", n["equations"]);
    let p = std::fs::read_to_string(site.join("pca.html")).unwrap();
    // `\underbrace{…}_{\text{$\nabla_w[w^TAw] = 2Aw$ when $A$ is
    // symmetric}}`: the math in the text is typeset, not shown with dollars.
    let lr = std::fs::read_to_string(site.join("linear-regression-revisited.html")).unwrap();
    assert!(!lr.contains("<mtext>$"), "dollars shown");
    assert!(lr.contains("<mtext>&nbsp;when&nbsp;</mtext>"));
    let at = p
        .find("</math> is a diagonal matrix")
        .expect("Λ before its words");
    let open = p[..at].rfind("<math").unwrap();
    assert!(
        p[open..].starts_with("<math display=\"inline\">"),
        "{}",
        &p[open..at]
    );
}

#[test]
fn real_pca_note_declares_x_again_with_another_shape() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "pca.md");
    // `$$X \in \mathbb{R}^D$$` (line 5), then "Suppose we instead have
    // data … $$X \in \mathbb{R}^{D \times N}$$" (line 19): a new meaning of
    // X, not a membership claim that fails (it failed: "the value is 2×1").
    assert!(claim(n, 19).is_empty(), "{:?}", claim(n, 19));
    assert_eq!(n["equations"]["failed"], 0);
}

#[test]
fn a_redeclared_name_has_its_new_shape_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.md");
    std::fs::write(
        &p,
        "Let $X \\in \\mathbb{R}^{D}$.\n\n$$\nX^T X = X^T X\n$$\n\n\
         We stack them instead:\n$$\nX \\in \\mathbb{R}^{D \\times N}\n$$\n\
         $$\n\\operatorname{tr}(X^T X) = \\|X\\|^2\n$$\n\n\
         $$\nX^T X \\in \\mathbb{R}^{N \\times N}\n$$\n",
    )
    .unwrap();
    let v = check(p.to_str().unwrap());
    let n = &v["notes"][0];
    assert_eq!(claim(n, 4)[0]["status"], "pass");
    assert_eq!(claim(n, 12)[0]["status"], "pass");
    // XᵀX is N×N with the new shape (1×1 with the old one).
    let last = claim(n, 16)[0];
    assert_eq!(last["status"], "pass", "{last}");
}

#[test]
fn real_notes_unchecked_reasons() {
    let v = check("tests/fixtures/realnotes");
    // `&\text{Objective:} &&\min_{w} …`: the caption column before `&&`
    // is skipped and the math after it read (the reason was "no relation").
    let n = note(&v, "linear-regression-revisited.md");
    assert_eq!(n["equations"]["reasons"]["\\min"], 1, "{}", n["equations"]);
    assert!(n["equations"]["reasons"]["no relation (not a statement)"].is_null());
    // Nothing in these notes crashes or is an error on its own.
    for n in v["notes"].as_array().unwrap() {
        let claims = n["claims"].as_array().map_or(&[][..], |c| c.as_slice());
        for c in claims {
            if c["status"] == "error" {
                // `w = (X^TX)^{-1}X^Ty` on trials with fewer rows than
                // columns, and the note's own typo `2X^y` (an exponent y).
                let m = c["message"].as_str().unwrap();
                assert!(
                    m.contains("singular") || m.contains("an exponent must be a scalar"),
                    "{}: {c}",
                    n["path"]
                );
            }
        }
    }
}

#[test]
fn kramdown_escaped_mathjax_delimiters_typeset_and_define_macros() {
    // MarkusThill.github.io: the post's macros sit in `\\( … \\)` (kramdown
    // for MathJax's `\( … \)`): `\renewcommand{\vec}`, `\def\Wmatr`,
    // `\newcommand{\batch}`. They were shown as text, and every use was a
    // warning ("unknown command \Wmatr", 10 of them) or an arrow (`\vec`).
    let (_dir, site, out) = build_site("tests/fixtures/realnotes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("neural-nets-and-backprop.md"), "{stderr}");
    let p = std::fs::read_to_string(site.join("neural-nets-and-backprop.html")).unwrap();
    assert!(!p.contains("math-error"));
    assert!(
        !p.contains("\\renewcommand"),
        "the definitions show nothing"
    );
    // `\Wmatr` is `\boldsymbol{\mathbf{W}}`; `\vec a` is bold, not an arrow.
    assert!(p.contains("<mi>𝐖</mi>"));
    assert!(p.contains("<mi>𝐚</mi>"));
    assert!(!p.contains("<mi>→</mi>"));
    // Inline formulas in the same text still typeset, references resolve.
    assert!(p.contains("a bias term <math display=\"inline\">"));
    assert!(
        p.contains("In matrix form, Eq. <a class=\"eqref\" href=\"#eq-eq:activation\">(1)</a>"),
        "{p}"
    );
    // The claim reader expands the same macros: no equation is unchecked
    // for `\vec`, `\matr`, `\Wmatr` or `\batch` any more (10 were).
    let v = check("tests/fixtures/realnotes");
    let r = &note(&v, "neural-nets-and-backprop.md")["equations"]["reasons"];
    for m in ["\\vec", "\\matr", "\\Wmatr", "\\batch", "\\mathord"] {
        assert!(r[m].is_null(), "{m}: {r}");
    }
    assert_eq!(r["undeclared δ"], 1, "{r}");
    // A macro defined in `\\( … \\)` makes an equation checkable.
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("m.md");
    std::fs::write(
        &m,
        "# m\n\n\\\\(\n\\newcommand{\\vx}{\\mathbf{x}}\n\\\\)\n\n\
         ```check hide\nlet x ∈ R^n\n```\n\n$$\n\\vx^T \\vx = \\|\\vx\\|^2\n$$\n",
    )
    .unwrap();
    let v = check(m.to_str().unwrap());
    assert_eq!(claim(&v["notes"][0], 12)[0]["status"], "pass", "{v}");
}

#[test]
fn real_softmax_derivation() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "softmax-derivative.md");
    // `a_j = \frac{e^{z_j}}{\sum_k e^{z_k}}` defines the family a_j (`e^{…}`
    // is exp: the note has no `e`; it was "undeclared e"), `L = -\sum_k y_k
    // \log a_k` defines L, and the chain rule through them holds.
    let c = claim(n, 23);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["status"], "pass");
    assert_eq!(c[0]["source"], "latex");
    // `\frac{\partial a_j}{\partial z_i} = a_i(1 - a_i), \quad i = j`: a
    // case split on indices, not a claim about all i, j: unchecked.
    assert!(claim(n, 14).is_empty() && claim(n, 15).is_empty());
    let r = &n["equations"]["reasons"];
    assert_eq!(
        r["starts with a relation (continues an equation before it)"], 2,
        "{r}"
    );
    assert!(r["undeclared e"].is_null());
    assert_eq!(n["equations"]["failed"], 0);
}

#[test]
fn real_closed_form_chain_with_an_underbrace_passes() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "linear-regression-revisited.md");
    // `&= w^TX^TXw - \underbrace{w^TX^Ty - y^TXw}_{scalars} + y^Ty` (line
    // 33) shows, and means, a - b - c; it was read a - (b - c): this row
    // and the next failed on a correct derivation.
    for line in 31..=34 {
        let c = claim(n, line);
        assert_eq!(c.len(), 1, "line {line}");
        assert_eq!(c[0]["status"], "pass", "line {line}: {}", c[0]);
    }
}

#[test]
fn real_gradient_rows_read_nabla_of_norms_fractions_and_zero_terms() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "linear-regression-revisited.md");
    // `\nabla_w \left\lVert \hat{y} - y \right\rVert_2^2 &= \nabla_w [w^TX^TXw
    // - 2w^TX^Ty + y^Ty]` and `&= \underbrace{2X^TXw}_{…} - 2X^Ty + 0`: the
    // gradient of a `\left\lVert…\right\rVert` norm, of a bracket, and a
    // `+ 0` term (the equation did not read: "expected ')'").
    assert_eq!(claim(n, 42)[0]["status"], "pass");
    assert_eq!(claim(n, 43)[0]["status"], "pass");
    // The note's typo `2X^y &= 2X^TXw` is an error at its place.
    let typo = claim(n, 44)[0];
    assert_eq!(typo["status"], "error");
    assert_eq!(typo["col"], 4);
    // `w_{t+1} &= w_t - \eta \nabla_w \frac{1}{n} \lVert Xw - y \rVert_2^2`:
    // `w_t` is a step, not an entry of w; unchecked, not a shape error.
    assert!(claim(n, 55).is_empty() && claim(n, 56).is_empty() && claim(n, 57).is_empty());
    assert_eq!(
        n["equations"]["reasons"]["subscript on w: an entry, or a label (a step, a sample)?"],
        1
    );
}

#[test]
fn nabla_of_a_norm_and_of_a_constant_times_a_function() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("g.md");
    std::fs::write(
        &p,
        "```check hide\nlet X ∈ R^{n×d}\nlet y ∈ R^n\nlet w ∈ R^d\nlet ŷ = X w\n```\n\n\
         $$\n\\nabla_w \\left\\lVert \\hat{y} - y \\right\\rVert_2^2 = 2X^T(Xw - y)\n$$\n\n\
         $$\n\\nabla_w \\left\\lVert \\hat{y} - y \\right\\rVert_2^2 = 2X^T(Xw)\n$$\n\n\
         $$\n\\nabla_w \\left\\| X w \\right\\|^2 = 2X^T X w\n$$\n\n\
         $$\n\\nabla_w \\frac{1}{2} \\lVert Xw - y \\rVert_2^2 = X^T(Xw - y)\n$$\n\n\
         $$\n\\nabla_w \\frac{1}{2} \\lVert Xw - y \\rVert_2^2 = X^T(Xw)\n$$\n",
    )
    .unwrap();
    let v = check(p.to_str().unwrap());
    let n = &v["notes"][0];
    // True gradients pass; the planted ones (the `- y` dropped) fail.
    for (line, status) in [
        (9, "pass"),
        (13, "fail"),
        (17, "pass"),
        (21, "pass"),
        (25, "fail"),
    ] {
        let c = claim(n, line);
        assert_eq!(c.len(), 1, "line {line}");
        assert_eq!(c[0]["status"], status, "line {line}: {}", c[0]);
    }
}

#[test]
fn calligraphic_loss_is_a_name() {
    // `\mathcal{L}` is the loss in most ML notes (it was unchecked, "\mathcal").
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("l.md");
    std::fs::write(
        &p,
        "```check hide\nlet z ∈ R^C\nlet y ∈ OneHot^C\n```\n\n\
         $$\n\\mathcal{L} = -y^T \\log(\\operatorname{softmax}(z))\n$$\n\n\
         $$\n\\nabla_{z} \\mathcal{L} = \\operatorname{softmax}(z) - y\n$$\n\n\
         $$\n\\frac{\\partial \\mathcal{L}}{\\partial z} = \\operatorname{softmax}(z)\n$$\n",
    )
    .unwrap();
    let v = check(p.to_str().unwrap());
    let n = &v["notes"][0];
    assert_eq!(claim(n, 11)[0]["status"], "pass");
    let bad = claim(n, 15)[0];
    assert_eq!(bad["status"], "fail");
    assert!(
        bad["expr"].as_str().unwrap_or("").contains('ℒ') || bad.to_string().contains('ℒ'),
        "{bad}"
    );
}

#[test]
fn references_in_a_display_are_annotations_pm_and_int_stay_unchecked() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.md");
    std::fs::write(
        &p,
        "```check hide\nlet x ∈ R^n\nlet A ∈ R^{n×n}\n```\n\n\
         $$\nx^T A x = x^T A^T x \\quad \\text{by } \\eqref{eq:t}\n$$\n\n\
         $$\nx^T A x \\overset{\\eqref{eq:t}}{=} x^T A x + 1\n$$\n\n\
         $$\n\\pm x = \\pm x\n$$\n\n\
         $$\nf(x) = \\int_0^1 x \\, \\mathrm{d}t\n$$\n",
    )
    .unwrap();
    let v = check(p.to_str().unwrap());
    let n = &v["notes"][0];
    assert_eq!(claim(n, 7)[0]["status"], "pass");
    assert_eq!(claim(n, 11)[0]["status"], "fail");
    // `\pm` is two equations or a set of roots; `\int` has no reading.
    let r = &n["equations"]["reasons"];
    assert_eq!(r["\\pm"], 1, "{r}");
    assert_eq!(r["\\int"], 1, "{r}");
    assert!(r["\\eqref"].is_null(), "{r}");
}

#[test]
fn real_trace_derivatives_in_index_notation_get_no_wrong_verdict() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "trace-derivatives.md");
    // Matrix-level rows hold and pass: ∂X_ij/∂X_kl = δ_ik δ_jl (line 21),
    // ∂tr(X)/∂X = I (27), ∂tr(XA)/∂X = Aᵀ (38).
    for line in [21, 27, 38] {
        let c = claim(n, line);
        assert_eq!(c.len(), 1, "line {line}");
        assert_eq!(c[0]["status"], "pass", "line {line}: {}", c[0]);
    }
    // The tensor-notation chains (`= δ_{ik} δ_{il} = δ_{kl} = I`,
    // `= B_{qi} A_{ip} = (BA)_{qp} = (BA)^T`) sum repeated indices
    // implicitly and equate an entry with its matrix: they were 14 errors
    // and 2 fails (one of them `(BA)_{pq}^T` read as a transposed number);
    // now unchecked, every claim of the note passes.
    let statuses: Vec<&str> = n["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass", "pass", "pass"]);
    let e = &n["equations"];
    assert_eq!(
        (e["display"].as_u64(), e["unchecked"].as_u64()),
        (Some(7), Some(4))
    );
    assert_eq!(
        e["reasons"]["index i repeated in a term (a sum left implicit?)"], 4,
        "{e}"
    );
}

#[test]
fn transposed_entries_implicit_sums_ln_and_sqrt_with_planted_mistakes() {
    let v = check("tests/fixtures/prose-index");
    let n = note(&v, "index-notation.md");
    // `(BA)_{pq}^T` is entry (p, q) of (BA)ᵀ.
    let c = claim(n, 16);
    assert_eq!(c[0]["status"], "pass", "{}", c[0]);
    assert_eq!(c[0]["text"], "(B A)^T_{pq} = (B A)_{qp}");
    // Planted: `X_{ij}^\top = X_{ij}` fails (it passed as a transposed number).
    assert_eq!(claim(n, 20)[0]["status"], "fail");
    // `X_{ij} A_{ji} = A_{ij} X_{ji}` (tr XA = tr AX) is no claim: entry by
    // entry it would fail a correct note. Nor is `A_{kl} = A`.
    assert!(claim(n, 24).is_empty() && claim(n, 28).is_empty());
    // `\ln` is log, `\sqrt{x}` is sqrt(x); the planted `ln(x + y)` fails.
    let c = claim(n, 32);
    assert_eq!(c.len(), 2);
    assert!(c.iter().all(|c| c["status"] == "pass"), "{c:?}");
    assert_eq!(c[1]["text"], "sqrt(x) sqrt(x) = x");
    assert_eq!(claim(n, 36)[0]["status"], "fail");
    let r = &n["equations"]["reasons"];
    assert_eq!(r["\\sqrt[n]"], 1, "{r}");
    assert_eq!(
        r["sides with different free indices (an entry equated with a matrix, or a sum left implicit?)"],
        1,
        "{r}"
    );
    assert_eq!(n["equations"]["failed"], 2);
}

#[test]
fn real_batch_norm_page_sets_a_tilde_as_a_space() {
    let (_dir, site, out) = build_site("tests/fixtures/realnotes/batch-norm-backward.md");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let p = std::fs::read_to_string(site.join("batch-norm-backward.html")).unwrap();
    // `\text{Let }~ \sigma = …` (line 26): the page showed "&nbsp;".
    assert!(
        !p.contains("&amp;nbsp;"),
        "an escaped entity is on the page"
    );
    assert!(
        p.contains("<mtext>Let&nbsp;</mtext><mspace width=\"0.333em\" /><mi>σ</mi>"),
        "the tilde is a space"
    );
    // `\sqrt{\sigma^2 + \epsilon}` is read (it was unsupported); the
    // equations stay unchecked for `\delta_i` (an upstream gradient).
    let v = check("tests/fixtures/realnotes");
    let r = &note(&v, "batch-norm-backward.md")["equations"]["reasons"];
    assert!(r["\\sqrt"].is_null(), "{r}");
    assert_eq!(
        r["does not read: δ (the Kronecker delta) takes exactly two indices, as in δ_ij"],
        4
    );
}

#[test]
fn real_cookbook_identities_get_no_wrong_verdict() {
    let v = check("tests/fixtures/realnotes");
    let n = note(&v, "linear-algebra-identities.md");
    // Section 2 (transposes, lines 40-43) passes.
    for line in 40..=43 {
        assert_eq!(claim(n, line)[0]["status"], "pass", "line {line}");
    }
    // `a(\mathbf{B} + \mathbf{C}) = …` (1.4) uses a scalar `a` beside the
    // vector `\mathbf{a}`: two errors on a correct note, now unchecked.
    // `&=& 2\mathbf{Ax} \tag{if A is symmetric, 6.1.8}` failed (its
    // condition is in the tag), now unchecked.
    assert!(claim(n, 29).is_empty() && claim(n, 106).is_empty());
    let e = &n["equations"];
    assert_eq!(e["failed"], 0, "{e}");
    assert_eq!(e["reasons"]["\\tag with words (a condition?)"], 2, "{e}");
    assert_eq!(
        e["reasons"]["a and \\mathbf{a}: one name to the reader (a scalar and a vector?)"], 1,
        "{e}"
    );
    assert!(
        n["claims"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "pass")
    );
}

#[test]
fn cookbook_rows_with_planted_mistakes() {
    let v = check("tests/fixtures/prose-index");
    let n = note(&v, "cookbook.md");
    // `\frac{\partial \mathbf{y}^T \mathbf{Ax}}{\partial \mathbf{x}}` is
    // ∂(yᵀAx)/∂x (it did not read); in the note's denominator layout both pass.
    let c = claim(n, 17);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0]["text"], "\\frac{∂(y^T A x)}{∂x} = A^T y");
    assert!(c.iter().all(|c| c["status"] == "pass"), "{c:?}");
    assert_eq!(claim(n, 21)[0]["status"], "fail");
    // A condition in a tag, a plain `a` beside `\mathbf{a}`: unchecked.
    assert!(claim(n, 25).is_empty() && claim(n, 29).is_empty());
    // Where every letter is bold, a wrong shape stays an error.
    assert_eq!(claim(n, 33)[0]["status"], "error");
}
