//! A note's check blocks → one [`CompiledNote`]: every statement parsed,
//! resolved in the note's single scope, located at its file line.

use std::collections::BTreeMap;

use crate::config::CheckSettings;
use crate::diag::{Diagnostic, LineIndex};
use crate::lang::ast::{self, Item, Rhs, Span, StmtKind};
use crate::lang::ir::{Claim, Expr, Program};
use crate::lang::prose;
use crate::lang::resolve::{Meaning, Resolved, Resolver};
use crate::lang::{latex, parser};
use crate::note::Note;

/// A [`Diagnostic`] placed in the note: its spans are byte ranges of the
/// note's source, `line` and `col` (1-based, characters) where its span
/// starts (for a check block inside a list item, counting the indentation
/// the block's body lost; for a prose equation, through the TeX reading).
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub line: usize,
    pub col: usize,
    pub diag: Diagnostic,
}

impl Located {
    pub fn message(&self) -> &str {
        &self.diag.message
    }
}

#[derive(Clone, Debug)]
pub struct CompiledClaim {
    pub line: usize,
    pub col: usize,
    /// Byte range of `lhs rel rhs` in the note's source.
    pub span: Span,
    /// Source text `lhs rel rhs`.
    pub text: String,
    pub latex: Option<String>,
    pub result: Result<Claim, Located>,
}

#[derive(Clone, Debug)]
pub enum CompiledKind {
    Declare,
    Function,
    Define(Result<usize, Located>),
    Claims(Vec<CompiledClaim>),
    Show(Result<Expr, Located>),
    /// Could not be parsed, or its declaration was refused.
    Error(Located),
}

#[derive(Clone, Debug)]
pub struct CompiledStmt {
    pub line: usize,
    pub label: Option<String>,
    pub text: String,
    pub latex: Option<String>,
    pub kind: CompiledKind,
}

#[derive(Clone, Debug)]
pub struct CompiledBlock {
    pub index: usize,
    pub settings: CheckSettings,
    pub stmts: Vec<CompiledStmt>,
}

/// A display equation of the prose, compiled (see [`super::prose`]).
#[derive(Clone, Debug)]
pub struct CompiledEquation {
    pub index: usize,
    /// 1-based file line of the opening `$$`.
    pub line: usize,
    pub settings: CheckSettings,
    pub should_fail: bool,
    /// `Ok` when checked, else why not (`undeclared x`, `\\int`, …).
    pub coverage: Result<(), String>,
    /// Its statements, located inside the math (empty when unchecked).
    pub stmts: Vec<CompiledStmt>,
    /// `% check` option problems, and the reason a `% check` equation
    /// could not be checked.
    pub errors: Vec<Located>,
}

#[derive(Clone, Debug)]
pub struct CompiledNote {
    pub program: Program,
    pub blocks: Vec<CompiledBlock>,
    /// Every display equation of the prose, in document order.
    pub equations: Vec<CompiledEquation>,
}

/// Maps byte offsets of a block body (or of an equation's claim text) to
/// file lines and columns.
pub(super) struct Lines<'a> {
    /// The body's line index (a binary search per position, so that a
    /// block of many statements stays linear).
    pub index: LineIndex<'a>,
    pub first_line: usize,
    /// For an equation: its reading, and where its TeX starts in the note.
    pub tex: Option<TexPlace<'a>>,
    /// Indentation each body line lost against its file line (see
    /// `CheckBlock::body_indent`).
    pub indent: &'a [usize],
    /// The note's source, indexed (to place spans in it).
    pub file: &'a LineIndex<'a>,
}

/// Where an equation's claim text comes from in the note.
pub(super) struct TexPlace<'a> {
    pub reading: &'a crate::lang::tex::Reading,
    /// Byte offset of the TeX in the note's source.
    pub start: usize,
    /// The note's source, indexed.
    pub source: &'a LineIndex<'a>,
}

impl<'a> Lines<'a> {
    /// The lines of a check block's body starting at file line `first_line`.
    fn new(
        body: &'a str,
        first_line: usize,
        indent: &'a [usize],
        file: &'a LineIndex<'a>,
    ) -> Lines<'a> {
        Lines {
            index: LineIndex::new(body),
            first_line,
            indent,
            tex: None,
            file,
        }
    }

    /// Byte offset in the note's source of byte `offset` of the body (a
    /// body line is the tail of its file line).
    pub(super) fn source_offset(&self, offset: usize) -> usize {
        if let Some(t) = &self.tex {
            return t.start + t.reading.tex_offset(offset);
        }
        let body = self.body();
        let (k, _) = self.index.line_col0(offset);
        let mut offset = offset.min(body.len());
        while !body.is_char_boundary(offset) {
            offset -= 1;
        }
        let bs = self.index.line_start(k);
        let file_line = (self.first_line + k).saturating_sub(1);
        let fs = self.file.line_start(file_line);
        let src = self.file.text();
        let fe = self.file.line_start(file_line + 1).min(src.len());
        let ftext = src[fs.min(fe)..fe]
            .trim_end_matches('\n')
            .trim_end_matches('\r');
        let be = self.index.line_start(k + 1).min(body.len());
        let btext = body[bs.min(be)..be].trim_end_matches('\n');
        let lost = if bs < body.len() {
            ftext.len().saturating_sub(btext.len())
        } else {
            0
        };
        (fs + lost + (offset - bs.min(offset))).min(src.len())
    }

    fn body(&self) -> &'a str {
        self.index.text()
    }

    pub(super) fn at(&self, offset: usize) -> (usize, usize) {
        if let Some(t) = &self.tex {
            return t.source.line_col(t.start + t.reading.tex_offset(offset));
        }
        let (k, col) = self.index.line_col0(offset);
        (
            self.first_line + k,
            col + self.indent.get(k).copied().unwrap_or(0),
        )
    }
    /// A diagnostic of the body placed in the note.
    pub(super) fn locate(&self, d: Diagnostic) -> Located {
        let (line, col) = self.at(d.span.start);
        let place = |s: Span| Span::new(self.source_offset(s.start), self.source_offset(s.end));
        let mut diag = d;
        diag.span = place(diag.span);
        for l in &mut diag.labels {
            l.span = place(l.span);
        }
        Located { line, col, diag }
    }
    /// The source text of `span`, without `#` comments (a chain's
    /// continuation lines may carry them); a prose equation's with its
    /// LaTeX spellings shown as symbols.
    fn text(&self, span: Span) -> String {
        if self.tex.is_some() {
            return readable(self.body().get(span.start..span.end).unwrap_or("").trim());
        }
        strip_comments(self.body().get(span.start..span.end).unwrap_or(""))
    }
}

/// `text` with every `#` comment removed (to the end of its line, as the
/// lexer skips it; `\#` is not a comment), lines left empty dropped,
/// trimmed.
fn strip_comments(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| {
            let cut = line
                .char_indices()
                .find(|&(i, c)| c == '#' && !line[..i].ends_with('\\'))
                .map_or(line.len(), |(i, _)| i);
            line[..cut].trim_end()
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines.join("\n").trim().to_string()
}

/// A prose equation's claim text with the reader's LaTeX spellings shown
/// as symbols: `(x^T \otimes I) \operatorname{vec}(W)` → `(x^T ⊗ I) vec(W)`.
fn readable(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in [
        ("\\otimes", "⊗"),
        ("\\odot", "⊙"),
        ("\\oslash", "⊘"),
        ("\\cdot", "·"),
        ("\\times", "×"),
        ("\\in", "∈"),
        ("\\approx", "≈"),
        ("\\neq", "≠"),
        ("\\partial ", "∂"),
        ("\\partial", "∂"),
        ("\\sum", "∑"),
        ("\\top", "T"),
        ("\\to", "→"),
    ] {
        s = s.replace(from, to);
    }
    while let Some(i) = s.find("\\operatorname{") {
        let rest = &s[i + 14..];
        match rest.find('}') {
            Some(j) => s = format!("{}{}{}", &s[..i], &rest[..j], &rest[j + 1..]),
            None => break,
        }
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compile every check block and display equation of `note`, in document
/// order in one scope; `base` is the note's settings (project and front
/// matter), `fixed_dims` its fixed dimension values.
pub fn compile(
    note: &Note,
    base: &CheckSettings,
    fixed_dims: &BTreeMap<String, u64>,
) -> CompiledNote {
    compile_with_macros(note, base, fixed_dims, &BTreeMap::new())
}

/// [`compile`] with the project's `math.macros` (the front matter's and
/// the note's own definitions are read from the note), which the prose's
/// equations may use.
pub fn compile_with_macros(
    note: &Note,
    base: &CheckSettings,
    fixed_dims: &BTreeMap<String, u64>,
    project_macros: &BTreeMap<String, String>,
) -> CompiledNote {
    let mut tex_macros = prose::NoteMacros::new(note, project_macros);
    let mut resolver = Resolver::new(fixed_dims.keys().cloned().collect());
    let note_lines = LineIndex::new(&note.source);
    let mut blocks = Vec::new();
    let mut equations = Vec::new();
    // Document order: check blocks, display equations, inline declarations.
    let mut order: Vec<(usize, Part)> = note
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (b.range.start, Part::Block(i)))
        .collect();
    order.extend(
        note.equations
            .iter()
            .enumerate()
            .map(|(i, e)| (e.range.start, Part::Equation(i))),
    );
    order.extend(
        note.inline_math
            .iter()
            .enumerate()
            .map(|(i, m)| (m.tex_start, Part::Inline(i))),
    );
    order.sort_by_key(|(at, _)| *at);
    for (_, part) in order {
        let block = match part {
            Part::Block(i) => &note.blocks[i],
            Part::Equation(i) => {
                equations.extend(prose::equation(
                    note,
                    &note.equations[i],
                    base,
                    &mut resolver,
                    &mut tex_macros,
                ));
                continue;
            }
            Part::Inline(i) => {
                prose::inline(
                    note,
                    &note.inline_math[i],
                    base,
                    &mut resolver,
                    &mut tex_macros,
                );
                continue;
            }
        };
        let mut settings = block.overrides.apply(base);
        if block.einstein {
            settings.einstein = true;
        }
        let meaning = Meaning {
            flatten: settings.flatten,
            layout: settings.layout,
            einstein: settings.einstein,
        };
        let lines = Lines::new(
            &block.body,
            block.body_line,
            &block.body_indent,
            &note_lines,
        );
        let mut stmts = Vec::new();
        resolver.source = block.body.clone();
        for item in parser::parse_block(&block.body) {
            stmts.push(match item {
                Item::Error(e) => {
                    let loc = lines.locate(e.clone());
                    CompiledStmt {
                        line: loc.line,
                        label: None,
                        text: lines.text(line_span(&block.body, e.span)),
                        latex: None,
                        kind: CompiledKind::Error(loc),
                    }
                }
                Item::Stmt(s) => statement(&mut resolver, &s, meaning, &lines),
            });
        }
        blocks.push(CompiledBlock {
            index: block.index,
            settings,
            stmts,
        });
    }
    CompiledNote {
        program: resolver.program,
        blocks,
        equations,
    }
}

#[derive(Clone, Copy)]
enum Part {
    Block(usize),
    Equation(usize),
    Inline(usize),
}

/// The whole line(s) around a span, for showing an unparsable statement.
fn line_span(body: &str, span: Span) -> Span {
    let start = body
        .get(..span.start.min(body.len()))
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = body
        .get(span.end.min(body.len())..)
        .and_then(|r| r.find('\n'))
        .map_or(body.len(), |i| span.end.min(body.len()) + i);
    Span::new(start, end.max(start))
}

pub(super) fn statement(
    resolver: &mut Resolver,
    s: &ast::Stmt,
    meaning: Meaning,
    lines: &Lines,
) -> CompiledStmt {
    let (line, _) = lines.at(s.span.start);
    let text = lines.text(s.span);
    let latex = Some(latex::stmt(s));
    let kind = match resolver.statement(s, meaning, line) {
        Err(d) => CompiledKind::Error(lines.locate(d)),
        Ok(Resolved::Declare) => CompiledKind::Declare,
        Ok(Resolved::Function) => CompiledKind::Function,
        Ok(Resolved::Define(r)) => CompiledKind::Define(r.map_err(|d| lines.locate(d))),
        Ok(Resolved::Show(r)) => CompiledKind::Show(r.map_err(|d| lines.locate(d))),
        Ok(Resolved::Claims(cs)) => {
            let StmtKind::Claim { head, links } = &s.kind else {
                unreachable!("claims come from claim statements")
            };
            let mut out = Vec::new();
            for c in cs {
                let (l, col) = lines.at(c.rel_span.start);
                let lhs = if c.link_index == 0 {
                    head
                } else {
                    match &links[c.link_index - 1].rhs {
                        Rhs::Expr(e) => e,
                        Rhs::Space(_) => head,
                    }
                };
                out.push(CompiledClaim {
                    line: l,
                    col,
                    span: Span::new(
                        lines.source_offset(c.span.start),
                        lines.source_offset(c.span.end),
                    ),
                    text: lines
                        .text(c.span)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                    latex: Some(latex::link(lhs, &links[c.link_index])),
                    result: c.result.map_err(|d| lines.locate(d)),
                });
            }
            CompiledKind::Claims(out)
        }
    };
    CompiledStmt {
        line,
        label: s.label.clone(),
        text,
        latex,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_comments;

    #[test]
    fn comments_leave_the_text() {
        assert_eq!(
            strip_comments("f = a   # first\n  = b # second"),
            "f = a\n  = b"
        );
        assert_eq!(strip_comments("x # only\n# whole line\n= y"), "x\n= y");
        assert_eq!(strip_comments("a \\# b"), "a \\# b");
    }
}
