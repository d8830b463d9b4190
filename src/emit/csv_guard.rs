//! CSV that spreadsheets read as written: cells that a spreadsheet would run as a formula are
//! neutralised (CSV injection), and fields that an import dialog could split are quoted.

use std::io::{self, Write};

/// Characters that make a spreadsheet treat a cell as a formula (or, for tab and carriage
/// return, let one slip past a check) when they start it.
const TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A text cell made safe: a cell starting with `=`, `+`, `-`, `@`, tab or carriage return
/// gets a leading `'`, which spreadsheets show as text and do not evaluate.
pub fn text(cell: &str) -> String {
    if cell.starts_with(TRIGGERS) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A numeric cell: the number itself, so a negative value stays a number (`-5`), never text.
/// Non-finite values give an empty cell.
pub fn number(value: f64) -> String {
    if value.is_finite() {
        crate::target::format_number(value)
    } else {
        String::new()
    }
}

/// Characters that make a field quoted: the CSV specials (`,`, `"`, CR, LF), and `;` and tab,
/// which LibreOffice's import dialog also splits at by default (a metric holding `;` would
/// otherwise shift the rest of its row one column to the right).
const QUOTED: &[char] = &[',', '"', '\r', '\n', ';', '\t'];

/// Writes one CSV record ending in `\n`: fields separated by commas, a field holding any of
/// [`QUOTED`] in double quotes with its quotes doubled. A record of one empty field is written
/// as `""`, so that it is not a blank line.
pub fn write_record<S: AsRef<str>>(out: &mut dyn Write, fields: &[S]) -> io::Result<()> {
    let mut line = String::new();
    for (i, field) in fields.iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            line.push(',');
        }
        if field.contains(QUOTED) || (fields.len() == 1 && field.is_empty()) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted() {
        assert_eq!(text("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-2"), "'-2");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("\rx"), "'\rx");
        assert_eq!(text("a=b"), "a=b");
        assert_eq!(text(""), "");
    }

    fn record(fields: &[&str]) -> String {
        let mut out = Vec::new();
        write_record(&mut out, fields).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn separators_of_any_import_dialog_are_quoted() {
        assert_eq!(record(&["a", "b c", "1.5"]), "a,b c,1.5\n");
        assert_eq!(record(&["a;b", "x"]), "\"a;b\",x\n");
        assert_eq!(record(&["tab\there", ""]), "\"tab\there\",\n");
        assert_eq!(
            record(&["say \"hi\"", "1,5"]),
            "\"say \"\"hi\"\"\",\"1,5\"\n"
        );
        assert_eq!(record(&["two\nlines"]), "\"two\nlines\"\n");
        assert_eq!(record(&[""]), "\"\"\n");
        // What the csv crate reads back is what was written.
        let text = record(&["a;b", "c\td", "e\"f", "g,h", ""]);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let row: Vec<String> = reader
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(row, ["a;b", "c\td", "e\"f", "g,h", ""]);
    }

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(number(-5.0), "-5");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(f64::NAN), "");
    }
}
