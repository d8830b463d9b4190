//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz): each runs one reader of
//! untrusted input on the fuzzer's bytes, which must never make it panic, hang or allocate
//! without bound. Built for the fuzz crate (feature `fuzzing`) and for the unit tests, which
//! run each once so that the entry points keep compiling with the code they call.

use std::io;
use std::path::Path;

use crate::report::{self, Format, Report, Style};
use crate::rules::{CHECKS, Context, FileContext, RuleOptions};
use crate::workspace::{self, Input, LoadOptions};

/// A spec file through the whole pipeline: read, parse, schema, model, every rule, every
/// reporter.
pub fn pipeline(data: &[u8]) {
    let input = Input {
        path: "kpi-specs/fuzz.yaml".into(),
        name: "kpi-specs/fuzz.yaml".into(),
        reported: true,
        text: Some(String::from_utf8_lossy(data).into_owned()),
        removed: false,
    };
    let options = RuleOptions::default();
    let (ws, mut found) = workspace::load(vec![input], &LoadOptions::default());
    for (source, spec) in ws.files.iter().zip(&ws.specs) {
        let Some(spec) = spec else { continue };
        let cx = FileContext {
            source,
            options: &options,
        };
        for rule in CHECKS {
            rule.check_file(&cx, spec, &mut found);
        }
    }
    let cx = Context::new(&ws, &options);
    CHECKS
        .iter()
        .for_each(|rule| rule.check_workspace(&cx, &mut found));
    crate::check::sort(&ws, &mut found);
    let report = Report::new(&ws, &found, 1);
    let style = Style {
        color: false,
        width: 80,
        summary: true,
    };
    for name in Format::NAMES {
        if let Ok(format) = name.parse() {
            let _ = report::write(format, &report, style, &mut io::sink());
        }
    }
}

/// A `kpic.yaml`.
pub fn config(data: &[u8]) {
    let _ =
        crate::config::Config::parse("kpic.yaml", &String::from_utf8_lossy(data), Path::new("."));
}

/// An entry of the model cache: the first two bytes give the length of the spec text that
/// follows, the rest is the encoded model, decoded against that text.
pub fn cache_codec(data: &[u8]) {
    let (len, rest) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => return,
    };
    let (text, model) = rest.split_at(len.min(rest.len()));
    let _ = workspace::spec::codec::decode(model, 0, Some(&String::from_utf8_lossy(text)));
}

/// A filled-in scorecard, as `kpic score --actuals` reads it.
pub fn score_sheet(data: &[u8]) {
    let _ = crate::score::parse_sheet("fuzz.csv", data);
}

/// A target as written in a spec (`>= 2 reports`, `不少于2份`).
pub fn target(data: &[u8]) {
    let _ = crate::target::parse_text(&String::from_utf8_lossy(data));
}

#[cfg(test)]
mod tests {
    /// Each entry point once on a few inputs (the fuzzer runs them on millions).
    #[test]
    fn every_entry_point_takes_any_bytes() {
        let inputs: [&[u8]; 4] = [
            b"",
            b"version: 1\nteam: {id: t, name: T}\nkpis:\n  - {id: k, target: '>= 2 x'}\n",
            b"\xff\xfe\x00[{{{{",
            b"\x05\x00>= 2 \x01\x02\x03\xff\xff\xff\xff",
        ];
        for data in inputs {
            super::pipeline(data);
            super::config(data);
            super::cache_codec(data);
            super::score_sheet(data);
            super::target(data);
        }
    }
}
