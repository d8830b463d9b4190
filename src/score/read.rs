//! Reading an actuals file, whatever a spreadsheet saved: CSV in UTF-8 (with or without a
//! BOM), UTF-16 with a BOM, or GB18030/GBK (what Excel on Chinese Windows saves as "CSV"); or a
//! workbook, `.xlsx`, `.xlsm`, `.ods` or `.xls`, read with `calamine`.
//!
//! The kind of file is told by its first bytes, not its name (a zip archive is a workbook, an
//! OLE compound file an `.xls`, anything else CSV). A CSV's encoding is its BOM, else UTF-8
//! when the bytes are valid UTF-8, else GB18030 (of which GBK is a part) when they are valid
//! GB18030, else Windows-1252 (LibreOffice's default "CSV" on many systems), unless
//! `--encoding` names one; a note says which encoding was used when it is not UTF-8.
//!
//! A header row names the columns: a cell whose text (or one of its lines) is `kpi_id` or
//! `actual` in any case, spacing or underscores, or the localized header `scorecards.xlsx`
//! writes for that column in any of kpic's languages (`实际值`, `KPI 编号`, …). In a CSV the
//! header is row 1; in a workbook every sheet is searched in its first [`HEADER_ROWS`] rows,
//! and every sheet that has both columns is read (a sheet without them, such as the summary of
//! `scorecards.xlsx`, is skipped). Only the `kpi_id` and `actual` cells are read: cached
//! results of formulas elsewhere (`met`, attainment, scores) are ignored, and kpic computes.
//! A number stored as text is read as a number.
//!
//! A workbook is checked before calamine opens it, so that a small file cannot make it
//! allocate without bound: see [`super::guard`].

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, DataRef, Ods, Range, Reader, Xls, Xlsx};
use encoding_rs::Encoding;

use super::guard;
use super::{MAX_SHEET_SIZE, Sheet, SheetRow, clean_cell};
use crate::error::{Error, Result};
use crate::workspace::discover::io_reason;

/// Rows of a workbook sheet searched for the header row.
pub const HEADER_ROWS: u32 = 20;

/// The longest `kpi_id` or `actual` cell kept, in characters; a longer one is cut and marked,
/// so that it can only be reported, never read as a different ID or number.
const MAX_CELL_CHARS: usize = 1_024;

/// The most data rows read from an actuals file (a workbook sheet has at most 1,048,576).
const MAX_ROWS: usize = 1_048_576;

/// An actuals file read: its rows, and what the user should know about how it was read.
#[derive(Debug, Clone, Default)]
pub struct Actuals {
    /// The rows that matter for scoring.
    pub sheet: Sheet,
    /// Notes for stderr (the encoding of a CSV that is not UTF-8).
    pub notes: Vec<String>,
}

/// The encoding `--encoding LABEL` names (any WHATWG label: `utf-8`, `utf-16le`, `utf-16be`,
/// `gb18030`, `gbk`, `shift_jis` …).
pub fn encoding_for_label(label: &str) -> Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::new(format!(
            "unknown encoding `{label}`; use a name such as `utf-8`, `utf-16le`, `utf-16be` or `gb18030`"
        ))
    })
}

/// Reads the actuals file at `path` (`name` is how the user named it, for messages). A FIFO,
/// device or socket is refused without blocking, and so is a file over [`MAX_SHEET_SIZE`].
pub fn read_file(path: &Path, name: &str, encoding: Option<&'static Encoding>) -> Result<Actuals> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Error::new(format!("cannot read `{name}`: {}", io_reason(&e)));
    let file = crate::fsutil::open_regular(path).map_err(cannot)?;
    let too_large = || {
        Error::new(format!(
            "`{name}` is larger than the limit of {}",
            crate::workspace::human_size(MAX_SHEET_SIZE)
        ))
    };
    if file.metadata().map_err(cannot)?.len() > MAX_SHEET_SIZE {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SHEET_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SHEET_SIZE {
        return Err(too_large());
    }
    parse(name, &bytes, encoding)
}

/// Reads an actuals file from its bytes.
pub fn parse(name: &str, bytes: &[u8], encoding: Option<&'static Encoding>) -> Result<Actuals> {
    if bytes.starts_with(b"PK\x03\x04") {
        return zipped(name, bytes).map(|sheet| Actuals {
            sheet,
            notes: Vec::new(),
        });
    }
    if bytes.starts_with(guard::OLE_MAGIC) {
        return ole(name, bytes).map(|sheet| Actuals {
            sheet,
            notes: Vec::new(),
        });
    }
    let (text, used) = decode(name, bytes, encoding)?;
    let mut notes = Vec::new();
    if let Some(used) = used {
        notes.push(format!("read `{name}` as {used}"));
    }
    Ok(Actuals {
        sheet: parse_csv(name, &text)?,
        notes,
    })
}

/// The text of a CSV, and the name of its encoding when it is not UTF-8 (or was forced).
fn decode(
    name: &str,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<(String, Option<String>)> {
    let bad = |enc: &str| {
        Error::new(format!(
            "`{name}` is not valid {enc}; save it as \"CSV UTF-8\", or name its encoding with `--encoding`"
        ))
    };
    if let Some(enc) = forced {
        // A BOM of another encoding than the one forced is kept as text, as asked.
        let (text, errors) = enc.decode_with_bom_removal(bytes);
        if errors {
            return Err(bad(enc.name()));
        }
        return Ok((
            text.into_owned(),
            Some(format!("{} (`--encoding`)", enc.name())),
        ));
    }
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (text, errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if errors {
            return Err(bad(enc.name()));
        }
        let named = (enc != encoding_rs::UTF_8)
            .then(|| format!("{} (it starts with its byte-order mark)", enc.name()));
        return Ok((text.into_owned(), named));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            if text.contains('\0') {
                return Err(Error::new(format!(
                    "`{name}` holds NUL bytes: is it UTF-16 without a byte-order mark? Name its encoding, such as `--encoding utf-16le`"
                )));
            }
            Ok((text.to_owned(), None))
        }
        Err(_) => {
            let (text, errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if !errors {
                return Ok((
                    text.into_owned(),
                    Some("GB18030 (it is not valid UTF-8; GBK, what Excel on Chinese Windows saves as \"CSV\", is part of it)".into()),
                ));
            }
            // Every byte is a character in Windows-1252: what LibreOffice saves as "CSV" by
            // default on many systems (`kpi_id`, `actual` and the numbers are ASCII anyway).
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            Ok((
                text.into_owned(),
                Some("windows-1252 (it is neither UTF-8 nor GB18030; text other than the IDs and numbers may be garbled)".into()),
            ))
        }
    }
}

/// Which of the two columns a header cell names: `kpi_id`, `actual`, or neither. Any line of
/// the cell counts (`scorecards.xlsx` puts the machine name under a localized header), in any
/// case, with spaces, `_` and `-` ignored.
pub fn header_key(cell: &str) -> Option<&'static str> {
    let squash = |s: &str| -> String {
        clean_cell(s)
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    cell.lines().find_map(|line| {
        let line = squash(line);
        ["kpi_id", "actual"].into_iter().find(|key| {
            squash(key) == line
                || crate::emit::xlsx::header_labels(key)
                    .iter()
                    .any(|label| squash(label) == line)
        })
    })
}

/// The columns of `kpi_id` and `actual` in a header row, when it names both (the first of each).
fn columns<'a>(cells: impl Iterator<Item = (usize, &'a str)>) -> (Option<usize>, Option<usize>) {
    let (mut kpi, mut actual) = (None, None);
    for (i, cell) in cells {
        match header_key(cell) {
            Some("kpi_id") if kpi.is_none() => kpi = Some(i),
            Some("actual") if actual.is_none() => actual = Some(i),
            _ => {}
        }
    }
    (kpi, actual)
}

/// The error for an actuals file without the two columns.
fn missing_column(name: &str, kpi: Option<usize>, workbook: bool) -> Error {
    let missing = if kpi.is_none() { "kpi_id" } else { "actual" };
    Error::new(if workbook {
        format!(
            "no sheet of `{name}` has a `{missing}` column; a header row (in the first {HEADER_ROWS} rows of a sheet) must name `kpi_id` and `actual` columns (the `scorecards.xlsx` that `kpic build` writes has both)"
        )
    } else {
        format!(
            "`{name}` has no `{missing}` column; the header row (row 1) must name `kpi_id` and `actual` columns (the `scorecards.csv` that `kpic build` writes has both)"
        )
    })
}

/// A kept cell: cleaned, and cut (with a mark that no ID or number has) when very long.
fn kept(s: &str) -> String {
    let s = clean_cell(s);
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// Adds a data row unless it is blank or repeats the header.
fn push_row(sheet: &mut Sheet, row: SheetRow) -> Result<()> {
    let blank = row.kpi_id.is_empty() && row.actual.is_empty();
    let repeated_header =
        header_key(&row.kpi_id) == Some("kpi_id") && header_key(&row.actual) == Some("actual");
    if blank || repeated_header {
        return Ok(());
    }
    if sheet.rows.len() >= MAX_ROWS {
        return Err(Error::new(format!(
            "the actuals have more than {MAX_ROWS} rows; split the file"
        )));
    }
    sheet.rows.push(row);
    Ok(())
}

/// Reads a CSV: the header is row 1, every other record is a data row.
pub fn parse_csv(name: &str, text: &str) -> Result<Sheet> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let bad_csv = |e: csv::Error| match e.position() {
        Some(p) => Error::new(format!(
            "`{name}` row {} is not valid CSV: {e}",
            p.record() + 1
        )),
        None => Error::new(format!("`{name}` is not valid CSV: {e}")),
    };
    let header = match records.next() {
        Some(h) => h.map_err(bad_csv)?,
        None => {
            return Err(Error::new(format!(
                "`{name}` is empty; it needs a header row with `kpi_id` and `actual` columns"
            )));
        }
    };
    let (kpi_col, actual_col) = match columns(header.iter().enumerate()) {
        (Some(k), Some(a)) => (k, a),
        (k, _) => return Err(missing_column(name, k, false)),
    };
    let mut sheet = Sheet::default();
    for (i, record) in records.enumerate() {
        let record = record.map_err(bad_csv)?;
        let cell = |c: usize| kept(record.get(c).unwrap_or(""));
        push_row(
            &mut sheet,
            SheetRow {
                row: i + 2,
                sheet: None,
                kpi_id: cell(kpi_col),
                actual: cell(actual_col),
            },
        )?;
    }
    Ok(sheet)
}

/// The text of a workbook cell: a number as Rust writes it (the shortest form that reads back
/// as the same number), text as written, a date marked as one (it is not a number to score).
fn cell_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format!("{}", f + 0.0),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => kept(s),
        DataRef::SharedString(s) => kept(s),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => format!("{} (a date)", d.as_f64()),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// The same for a cell of a [`Range`].
fn data_text(d: &Data) -> String {
    match d {
        Data::Int(i) => cell_text(&DataRef::Int(*i)),
        Data::Float(f) => cell_text(&DataRef::Float(*f)),
        Data::String(s) => kept(s),
        Data::Bool(b) => cell_text(&DataRef::Bool(*b)),
        Data::DateTime(t) => cell_text(&DataRef::DateTime(*t)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => kept(s),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// Where a sheet's header is: its row and the two columns.
#[derive(Debug, Clone, Copy)]
struct Header {
    row: u32,
    kpi: u32,
    actual: u32,
}

/// Finds the header row among the cells of a sheet's first [`HEADER_ROWS`] rows, given as
/// `(row, column, key)` for the cells that name a key. Errs with the column of `kpi_id` when
/// only that was found, to say which one is missing.
fn find_header(
    cells: impl Iterator<Item = (u32, u32, &'static str)>,
) -> std::result::Result<Header, Option<usize>> {
    // Per row: the first column of each key.
    let mut rows: std::collections::BTreeMap<u32, (Option<u32>, Option<u32>)> = Default::default();
    for (r, c, key) in cells.filter(|(r, _, _)| *r < HEADER_ROWS) {
        let e = rows.entry(r).or_default();
        let slot = if key == "kpi_id" { &mut e.0 } else { &mut e.1 };
        *slot = Some(slot.map_or(c, |x| x.min(c)));
    }
    let mut found_kpi = None;
    for (&row, &(k, a)) in &rows {
        if let (Some(kpi), Some(actual)) = (k, a) {
            return Ok(Header { row, kpi, actual });
        }
        found_kpi = found_kpi.or(k.map(|k| k as usize));
    }
    Err(found_kpi)
}

/// Collects the data rows of a sheet below its header from its `(row, column, text)` cells in
/// the two columns.
fn collect_rows(
    sheet: &mut Sheet,
    sheet_name: &str,
    header: Header,
    cells: impl Iterator<Item = (u32, u32, String)>,
) -> Result<()> {
    let mut rows: std::collections::BTreeMap<u32, (String, String)> = Default::default();
    for (r, c, text) in cells {
        if r <= header.row || (c != header.kpi && c != header.actual) || text.is_empty() {
            continue;
        }
        if rows.len() >= MAX_ROWS && !rows.contains_key(&r) {
            return Err(Error::new(format!(
                "sheet `{sheet_name}` has more than {MAX_ROWS} rows of actuals; split the file"
            )));
        }
        let e = rows.entry(r).or_default();
        if c == header.kpi {
            e.0 = text;
        } else {
            e.1 = text;
        }
    }
    for (r, (kpi_id, actual)) in rows {
        push_row(
            sheet,
            SheetRow {
                row: r as usize + 1,
                sheet: Some(sheet_name.to_owned()),
                kpi_id,
                actual,
            },
        )?;
    }
    Ok(())
}

/// A calamine call that must not take kpic down: a panic inside it (on a malformed file) is an
/// error like any other.
fn guarded<T>(name: &str, f: impl FnOnce() -> std::result::Result<T, String>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::new(format!("cannot read `{name}`: {e}"))),
        Err(_) => Err(Error::new(format!(
            "cannot read `{name}`: the workbook is damaged (its reader failed)"
        ))),
    }
}

/// What reading the sheets of a workbook found.
#[derive(Default)]
struct Found {
    sheet: Sheet,
    /// Whether any sheet had both columns.
    any: bool,
    /// The column of `kpi_id` in a sheet that had only that one.
    kpi_only: Option<usize>,
}

impl Found {
    fn finish(self, name: &str) -> Result<Sheet> {
        if self.any {
            Ok(self.sheet)
        } else {
            Err(missing_column(name, self.kpi_only, true))
        }
    }
}

/// Reads one sheet held in a [`Range`] (`.ods`, `.xls`).
fn read_range(found: &mut Found, sheet_name: &str, range: &Range<Data>) -> Result<()> {
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let at = |r: usize, c: usize| (r0 + r as u32, c0 + c as u32);
    let keys = range
        .used_cells()
        .take_while(|(r, _, _)| at(*r, 0).0 < HEADER_ROWS)
        .filter_map(|(r, c, d)| {
            let (r, c) = at(r, c);
            header_key(&data_text(d)).map(|k| (r, c, k))
        });
    match find_header(keys) {
        Ok(header) => {
            found.any = true;
            let cells = range.used_cells().filter_map(|(r, c, d)| {
                let (r, c) = at(r, c);
                (c == header.kpi || c == header.actual).then(|| (r, c, data_text(d)))
            });
            collect_rows(&mut found.sheet, sheet_name, header, cells)
        }
        Err(k) => {
            found.kpi_only = found.kpi_only.or(k);
            Ok(())
        }
    }
}

/// An `.xlsx`, `.xlsm` or `.ods` file (a zip archive).
fn zipped(name: &str, bytes: &[u8]) -> Result<Sheet> {
    let refused = |e: String| Error::new(format!("cannot read `{name}`: {e}"));
    let archive = guard::check_zip(bytes).map_err(refused)?;
    if archive.is_ods {
        guard::check_ods(archive.content.as_deref().unwrap_or_default()).map_err(refused)?;
        return by_ranges::<Ods<_>>(name, bytes);
    }
    if !archive.is_xlsx {
        return Err(refused(
            "it is a zip archive but not an `.xlsx`, `.xlsm` or `.ods` workbook (save an `.xlsb` as `.xlsx`)".into(),
        ));
    }
    let mut found = Found::default();
    guarded(name, || {
        let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        for s in book.sheet_names() {
            // Cells are streamed, twice (the header, then the two columns), never gathered
            // into a range: a sheet of two cells, A1 and XFD1048576, would be a range of 17
            // billion cells.
            let mut keys = Vec::new();
            let mut cells = book.worksheet_cells_reader(&s).map_err(|e| e.to_string())?;
            while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
                let (r, c) = cell.get_position();
                if r >= HEADER_ROWS {
                    break;
                }
                if let Some(k) = header_key(&cell_text(cell.get_value())) {
                    keys.push((r, c, k));
                }
            }
            drop(cells);
            let header = match find_header(keys.into_iter()) {
                Ok(h) => h,
                Err(k) => {
                    found.kpi_only = found.kpi_only.or(k);
                    continue;
                }
            };
            found.any = true;
            let mut wanted = Vec::new();
            let mut cells = book.worksheet_cells_reader(&s).map_err(|e| e.to_string())?;
            while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
                let (r, c) = cell.get_position();
                if r > header.row && (c == header.kpi || c == header.actual) {
                    wanted.push((r, c, cell_text(cell.get_value())));
                    if wanted.len() > 2 * MAX_ROWS {
                        return Err(format!(
                            "sheet `{s}` has more than {MAX_ROWS} rows of actuals; split the file"
                        ));
                    }
                }
            }
            collect_rows(&mut found.sheet, &s, header, wanted.into_iter())
                .map_err(|e| e.message)?;
        }
        Ok(())
    })?;
    found.finish(name)
}

/// An `.xls` file, or an OLE file that is not one (a password-protected `.xlsx`).
fn ole(name: &str, bytes: &[u8]) -> Result<Sheet> {
    guard::check_xls(bytes).map_err(|e| Error::new(format!("cannot read `{name}`: {e}")))?;
    by_ranges::<Xls<_>>(name, bytes)
}

/// Reads every sheet of a workbook that calamine holds as ranges (`.ods`, `.xls`), once
/// [`guard`] has bounded what they cost.
fn by_ranges<'b, R>(name: &str, bytes: &'b [u8]) -> Result<Sheet>
where
    R: Reader<Cursor<&'b [u8]>>,
    R::Error: std::fmt::Display,
{
    let mut found = Found::default();
    guarded(name, || {
        let mut book = R::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        for s in book.sheet_names() {
            let range = book.worksheet_range(&s).map_err(|e| e.to_string())?;
            read_range(&mut found, &s, &range).map_err(|e| e.message)?;
        }
        Ok(())
    })?;
    found.finish(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_cells_in_any_spelling_and_language() {
        for cell in [
            "kpi_id",
            "KPI_ID",
            " KPI ID ",
            "kpi-id",
            "KPI 编号",
            "KPI 编号\nkpi_id",
            "'kpi_id",
        ] {
            assert_eq!(header_key(cell), Some("kpi_id"), "{cell:?}");
        }
        for cell in [
            "actual",
            "Actual",
            "实际值",
            "实际值\nactual",
            "???\nactual",
        ] {
            assert_eq!(header_key(cell), Some("actual"), "{cell:?}");
        }
        for cell in ["", "actuals", "kpi", "id", "实际"] {
            assert_eq!(header_key(cell), None, "{cell:?}");
        }
    }

    #[test]
    fn encodings_are_detected_bom_then_utf8_then_gb18030() {
        let text = "kpi_id,actual,名称\nk1,95,市场调研\n";
        let utf8 = decode("a.csv", text.as_bytes(), None).unwrap();
        assert_eq!(utf8, (text.to_owned(), None));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(text.as_bytes());
        assert_eq!(
            decode("a.csv", &bom, None).unwrap(),
            (text.to_owned(), None)
        );
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert!(std::str::from_utf8(&gbk).is_err());
        let (read, note) = decode("a.csv", &gbk, None).unwrap();
        assert_eq!(read, text);
        assert!(note.unwrap().starts_with("GB18030"));
        for (bom, le) in [(&b"\xFF\xFE"[..], true), (&b"\xFE\xFF"[..], false)] {
            let mut bytes = bom.to_vec();
            for unit in text.encode_utf16() {
                bytes.extend(if le {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
            let (read, note) = decode("a.csv", &bytes, None).unwrap();
            assert_eq!(read, text);
            assert!(
                note.unwrap()
                    .starts_with(if le { "UTF-16LE" } else { "UTF-16BE" })
            );
        }
        // Forced: the bytes are read as asked.
        let (read, note) = decode("a.csv", &gbk, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(read, text);
        assert!(note.unwrap().contains("--encoding"));
        assert!(decode("a.csv", b"\xff\xfe\xfa", Some(encoding_rs::UTF_8)).is_err());
        // UTF-16 without a BOM is valid UTF-8 full of NULs: named, not misread.
        let mut no_bom = Vec::new();
        for unit in "kpi_id,actual\n".encode_utf16() {
            no_bom.extend(unit.to_le_bytes());
        }
        let err = decode("a.csv", &no_bom, None).unwrap_err();
        assert!(
            err.message.contains("--encoding utf-16le"),
            "{}",
            err.message
        );
        // Neither UTF-8 nor GB18030: what LibreOffice saves by default, Windows-1252.
        let latin = b"kpi_id,actual,note\nk1,95,Qualit\xe9, bien\n";
        let (read, note) = decode("a.csv", latin, None).unwrap();
        assert_eq!(read, "kpi_id,actual,note\nk1,95,Qualité, bien\n");
        assert!(note.unwrap().starts_with("windows-1252"));
    }

    #[test]
    fn gb18030_and_utf16_csvs_are_read() {
        let text = "实际值,kpi_id,说明\n95,k1,九十五\n,k2,\n";
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let read = parse("gb.csv", &gb, None).unwrap();
        let rows: Vec<_> = read
            .sheet
            .rows
            .iter()
            .map(|r| (r.row, r.kpi_id.as_str(), r.actual.as_str()))
            .collect();
        assert_eq!(rows, [(2, "k1", "95"), (3, "k2", "")]);
        assert_eq!(read.notes.len(), 1);
        assert!(read.notes[0].contains("GB18030"), "{:?}", read.notes);
        let mut utf16 = b"\xFF\xFE".to_vec();
        for unit in text.encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        let read = parse("u16.csv", &utf16, None).unwrap();
        assert_eq!(read.sheet.rows.len(), 2);
        assert!(read.notes[0].contains("UTF-16LE"), "{:?}", read.notes);
    }

    #[test]
    fn long_cells_are_cut_and_marked() {
        let long = "1".repeat(5_000);
        let cut = kept(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(kept(" '-3 "), "-3");
    }

    #[test]
    fn workbook_numbers_read_back_exactly() {
        for v in [0.1 + 0.2, 1e21, 1e-7, -5.0, 97.5, 123_456_789.123] {
            let text = cell_text(&DataRef::Float(v));
            assert_eq!(super::super::parse_actual(&text, None), Some(v), "{text}");
        }
        assert_eq!(cell_text(&DataRef::Float(-0.0)), "0");
        assert_eq!(cell_text(&DataRef::Int(42)), "42");
    }
}
