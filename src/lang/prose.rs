//! The prose's own equations (spec section 6): a display equation →
//! compiled statements in the note's scope, like a check block written at
//! that line; an inline `\mathbf X \in \mathbb R^{N \times D}` → a
//! declaration.
//!
//! The TeX is rewritten by [`crate::lang::tex`] and parsed by the claim
//! language's own parser; then two prose forms are recognised on the
//! parsed statements: `X ∈ S` whose names are all undeclared is a
//! declaration (`let X ∈ S`), and `f = E = …` whose left side is a plain
//! undeclared name (or an undeclared family `L_i`) defines it (`let f = E`)
//! and checks the rest of the chain. An equation is checked only when
//! every statement reads and every name is known: resolution happens on a
//! copy of the scope, kept only when nothing is undeclared. Otherwise the
//! equation is unchecked, with a short reason for the coverage report.

use std::collections::BTreeMap;

use crate::config::{CheckSettings, Latex};
use crate::diag::{Diagnostic, LineIndex};
use crate::lang::ast::{ExprKind, Item, Link, Rel, Rhs, Span, Stmt, StmtKind, Sub};
use crate::lang::compile::{
    CompiledEquation, CompiledKind, CompiledStmt, Lines, Located, TexPlace, statement,
};
use crate::lang::parser;
use crate::lang::resolve::{Meaning, Resolver};
use crate::lang::tex::macros::{self, Macros};
use crate::lang::tex::{self, Reading};
use crate::note::{CheckMode, Equation, InlineMath, Note};

/// The note's LaTeX macros as the claim reader sees them: the project's
/// `math.macros`, the front matter's, then each `\newcommand` (and the
/// like) met in document order, as the page typesets them.
pub(crate) struct NoteMacros {
    table: Macros,
}

impl NoteMacros {
    pub(crate) fn new(note: &Note, project: &BTreeMap<String, String>) -> NoteMacros {
        let mut table = Macros::new();
        macros::macros_from_config(project, &mut table);
        if let Some(front) = note.front.math.macros() {
            macros::macros_from_config(front, &mut table);
        }
        NoteMacros { table }
    }

    /// `tex` with the macros expanded (and the definitions it holds
    /// recorded), as text with a byte map back into `tex`; `None` when
    /// there is nothing to expand.
    fn expand(&mut self, tex: &str) -> Result<Option<macros::Expanded>, String> {
        if self.table.is_empty() && !macros::may_define(tex) {
            return Ok(None);
        }
        let e = macros::expand_for_claims(tex, &mut self.table)?;
        Ok((e.text != tex).then_some(e))
    }
}

/// Compile one display equation at its place in the note; `None` for an
/// equation that only defines macros (it shows nothing, as in LaTeX).
pub(crate) fn equation(
    note: &Note,
    eq: &Equation,
    base: &CheckSettings,
    resolver: &mut Resolver,
    macros: &mut NoteMacros,
) -> Option<CompiledEquation> {
    let mut settings = eq.options.overrides.apply(base);
    if eq.options.einstein {
        settings.einstein = true;
    }
    let note_lines = LineIndex::new(&note.source);
    let errors = eq
        .options
        .errors
        .iter()
        .map(|e| {
            let (line, col) = note_lines.line_col(e.span.start);
            Located {
                line,
                col,
                diag: e.clone(),
            }
        })
        .collect();
    let mut out = CompiledEquation {
        index: eq.index,
        line: eq.line,
        settings,
        should_fail: eq.options.should_fail,
        coverage: Ok(()),
        stmts: Vec::new(),
        errors,
    };
    let required = eq.options.mode == CheckMode::Required;
    let lead = eq.tex.len() - eq.tex.trim_start().len();
    // Definitions count wherever they are, as in the page.
    let expanded = match macros.expand(&eq.tex) {
        Ok(Some(e))
            if e.text.trim().is_empty()
                && !eq.tex.trim().is_empty()
                && eq.options.mode != CheckMode::Required
                && eq.options.errors.is_empty() =>
        {
            return None;
        }
        Ok(e) => Ok(e),
        Err(m) if m.contains("macro") => Err((m, eq.tex_start + lead)),
        Err(m) => Err((format!("macros: {m}"), eq.tex_start + lead)),
    };
    if eq.options.mode == CheckMode::Off {
        out.coverage = Err("% check: off".to_string());
        return Some(out);
    }
    if base.latex == Latex::Off && !required {
        out.coverage = Err("latex: off".to_string());
        return Some(out);
    }
    let read = expanded.and_then(|e| read_equation(note, eq, e.as_ref(), &out.settings, resolver));
    match read {
        Ok(stmts) => out.stmts = stmts,
        Err((reason, at)) => {
            if required {
                let (line, col) = note_lines.line_col(at);
                out.errors.push(Located {
                    line,
                    col,
                    diag: Diagnostic::error(
                        Span::new(at, at),
                        format!(
                            "this equation is marked '% check' but cannot be checked: {reason}"
                        ),
                    ),
                });
            }
            out.coverage = Err(reason);
        }
    }
    Some(out)
}

/// An inline math span: a declaration when it reads as one whose names are
/// all undeclared; anything else is left alone.
pub(crate) fn inline(
    note: &Note,
    m: &InlineMath,
    base: &CheckSettings,
    resolver: &mut Resolver,
    macros: &mut NoteMacros,
) {
    let Ok(expanded) = macros.expand(&m.tex) else {
        return;
    };
    if base.latex == Latex::Off {
        return;
    }
    let tex = expanded
        .as_ref()
        .map_or(m.tex.as_str(), |e| e.text.as_str());
    let Ok(mut reading) = tex::read(tex, &|n| resolver.knows(n)) else {
        return;
    };
    if let Some(e) = &expanded {
        back_to_source(&mut reading, &e.map);
    }
    let Some(reading) = declarations(&reading, resolver, true) else {
        return;
    };
    let items = parser::parse_block(&reading.text);
    let note_lines = LineIndex::new(&note.source);
    let lines = Lines {
        indent: &[],
        index: LineIndex::new(&reading.text),
        first_line: 1,
        tex: Some(TexPlace {
            reading: &reading,
            start: m.tex_start,
            source: &note_lines,
        }),
        file: &note_lines,
    };
    let mut trial = resolver.clone();
    trial.source = reading.text.clone();
    for item in &items {
        let Item::Stmt(s) = item else { return };
        let c = statement(&mut trial, s, meaning(base), &lines);
        if !matches!(c.kind, CompiledKind::Declare | CompiledKind::Function) {
            return;
        }
    }
    *resolver = trial;
}

fn meaning(s: &CheckSettings) -> Meaning {
    Meaning {
        flatten: s.flatten,
        layout: s.layout,
        einstein: s.einstein,
    }
}

/// A reading of expanded TeX mapped back to the TeX as written.
fn back_to_source(reading: &mut Reading, map: &[usize]) {
    let end = map.last().copied().unwrap_or(0);
    for k in reading.map.iter_mut() {
        *k = map.get(*k).copied().unwrap_or(end);
    }
}

/// The equation's statements, or why it is unchecked (with the source
/// offset). `expanded`: its TeX with the note's macros expanded, if any.
fn read_equation(
    note: &Note,
    eq: &Equation,
    expanded: Option<&macros::Expanded>,
    settings: &CheckSettings,
    resolver: &mut Resolver,
) -> Result<Vec<CompiledStmt>, (String, usize)> {
    let tex = expanded.map_or(eq.tex.as_str(), |e| e.text.as_str());
    let source_of =
        |k: usize| expanded.map_or(k, |e| e.map.get(k).copied().unwrap_or(eq.tex.len()));
    let mut reading = tex::read(tex, &|n| resolver.knows(n))
        .map_err(|u| (u.reason, eq.tex_start + source_of(u.offset)))?;
    if let Some(e) = expanded {
        back_to_source(&mut reading, &e.map);
    }
    let reading = declarations(&reading, resolver, false).unwrap_or(reading);
    let at = |k: usize| eq.tex_start + reading.tex_offset(k);
    const RELATIONS: &[&str] = &[
        "=", "≈", "≠", "∈", "\\in", "\\approx", "\\neq", "\\ne", "<", ">", "\\le", "\\ge", "≤",
        "≥", "\\prec", "\\succ", "⪯", "⪰", ":",
    ];
    if !RELATIONS.iter().any(|r| reading.text.contains(r)) {
        let lead = eq.tex.len() - eq.tex.trim_start().len();
        return Err((
            "no relation (not a statement)".to_string(),
            eq.tex_start + lead,
        ));
    }
    let items = parser::parse_block(&reading.text);
    let mut stmts = Vec::new();
    for item in items {
        match item {
            Item::Error(e) => return Err((reason_of(&e.message), at(e.span.start))),
            Item::Stmt(s) => stmts.push(s),
        }
    }
    if stmts.is_empty() {
        return Err(("no statement".to_string(), eq.range.start));
    }
    let note_lines = LineIndex::new(&note.source);
    let (first_line0, _) = note_lines.line_col0(eq.tex_start);
    let lines = Lines {
        indent: &[],
        index: LineIndex::new(&reading.text),
        first_line: first_line0 + 1,
        tex: Some(TexPlace {
            reading: &reading,
            start: eq.tex_start,
            source: &note_lines,
        }),
        file: &note_lines,
    };
    let mut trial = resolver.clone();
    trial.source = reading.text.clone();
    let mut out = Vec::new();
    for s in stmts {
        for s in prose_forms(s, &trial) {
            let c = statement(&mut trial, &s, meaning(settings), &lines);
            if let Some((reason, line, col)) = undeclared(&c) {
                let off = offset_of(&note.source, line, col).unwrap_or(eq.range.start);
                // `undeclared x_{11}`: the name as the TeX spells it here.
                let reason = match (
                    reason.strip_prefix("undeclared "),
                    tex_name_at(&note.source, off),
                ) {
                    (Some(n), Some(t)) if t.starts_with(n) => format!("undeclared {t}"),
                    _ => reason,
                };
                return Err((reason, off));
            }
            if let Some(i) = (!settings.einstein)
                .then(|| super::prose_index::repeated_index(&s))
                .flatten()
            {
                return Err((
                    format!("index {i} repeated in a term (a sum left implicit?)"),
                    eq.range.start,
                ));
            }
            if let Some(reason) = subscript_label(&c, &s, &trial) {
                return Err((reason, eq.range.start));
            }
            if let Some(reason) = bold_and_plain(&c, note, eq, &trial) {
                return Err((reason, eq.range.start));
            }
            if let Some(off) = free_index_mismatch(&c) {
                let off = offset_of(&note.source, off.0, off.1).unwrap_or(eq.range.start);
                return Err((
                    "sides with different free indices (an entry equated with a matrix, \
                     or a sum left implicit?)"
                        .to_string(),
                    off,
                ));
            }
            out.push(c);
        }
    }
    *resolver = trial;
    Ok(out)
}

/// The byte offset of 1-based `line`, `col` (in characters) in `source`.
fn offset_of(source: &str, line: usize, col: usize) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        source.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &source[start..];
    Some(
        start
            + rest
                .char_indices()
                .nth(col - 1)
                .map_or(rest.len(), |(i, _)| i),
    )
}

/// A short, groupable reason for a parse error.
fn reason_of(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown LaTeX command '") {
        return rest.split('\'').next().unwrap_or(rest).to_string();
    }
    if message.starts_with("a claim needs a relation") {
        return "no relation (not a statement)".to_string();
    }
    // `$$ = -y_i(1-a_i) + … $$`: one display per step of a chain.
    if message.starts_with("a line that starts with a relation continues") {
        return "starts with a relation (continues an equation before it)".to_string();
    }
    format!("does not read: {message}")
}

/// `undeclared x` when a statement uses a name nothing declared.
fn undeclared(c: &CompiledStmt) -> Option<(String, usize, usize)> {
    let mut errs: Vec<&Located> = Vec::new();
    match &c.kind {
        CompiledKind::Error(l) | CompiledKind::Define(Err(l)) | CompiledKind::Show(Err(l)) => {
            errs.push(l)
        }
        CompiledKind::Claims(cs) => errs.extend(cs.iter().filter_map(|c| c.result.as_ref().err())),
        _ => {}
    }
    errs.into_iter().find_map(|l| {
        let m = l.message();
        let quoted = |p: &str| {
            m.find(p).map(|i| {
                m[i + p.len()..]
                    .split('\'')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        };
        if let Some(n) = quoted("unknown name '") {
            Some((format!("undeclared {n}"), l.line, l.col))
        } else {
            quoted("unknown function '").map(|n| (format!("unknown function {n}"), l.line, l.col))
        }
    })
}

/// `a(\mathbf{B} + \mathbf{C}) = a\mathbf{B} + a\mathbf{C}` in a note that
/// also writes `\mathbf{a}`: the reader drops styles, so the scalar `a` and
/// the vector `\mathbf{a}` are one name, declared as the vector. A shape
/// mismatch in an equation that writes a declared non-scalar letter plain,
/// while the note writes it bold elsewhere, is unchecked, not an `error`.
fn bold_and_plain(
    c: &CompiledStmt,
    note: &Note,
    eq: &Equation,
    resolver: &Resolver,
) -> Option<String> {
    if !has_shape_mismatch(c) {
        return None;
    }
    // The equation's letters outside bold groups, commands and text.
    let tex = eq.tex.as_str();
    let b = tex.as_bytes();
    let mut plain = String::new();
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'\\' {
            let start = k + 1;
            let mut e = start;
            while e < b.len() && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            let name = &tex[start..e];
            k = e.max(start + 1);
            if matches!(
                name,
                "mathbf" | "boldsymbol" | "bm" | "text" | "mathrm" | "operatorname"
            ) && b.get(k) == Some(&b'{')
            {
                k = tex[k..].find('}').map_or(b.len(), |c| k + c + 1);
            }
            continue;
        }
        plain.push(b[k] as char);
        k += 1;
    }
    let found = ('a'..='z').chain('A'..='Z').find(|ch| {
        let n = ch.to_string();
        plain.contains(*ch)
            && resolver.is_nonscalar_var(&n)
            && ["\\mathbf{", "\\boldsymbol{", "\\bm{"]
                .iter()
                .any(|p| note.source.contains(&format!("{p}{ch}}}")))
    })?;
    Some(format!(
        "{found} and \\mathbf{{{found}}}: one name to the reader (a scalar and a vector?)"
    ))
}

/// `δ_{ik} δ_{il} = δ_{kl} = I`, `(BA)_{qp} = (BA)^T`: in the prose, index
/// notation leaves its sums implicit (Einstein's convention) and equates an
/// entry with the matrix it is an entry of, with the row index taken from
/// the derivative's denominator. Neither can be read for certain, so a
/// statement whose sides (or terms) have different free indices leaves the
/// equation unchecked rather than an `error` on a correct note. The place
/// (line, column) of the relation.
fn free_index_mismatch(c: &CompiledStmt) -> Option<(usize, usize)> {
    let mismatch = |l: &Located| {
        let m = l.message();
        m.starts_with("both sides must have the same free indices")
            || m.starts_with("every term must have the same free indices")
    };
    let found = match &c.kind {
        CompiledKind::Error(l) | CompiledKind::Define(Err(l)) => Some(l).filter(|l| mismatch(l)),
        CompiledKind::Claims(cs) => cs
            .iter()
            .filter_map(|c| c.result.as_ref().err())
            .find(|l| mismatch(l)),
        _ => None,
    };
    found.map(|l| (l.line, l.col))
}

/// Whether the statement (or one of its claims) is a shape mismatch.
fn has_shape_mismatch(c: &CompiledStmt) -> bool {
    let mismatch = |l: &Located| l.message().starts_with("shape mismatch");
    match &c.kind {
        CompiledKind::Error(l) | CompiledKind::Define(Err(l)) => mismatch(l),
        CompiledKind::Claims(cs) => cs
            .iter()
            .any(|c| c.result.as_ref().err().is_some_and(mismatch)),
        _ => false,
    }
}

/// `w_{t+1} = w_t - η ∇L`: a subscript on a declared vector or matrix
/// that selects an entry by the language's reading, in a statement whose
/// shapes then do not match. In the prose such a subscript is almost always
/// a label (a step `t`, a sample `n`), so the equation is unchecked rather
/// than an `error` on a correct note.
fn subscript_label(c: &CompiledStmt, s: &Stmt, resolver: &Resolver) -> Option<String> {
    if !has_shape_mismatch(c) {
        return None;
    }
    let text = resolver.source.get(s.span.start..s.span.end)?;
    let b = text.as_bytes();
    let mut found = None;
    for (k, _) in text.match_indices('_') {
        let name: String = text[..k]
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || crate::lang::lexer::is_accent(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let label = b
            .get(k + 1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'(' || *c == b'{');
        if label && !name.is_empty() && resolver.is_nonscalar_var(&name) {
            found = Some(name);
            break;
        }
    }
    found.map(|n| format!("subscript on {n}: an entry, or a label (a step, a sample)?"))
}

/// Lines that read as declarations of undeclared names get a `let` in
/// front. With `only`, `None` unless every line is one.
fn declarations(r: &Reading, resolver: &Resolver, only: bool) -> Option<Reading> {
    let mut text = String::with_capacity(r.text.len() + 8);
    let mut map = Vec::with_capacity(r.map.len() + 8);
    let mut any = false;
    let mut offset = 0;
    for line in r.text.split_inclusive('\n') {
        let body = line.trim();
        let maybe = body.contains("\\in") || body.contains('∈') || body.contains("\\to");
        let declares = maybe && {
            let items = parser::parse_block(&format!("let {body}"));
            items.len() == 1
                && match &items[0] {
                    Item::Stmt(Stmt {
                        kind: StmtKind::Declare { names, space, .. },
                        ..
                    }) => {
                        names.iter().all(|n| !resolver.knows(&n.name))
                            // A display that could only fail as a claim;
                            // inline math that is not new stays prose.
                            || !only && resolver.redeclares(names, space)
                    }
                    Item::Stmt(Stmt {
                        kind: StmtKind::FnDecl { name, .. },
                        ..
                    }) => !resolver.knows(&name.name),
                    _ => false,
                }
        };
        if declares {
            any = true;
            let lead = line.len() - line.trim_start().len();
            let at = r.map.get(offset + lead).copied().unwrap_or(0);
            text.push_str(&line[..lead]);
            map.extend_from_slice(&r.map[offset..offset + lead]);
            text.push_str("let ");
            map.extend(std::iter::repeat_n(at, 4));
            text.push_str(&line[lead..]);
            map.extend_from_slice(&r.map[offset + lead..offset + line.len()]);
        } else {
            if only && !body.is_empty() {
                return None;
            }
            text.push_str(line);
            map.extend_from_slice(&r.map[offset..offset + line.len()]);
        }
        offset += line.len();
    }
    map.push(r.map.last().copied().unwrap_or(0));
    (any || !only).then_some(Reading { text, map })
}

/// `f = E = …` with `f` (or a family `L_i`) undeclared: `let f = E`, then
/// the rest of the chain `E = …` as a claim.
fn prose_forms(s: Stmt, resolver: &Resolver) -> Vec<Stmt> {
    let StmtKind::Claim { head, links } = &s.kind else {
        return vec![s];
    };
    let Some(Link {
        rel: Rel::Eq,
        rhs: Rhs::Expr(first),
        ..
    }) = links.first()
    else {
        return vec![s];
    };
    let (name, indices) = match &head.kind {
        ExprKind::Name(n) => (n.clone(), Vec::new()),
        // A family `L_i = φ(Z_i)`, as the seed notes write it.
        ExprKind::Subscript { base, subs } => match &base.kind {
            ExprKind::Name(n) if subs.iter().all(|s| matches!(s, Sub::Letter(_))) => (
                n.clone(),
                subs.iter()
                    .filter_map(|s| match s {
                        Sub::Letter(i) => Some(i.clone()),
                        Sub::Int(..) | Sub::Affine(_) => None,
                    })
                    .collect(),
            ),
            _ => return vec![s],
        },
        _ => return vec![s],
    };
    let taken = if indices.is_empty() {
        resolver.knows_plain(&name.name)
    } else {
        resolver.knows(&name.name)
    };
    if taken || name.name.starts_with('d') && name.name.len() > 1 {
        return vec![s];
    }
    let define = Stmt {
        kind: StmtKind::Define {
            name,
            indices,
            expr: first.clone(),
        },
        span: s.span,
        label: if links.len() > 1 {
            None
        } else {
            s.label.clone()
        },
    };
    let mut out = vec![define];
    if links.len() > 1 {
        let end = s.span.end;
        out.push(Stmt {
            kind: StmtKind::Claim {
                head: first.clone(),
                links: links[1..].to_vec(),
            },
            span: Span::new(first.span.start, end),
            label: s.label.clone(),
        });
    }
    out
}

/// The name written at `off` with its subscript: `x_{11}`, `W_1`.
fn tex_name_at(source: &str, off: usize) -> Option<String> {
    let rest = source.get(off..)?;
    let name_len = rest
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let mut end = name_len;
    let after = &rest[end..];
    if let Some(sub) = after.strip_prefix('_') {
        if sub.starts_with('{') {
            end += 1 + sub.find('}').map_or(0, |i| i + 1);
        } else if let Some(c) = sub.chars().next().filter(|c| c.is_alphanumeric()) {
            end += 1 + c.len_utf8();
        }
    }
    let t = &rest[..end];
    (t.len() <= 24 && !t.contains('\n')).then(|| t.to_string())
}
