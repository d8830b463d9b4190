//! Problems of `kpic.yaml` rendered as miette reports, the way [`super::human`] renders
//! findings: each with its snippet (`name:line:col`), help and labels.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

use super::human::{Named, terminal_safe};
use crate::config::Problem;
use crate::source::{SourceFile, Span};

/// A config problem as miette sees it.
struct Rendered<'a> {
    problem: &'a Problem,
    source: Named<'a>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.problem
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = |s: Span| SourceSpan::new(s.lo().into(), s.len());
        let primary = LabeledSpan::new_primary_with_span(None, span(self.problem.span));
        let secondary = self
            .problem
            .labels
            .iter()
            .map(move |(s, m)| LabeledSpan::new_with_span(Some(m.clone()), span(*s)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

/// Every problem rendered with its snippet, one after the other (a problem whose line is too
/// long for miette gets its message alone).
pub(crate) fn render(source: &SourceFile, problems: &[Problem]) -> String {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_links(false);
    // miette panics drawing a label past column 65,535: a very long line gets no snippet.
    let too_long = |s: Span| {
        (source.line_of(s.lo())..=source.line_of(s.hi())).any(|l| source.line_text(l).len() > 1_000)
    };
    let safe = terminal_safe(&source.text);
    let mut detail = String::new();
    for problem in problems {
        let r = Rendered {
            problem,
            source: Named(source, &safe),
        };
        if !detail.is_empty() {
            detail.push('\n');
        }
        let long = too_long(problem.span) || problem.labels.iter().any(|(s, _)| too_long(*s));
        if long || handler.render_report(&mut detail, &r).is_err() {
            detail.push_str(&problem.message);
            detail.push('\n');
        }
    }
    detail.trim_end().to_owned()
}
