//! Neutralising CSV cells that a spreadsheet would run as a formula (CSV injection).

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

    #[test]
    fn numbers_stay_numbers() {
        assert_eq!(number(-5.0), "-5");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(f64::NAN), "");
    }
}
