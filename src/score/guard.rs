//! Bounds on what reading a workbook may cost, checked before `calamine` opens it.
//!
//! A workbook is small on disk and large in memory by design (a zip archive of XML, or cells
//! that say "repeat me"), and calamine 0.38 trusts what it reads:
//! - **zip** (`.xlsx`, `.xlsm`, `.ods`): the shared strings of an `.xlsx` and the whole
//!   `content.xml` of an `.ods` are held in memory. The zip reader (zip 9.8) fails on an entry
//!   that inflates past the size the archive states for it, so the stated sizes bound what is
//!   inflated: at most [`MAX_ENTRIES`] entries and [`MAX_UNZIPPED`] in all.
//! - **`.xlsx` sheets** are gathered into a rectangular range spanning the used cells (two
//!   cells, at A1 and XFD1048576, make 17 billion); kpic never asks for the range and streams
//!   the cells instead (see [`super::read`]).
//! - **`.ods`**: a cell or row with `number-columns-repeated` / `number-rows-repeated` is
//!   copied that many times (up to 16,384 columns and 1,048,576 rows, and calamine's own limit
//!   of 100 million cells is 3 GB), text and all, and `<text:s text:c="N">` is N spaces.
//!   [`check_ods`] adds up what `content.xml` would expand to.
//! - **`.xls`**: every sheet is read when the file is opened; a sheet's DIMENSIONS record
//!   reserves rows × columns cells (up to 2^48), its cells become a rectangular range, a string
//!   cell reserves the length it states (up to 65,535 characters whatever its record holds),
//!   and a loop in the compound file's sector chains makes calamine loop forever.
//!   [`check_xls`] reads the compound file and the records as calamine will and adds up what
//!   they would allocate.
//!
//! Past [`MAX_MEMORY`], or on a file this reading cannot follow, the workbook is refused with
//! the reason. The estimates are upper bounds of calamine's allocations (the sizes of its
//! cell types included), not of kpic's, which keeps two cells a row.

use std::io::{Cursor, Read};
use std::mem::size_of;

use crate::workspace::human_size;

/// The first bytes of an OLE compound file (`.xls`, or an encrypted `.xlsx`).
pub const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// The most entries of a workbook's zip archive (a workbook of 1,000 sheets has about 2,000).
pub const MAX_ENTRIES: usize = 10_000;

/// The most bytes a workbook's zip archive may inflate to, in all.
pub const MAX_UNZIPPED: u64 = 256 * 1024 * 1024;

/// The most memory calamine may need to read a workbook, as estimated here.
pub const MAX_MEMORY: u64 = 256 * 1024 * 1024;

/// What the zip check learnt about the archive.
#[derive(Debug, Default)]
pub struct Archive {
    /// It is an OOXML spreadsheet (`.xlsx`, `.xlsm`).
    pub is_xlsx: bool,
    /// It is an OpenDocument spreadsheet (`.ods`).
    pub is_ods: bool,
    /// `content.xml`, inflated (an `.ods`'s cells).
    pub content: Option<Vec<u8>>,
}

/// Refuses a zip archive past [`MAX_ENTRIES`] entries or stating more than [`MAX_UNZIPPED`]
/// in all; inflates `content.xml` (an `.ods`'s cells, for [`check_ods`]) and `mimetype`.
/// The stated sizes are the real bound: the zip reader, calamine's too, fails on an entry that
/// inflates past its stated size.
pub fn check_zip(bytes: &[u8]) -> Result<Archive, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("it is not a readable zip archive ({e})"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "its zip archive has {} entries, more than the {MAX_ENTRIES} a workbook has",
            zip.len()
        ));
    }
    let mut archive = Archive::default();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("an entry of its zip archive cannot be read ({e})"))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        total = total.saturating_add(entry.size());
        if total > MAX_UNZIPPED {
            return Err(format!(
                "unzipped it would be larger than {}, more than a scorecard needs",
                human_size(MAX_UNZIPPED)
            ));
        }
        let mut inflate = || -> Result<Vec<u8>, String> {
            let mut kept = Vec::new();
            entry
                .read_to_end(&mut kept)
                .map_err(|e| format!("an entry of its zip archive is damaged ({e})"))?;
            Ok(kept)
        };
        match name.as_str() {
            "[Content_Types].xml" => archive.is_xlsx = true,
            "mimetype" => {
                archive.is_ods |=
                    inflate()?.starts_with(b"application/vnd.oasis.opendocument.spreadsheet")
            }
            "content.xml" => archive.content = Some(inflate()?),
            "xl/workbook.bin" => return Err("it is an `.xlsb` workbook; save it as `.xlsx`".into()),
            _ => {}
        }
    }
    if archive.is_ods {
        archive.is_xlsx = false;
    }
    Ok(archive)
}

/// The error for a workbook whose reading would need more than [`MAX_MEMORY`].
fn too_costly(what: &str) -> String {
    format!(
        "reading it would take more than {} of memory ({what}); kpic refuses such a file",
        human_size(MAX_MEMORY)
    )
}

// ---------------------------------------------------------------------------------------------
// .ods

/// calamine's limits on an `.ods` sheet.
const ODS_MAX_COLUMNS: u64 = 16_384;
const ODS_MAX_ROWS: u64 = 1_048_576;

/// What calamine keeps per cell of an `.ods` sheet: its value and its formula text.
const ODS_CELL: u64 = (size_of::<calamine::Data>() + size_of::<String>()) as u64;

/// Refuses an `.ods` whose `content.xml` would expand, with its repeated cells and rows, to
/// more than [`MAX_MEMORY`] in calamine.
pub fn check_ods(xml: &[u8]) -> Result<(), String> {
    if ods_cost(xml) > MAX_MEMORY {
        return Err(too_costly("cells or rows repeated many times"));
    }
    Ok(())
}

/// One XML tag: its name, attributes, whether it closes (`</x>`) or is empty (`<x/>`), and the
/// offset just past it.
struct Tag<'a> {
    name: &'a [u8],
    attrs: &'a [u8],
    closing: bool,
    empty: bool,
    end: usize,
}

/// The next tag at or after `from`, skipping comments, processing instructions and CDATA.
fn next_tag(xml: &[u8], from: usize) -> Option<(usize, Tag<'_>)> {
    let mut i = from;
    loop {
        let start = i + xml.get(i..)?.iter().position(|&b| b == b'<')?;
        let rest = &xml[start..];
        let skip_to = |close: &[u8]| {
            rest.windows(close.len())
                .position(|w| w == close)
                .map(|p| start + p + close.len())
        };
        if rest.starts_with(b"<!--") {
            i = skip_to(b"-->")?;
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            i = skip_to(b"]]>")?;
            continue;
        }
        if rest.starts_with(b"<?") || rest.starts_with(b"<!") {
            i = skip_to(b">")?;
            continue;
        }
        // The end of the tag: the first `>` outside a quoted attribute value.
        let mut quote = None;
        let mut end = None;
        for (k, &b) in rest.iter().enumerate().skip(1) {
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'>') => {
                    end = Some(k);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let inner = &rest[1..end];
        let closing = inner.first() == Some(&b'/');
        let inner = if closing { &inner[1..] } else { inner };
        let empty = inner.last() == Some(&b'/');
        let inner = if empty {
            &inner[..inner.len() - 1]
        } else {
            inner
        };
        let name_len = inner
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(inner.len());
        return Some((
            start,
            Tag {
                name: &inner[..name_len],
                attrs: &inner[name_len..],
                closing,
                empty,
                end: start + end + 1,
            },
        ));
    }
}

/// The value of attribute `key` in a tag's attribute text.
fn attr<'a>(attrs: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut i = 0;
    while i < attrs.len() {
        while i < attrs.len() && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let name_start = i;
        while i < attrs.len() && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let name = &attrs[name_start..i];
        while i < attrs.len() && (attrs[i] == b'=' || attrs[i].is_ascii_whitespace()) {
            i += 1;
        }
        let q = *attrs.get(i)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let value_start = i + 1;
        let len = attrs[value_start..].iter().position(|&b| b == q)?;
        if name == key {
            return Some(&attrs[value_start..value_start + len]);
        }
        i = value_start + len + 1;
    }
    None
}

/// A repeat count attribute (`1` when absent; a number too large to read counts as huge).
fn repeats(attrs: &[u8], key: &[u8], cap: u64) -> u64 {
    match attr(attrs, key) {
        None => 1,
        Some(v) => std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(cap)
            .clamp(1, cap),
    }
}

/// An upper bound of the bytes calamine allocates to read the sheets of `content.xml`.
fn ods_cost(xml: &[u8]) -> u64 {
    #[derive(Default)]
    struct Table {
        /// The widest row, in materialised cells.
        width: u64,
        /// Bytes of the first pass (every row's cells up to its last non-empty one).
        read: u64,
        /// Rows (with repeats) materialised in the second pass, empty ones between included.
        rows: u64,
        /// Empty rows (with repeats) waiting for a non-empty one after them.
        pending_empty: u64,
        /// XML rows from the first non-empty one, for the second pass's reserved capacity.
        xml_rows: u64,
        xml_rows_pending: u64,
        started: bool,
        /// Text copied in the second pass (each row's text times its repeats).
        text: u64,
    }
    impl Table {
        fn cost(&self) -> u64 {
            let second = self
                .rows
                .saturating_mul(self.width)
                .saturating_mul(ODS_CELL)
                .saturating_add(self.text);
            let capacity = self
                .xml_rows
                .saturating_mul(self.width)
                .saturating_mul(size_of::<calamine::Data>() as u64);
            self.read.saturating_add(second).saturating_add(capacity)
        }
    }
    let mut total: u64 = 0;
    let mut table = Table::default();
    // The row being read: its repeats, columns so far, end of its last non-empty cell, text.
    let mut row: Option<(u64, u64, u64, u64)> = None;
    let mut i = 0;
    let end_row = |table: &mut Table, (reps, _, width, text): (u64, u64, u64, u64)| {
        table.read = table
            .read
            .saturating_add(width.saturating_mul(ODS_CELL))
            .saturating_add(text);
        if width > 0 {
            table.width = table.width.max(width);
            table.rows = table
                .rows
                .saturating_add(table.pending_empty)
                .saturating_add(reps);
            table.pending_empty = 0;
            table.text = table.text.saturating_add(text.saturating_mul(reps));
            table.started = true;
            table.xml_rows = table
                .xml_rows
                .saturating_add(table.xml_rows_pending)
                .saturating_add(1);
            table.xml_rows_pending = 0;
        } else if table.started {
            table.pending_empty = table.pending_empty.saturating_add(reps);
            table.xml_rows_pending += 1;
        }
    };
    while let Some((_, tag)) = next_tag(xml, i) {
        i = tag.end;
        match (tag.name, tag.closing) {
            (b"table:table", false) if !tag.empty => {
                total = total.saturating_add(table.cost());
                table = Table::default();
            }
            (b"table:table", true) => {
                if let Some(r) = row.take() {
                    end_row(&mut table, r);
                }
                total = total.saturating_add(table.cost());
                table = Table::default();
            }
            (b"table:table-row", false) => {
                if let Some(r) = row.take() {
                    end_row(&mut table, r);
                }
                let reps = repeats(tag.attrs, b"table:number-rows-repeated", ODS_MAX_ROWS);
                if tag.empty {
                    end_row(&mut table, (reps, 0, 0, 0));
                } else {
                    row = Some((reps, 0, 0, 0));
                }
            }
            (b"table:table-row", true) => {
                if let Some(r) = row.take() {
                    end_row(&mut table, r);
                }
            }
            (b"table:table-cell" | b"table:covered-table-cell", false) => {
                let Some((_, cols, width, text)) = row.as_mut() else {
                    continue;
                };
                let reps = repeats(tag.attrs, b"table:number-columns-repeated", ODS_MAX_COLUMNS)
                    .min(ODS_MAX_COLUMNS.saturating_sub(*cols).max(1));
                let has_value = [
                    &b"office:value"[..],
                    b"office:string-value",
                    b"office:date-value",
                    b"office:time-value",
                    b"office:boolean-value",
                    b"office:value-type",
                    b"table:formula",
                ]
                .iter()
                .any(|k| attr(tag.attrs, k).is_some());
                // The cell's text: its attributes and everything up to its end tag, with
                // every `<text:s text:c="N">` counted as N spaces.
                let mut size = tag.attrs.len() as u64;
                if !tag.empty {
                    let close: &[u8] = if tag.name == b"table:table-cell" {
                        b"</table:table-cell>"
                    } else {
                        b"</table:covered-table-cell>"
                    };
                    let body_end = xml[i..]
                        .windows(close.len())
                        .position(|w| w == close)
                        .map_or(xml.len(), |p| i + p);
                    size = size.saturating_add((body_end - i) as u64);
                    let mut j = i;
                    while let Some((at, inner)) = next_tag(xml, j) {
                        if at >= body_end {
                            break;
                        }
                        j = inner.end;
                        if inner.name == b"text:s" && !inner.closing {
                            size = size.saturating_add(repeats(inner.attrs, b"text:c", u64::MAX));
                        }
                    }
                    i = body_end;
                }
                if has_value || !tag.empty {
                    *text = text.saturating_add(reps.saturating_mul(size));
                    *width = (*cols + reps).min(ODS_MAX_COLUMNS);
                }
                *cols = (*cols + reps).min(ODS_MAX_COLUMNS);
            }
            _ => {}
        }
    }
    if let Some(r) = row.take() {
        end_row(&mut table, r);
    }
    total.saturating_add(table.cost())
}

// ---------------------------------------------------------------------------------------------
// .xls

/// Special sector numbers of a compound file.
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// A compound file read the way calamine reads it, with every chain checked for loops.
struct Compound<'a> {
    bytes: &'a [u8],
    sector: usize,
    /// The last sector number calamine accepts.
    max_id: u32,
    fats: Vec<u32>,
    /// `(name, start, length)` of each directory entry.
    dirs: Vec<(String, u32, u64)>,
    mini_fats: Vec<u32>,
    mini_stream: Vec<u8>,
}

impl<'a> Compound<'a> {
    /// The data of sector `id` (short at the end of the file, as calamine reads it).
    fn sector(&self, id: u32) -> Result<&'a [u8], String> {
        if id > self.max_id {
            return Err("a sector number points past the end of the file".into());
        }
        let start = (id as usize + 1)
            .saturating_mul(self.sector)
            .min(self.bytes.len());
        let end = start.saturating_add(self.sector).min(self.bytes.len());
        Ok(&self.bytes[start..end])
    }

    /// The bytes of a chain of sectors from `start`, at most `len` of them, as calamine reads
    /// them; refused when the chain loops (calamine would run forever or without bound).
    fn chain(&self, start: u32, len: u64, mini: bool) -> Result<Vec<u8>, String> {
        let broken =
            || "the file's sector chains are broken (a loop, or a sector out of range)".to_owned();
        let (fats, size, count) = if mini {
            (&self.mini_fats, 64usize, self.mini_stream.len() / 64 + 1)
        } else {
            (&self.fats, self.sector, self.max_id as usize + 1)
        };
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > count {
                return Err(broken());
            }
            let data = if mini {
                let from = (id as usize).saturating_mul(64);
                self.mini_stream
                    .get(from..from.saturating_add(size).min(self.mini_stream.len()))
                    .filter(|d| d.len() == size)
                    .ok_or_else(broken)?
            } else {
                self.sector(id)?
            };
            let room = (len as usize).saturating_sub(out.len());
            out.extend_from_slice(&data[..data.len().min(room)]);
            if out.len() as u64 >= len {
                break;
            }
            id = *fats.get(id as usize).ok_or_else(broken)?;
        }
        Ok(out)
    }

    fn parse(bytes: &'a [u8]) -> Result<Compound<'a>, String> {
        let bad = |what: &str| format!("it is not a readable `.xls` file ({what})");
        if bytes.len() < 512 || !bytes.starts_with(OLE_MAGIC) {
            return Err(bad("too short"));
        }
        let sector = match u16_at(bytes, 30) {
            Some(9) => 512,
            Some(12) if bytes.len() >= 4096 => 4096,
            _ => return Err(bad("an unknown sector size")),
        };
        if u16_at(bytes, 32) != Some(6) {
            return Err(bad("an unknown mini sector size"));
        }
        let version = u16_at(bytes, 26).unwrap_or(0);
        let dir_start = u32_at(bytes, 48).unwrap_or(ENDOFCHAIN);
        let mini_fat_start = u32_at(bytes, 60).unwrap_or(ENDOFCHAIN);
        let mini_fat_len = u32_at(bytes, 64).unwrap_or(0) as u64;
        let difat_start = u32_at(bytes, 68).unwrap_or(ENDOFCHAIN);
        let max_id = (bytes.len() / sector) as u32;
        let mut cf = Compound {
            bytes,
            sector,
            max_id,
            fats: Vec::new(),
            dirs: Vec::new(),
            mini_fats: Vec::new(),
            mini_stream: Vec::new(),
        };
        let mut difat: Vec<u32> = u32s(&bytes[76..512]).collect();
        let mut id = difat_start;
        let mut steps = 0u32;
        while id < RESERVED {
            steps += 1;
            if steps > max_id.saturating_add(1) {
                return Err(bad("a loop in its sector allocation table"));
            }
            difat.extend(u32s(cf.sector(id)?));
            id = difat
                .pop()
                .ok_or_else(|| bad("a broken sector allocation table"))?;
        }
        let fat_sectors = difat.iter().filter(|id| **id < DIFSECT).count() as u64;
        // calamine copies a sector per entry, however often an entry repeats.
        if fat_sectors.saturating_mul(sector as u64) > MAX_MEMORY {
            return Err(too_costly("its sector allocation table"));
        }
        for id in difat.into_iter().filter(|id| *id < DIFSECT) {
            let data = cf.sector(id)?;
            cf.fats.extend(u32s(data));
        }
        let dirs = cf.chain(dir_start, u64::MAX, false)?;
        for c in dirs.chunks_exact(128) {
            let units: Vec<u16> = c[..64]
                .chunks_exact(2)
                .map(|u| u16::from_le_bytes([u[0], u[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(nul) = name.find('\0') {
                name.truncate(nul);
            }
            let start = u32_at(c, 116).unwrap_or(ENDOFCHAIN);
            let len = if sector == 512 {
                u64::from(u32_at(c, 120).unwrap_or(0))
            } else {
                u64::from_le_bytes(c[120..128].try_into().unwrap_or([0; 8]))
            };
            cf.dirs.push((name, start, len));
        }
        let Some(&(_, root_start, root_len)) = cf.dirs.first() else {
            return Err(bad("no directory"));
        };
        if version != 3 && root_start == ENDOFCHAIN {
            return Err(bad("an empty directory"));
        }
        if mini_fat_len > 0 {
            cf.mini_stream = cf.chain(root_start, root_len, false)?;
            let mini_fat = cf.chain(
                mini_fat_start,
                mini_fat_len.saturating_mul(sector as u64),
                false,
            )?;
            cf.mini_fats = u32s(&mini_fat).collect();
        }
        Ok(cf)
    }

    /// The stream named `name` (any case), as calamine finds it.
    fn stream(&self, name: &str) -> Option<Result<Vec<u8>, String>> {
        let &(_, start, len) = self
            .dirs
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
        Some(self.chain(start, len, len < 4096))
    }
}

/// Refuses an `.xls` that calamine could not read within [`MAX_MEMORY`] (or at all, when its
/// compound file loops), and a password-protected workbook, with the reason.
pub fn check_xls(bytes: &[u8]) -> Result<(), String> {
    let cf = Compound::parse(bytes)?;
    let has = |name: &str| cf.dirs.iter().any(|(n, _, _)| n.eq_ignore_ascii_case(name));
    if has("EncryptedPackage") || has("EncryptionInfo") {
        return Err("the workbook is protected with a password; save a copy without one".into());
    }
    let stream = match cf.stream("Workbook").or_else(|| cf.stream("Book")) {
        Some(s) => s?,
        None => return Err("it is an OLE file without a workbook in it, not an `.xls`".into()),
    };
    if biff_cost(&stream)? > MAX_MEMORY {
        return Err(too_costly("the sizes its sheets and cells state"));
    }
    Ok(())
}

/// A BIFF record: its type, data, and the data of the CONTINUE records after it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: Vec<&'a [u8]>,
}

/// The records of a BIFF stream, as calamine splits them (CONTINUE records joined to the one
/// before); stops at the first record that does not fit.
fn records(mut s: &[u8]) -> impl Iterator<Item = Record<'_>> {
    std::iter::from_fn(move || {
        let typ = u16_at(s, 0)?;
        let len = u16_at(s, 2)? as usize;
        let data = s.get(4..4 + len)?;
        s = &s[4 + len..];
        let mut cont = Vec::new();
        while u16_at(s, 0) == Some(0x003C) {
            let l = u16_at(s, 2)? as usize;
            cont.push(s.get(4..4 + l)?);
            s = &s[4 + l..];
        }
        Some(Record { typ, data, cont })
    })
}

/// Per shared string, the characters it states (calamine reserves that much and decodes at
/// most that many, each at most 3 bytes); `None` when the table cannot be followed exactly.
fn sst_lengths(r: &Record<'_>) -> Option<Vec<u64>> {
    let mut parts: std::collections::VecDeque<&[u8]> = r.cont.iter().copied().collect();
    let mut data = r.data.get(8..)?;
    let mut out = Vec::new();
    fn next<'a>(data: &mut &'a [u8], parts: &mut std::collections::VecDeque<&'a [u8]>) -> bool {
        match parts.pop_front() {
            Some(p) => {
                *data = p;
                true
            }
            None => false,
        }
    }
    while !data.is_empty() || next(&mut data, &mut parts) {
        if data.len() < 3 {
            return None;
        }
        let cch = u16::from_le_bytes([data[0], data[1]]) as u64;
        let flags = data[2];
        data = &data[3..];
        let mut skip = 0usize;
        if flags & 0x8 != 0 {
            skip += 4 * u16_at(data, 0)? as usize;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            skip += u32_at(data, 0)? as usize;
            data = &data[4..];
        }
        let mut wide = flags & 0x1 != 0;
        let mut left = cch as usize;
        while left > 0 {
            let per = if wide { 2 } else { 1 };
            let n = left.min(data.len() / per);
            data = &data[n * per..];
            left -= n;
            if left > 0 {
                if !next(&mut data, &mut parts) || data.is_empty() {
                    return None;
                }
                wide = data[0] & 0x1 != 0;
                data = &data[1..];
            }
        }
        while skip > 0 {
            if data.is_empty() && !next(&mut data, &mut parts) {
                return None;
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
        out.push(cch);
    }
    Some(out)
}

/// An upper bound of the bytes calamine allocates to read every sheet of a BIFF stream.
fn biff_cost(stream: &[u8]) -> Result<u64, String> {
    const MAX_CCH: u64 = 65_535;
    let cell = size_of::<calamine::Cell<calamine::Data>>() as u64;
    let formula_cell = size_of::<calamine::Cell<String>>() as u64;
    let data = size_of::<calamine::Data>() as u64;
    let string = size_of::<String>() as u64;
    let mut sheets = Vec::new();
    let mut sst: Option<Vec<u64>> = Some(Vec::new());
    // The longest text a formula token can name (a sheet or a defined name), in bytes.
    let mut longest_name: u64 = 0;
    for r in records(stream) {
        match r.typ {
            0x002F if u16_at(r.data, 0).is_some_and(|v| v != 0) => {
                return Err(
                    "the workbook is protected with a password; save a copy without one".into(),
                );
            }
            0x0085 => {
                sheets.push(u32_at(r.data, 0).unwrap_or(u32::MAX) as usize);
                longest_name = longest_name.max(3 * r.data.len() as u64);
            }
            0x0018 => longest_name = longest_name.max(3 * r.data.len() as u64),
            0x00FC => sst = sst_lengths(&r),
            0x000A => break,
            _ => {}
        }
    }
    let sst_len = |i: usize| -> u64 {
        match &sst {
            Some(lens) => lens.get(i).map_or(0, |n| 3 * n),
            None => 3 * MAX_CCH,
        }
    };
    let mut total: u64 = 0;
    for pos in sheets {
        let Some(sheet) = stream.get(pos..) else {
            continue;
        };
        let mut reserve: u64 = 0;
        let mut cells: u64 = 0;
        let mut text: u64 = 0;
        let mut formulas: u64 = 0;
        let mut formula_text: u64 = 0;
        // Bounding boxes: (min row, max row, min col, max col).
        let mut values: Option<(u32, u32, u32, u32)> = None;
        let mut formula_box: Option<(u32, u32, u32, u32)> = None;
        let grow = |b: &mut Option<(u32, u32, u32, u32)>, row: u32, col: u32| {
            *b = Some(match *b {
                None => (row, row, col, col),
                Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
            });
        };
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut formula_pos = (0u32, 0u32);
        for r in records(sheet) {
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |d: &[u8]| (u16_at(d, 0).map(u32::from), u16_at(d, 2).map(u32::from));
            match r.typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x0200 => {
                    let d = r.data;
                    let (rf, rl, cf, cl) = match d.len() {
                        10 => (
                            u32::from(u16_at(d, 0).unwrap_or(0)),
                            u32::from(u16_at(d, 2).unwrap_or(0)),
                            u32::from(u16_at(d, 4).unwrap_or(0)),
                            u32::from(u16_at(d, 6).unwrap_or(0)),
                        ),
                        14 | 16 => (
                            u32_at(d, 0).unwrap_or(0),
                            u32_at(d, 4).unwrap_or(0),
                            u32::from(u16_at(d, 8).unwrap_or(0)),
                            u32::from(u16_at(d, 10).unwrap_or(0)),
                        ),
                        _ => break,
                    };
                    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                    let (start, end) = if rl >= 1 && cl >= 1 {
                        ((rf, cf), (rl - 1, cl - 1))
                    } else {
                        ((rf, cf), (rf, cf))
                    };
                    let rows = end.0.wrapping_sub(start.0).wrapping_add(1) as u64;
                    let cols = end.1.wrapping_sub(start.1).wrapping_add(1) as u64;
                    reserve = reserve.max(rows.saturating_mul(cols).saturating_mul(cell));
                }
                0x0203 | 0x0205 | 0x027E => {
                    if let (Some(row), Some(col)) = at(r.data) {
                        grow(&mut values, row, col);
                        cells += 1;
                    }
                }
                0x0204 | 0x00D6 => {
                    if let (Some(row), Some(col)) = at(r.data) {
                        grow(&mut values, row, col);
                        cells += 1;
                        let cch = u16_at(r.data, 6).map_or(0, u64::from);
                        text = text.saturating_add(3 * cch.max(1) + string);
                    }
                }
                0x00FD => {
                    if let (Some(row), Some(col)) = at(r.data) {
                        grow(&mut values, row, col);
                        cells += 1;
                        let i = u32_at(r.data, 6).unwrap_or(0) as usize;
                        text = text.saturating_add(sst_len(i));
                    }
                }
                0x00BD => {
                    if let (Some(row), Some(first)) = at(r.data) {
                        let n = (r.data.len().saturating_sub(6) / 6) as u32;
                        if n > 0 {
                            grow(&mut values, row, first);
                            grow(&mut values, row, first.saturating_add(n - 1));
                        }
                        cells += u64::from(n);
                    }
                }
                0x0207 => {
                    grow(&mut values, formula_pos.0, formula_pos.1);
                    cells += 1;
                    let cch = u16_at(r.data, 0).map_or(0, u64::from);
                    text = text.saturating_add(3 * cch + string);
                }
                0x0006 => {
                    if r.data.len() >= 20
                        && let (Some(row), Some(col)) = at(r.data)
                    {
                        formula_pos = (row, col);
                        grow(&mut values, row, col);
                        grow(&mut formula_box, row, col);
                        cells += 1;
                        formulas += 1;
                        let tokens = (r.data.len() - 20) as u64;
                        formula_text = formula_text
                            .saturating_add(tokens.saturating_mul(longest_name + 64))
                            .saturating_add(128);
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        let area = |b: Option<(u32, u32, u32, u32)>| {
            b.map_or(0, |(r0, r1, c0, c1)| {
                u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
            })
        };
        // The cells as read, the range they become (and its copy when a sheet is asked
        // for), and the formulas' range.
        total = total
            .saturating_add(reserve.max(cells.saturating_mul(cell)))
            .saturating_add(text.saturating_mul(2))
            .saturating_add(area(values).saturating_mul(data).saturating_mul(2))
            .saturating_add(formulas.saturating_mul(formula_cell))
            .saturating_add(formula_text)
            .saturating_add(area(formula_box).saturating_mul(string));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A zip archive of `entries`, deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            w.start_file(*name, options).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn zip_entries_are_counted_as_inflated() {
        let ok = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<w/>"),
        ]);
        let a = check_zip(&ok).unwrap();
        assert!(a.is_xlsx && !a.is_ods);
        let ods = zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<office:document-content/>"),
        ]);
        let a = check_zip(&ods).unwrap();
        assert!(a.is_ods && !a.is_xlsx);
        assert_eq!(
            a.content.as_deref(),
            Some(&b"<office:document-content/>"[..])
        );
        // An entry stating 300 MiB (a few hundred KB of zeros deflated would do): refused
        // before anything inflates it.
        let strings = vec![b'x'; 4321];
        let mut bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/sharedStrings.xml", &strings),
        ]);
        patch_sizes(&mut bomb, 4321, 300 << 20);
        let err = check_zip(&bomb).unwrap_err();
        assert!(err.contains("larger than 256 MiB"), "{err}");
        let many: Vec<(String, &[u8])> = (0..=MAX_ENTRIES)
            .map(|i| (format!("f{i}"), &b""[..]))
            .collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        assert!(check_zip(&zip_of(&many)).unwrap_err().contains("entries"));
    }

    /// Replaces the stated uncompressed size `from` by `to` in an archive's local header and
    /// central directory.
    fn patch_sizes(bytes: &mut [u8], from: u32, to: u32) {
        let mut patched = 0;
        for i in 0..bytes.len() - 4 {
            if bytes[i..i + 4] == from.to_le_bytes() {
                bytes[i..i + 4].copy_from_slice(&to.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
    }

    #[test]
    fn a_zip_entry_larger_than_its_stated_size_is_refused() {
        let body = vec![b'a'; 100_000];
        let mut bytes = zip_of(&[("content.xml", &body)]);
        // The stated size lowered to 10 bytes.
        patch_sizes(&mut bytes, body.len() as u32, 10);
        let err = check_zip(&bytes).unwrap_err();
        assert!(err.contains("larger than its declared"), "{err}");
    }

    fn ods_xml(rows: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\"?><office:document-content><office:body><office:spreadsheet>\
             <table:table table:name=\"S\">{rows}</table:table>\
             </office:spreadsheet></office:body></office:document-content>"
        )
        .into_bytes()
    }

    #[test]
    fn ods_repeats_are_added_up() {
        // What LibreOffice writes: a few cells, then empty rows repeated to the end of the sheet.
        let normal = ods_xml(
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>kpi_id</text:p></table:table-cell>\
             <table:table-cell office:value-type=\"float\" office:value=\"95\"><text:p>95</text:p></table:table-cell>\
             <table:table-cell table:number-columns-repeated=\"1022\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>",
        );
        assert!(ods_cost(&normal) < 10_000, "{}", ods_cost(&normal));
        assert!(check_ods(&normal).is_ok());
        // One cell with a value repeated across every column, and that row repeated a million
        // times: a few hundred bytes of XML, terabytes in memory.
        let bomb = ods_xml(
            "<table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>",
        );
        assert!(check_ods(&bomb).unwrap_err().contains("256 MiB"));
        // Empty rows between two rows with values are materialised too.
        let between = ods_xml(
            "<table:table-row><table:table-cell table:number-columns-repeated=\"16383\"/><table:table-cell office:value=\"1\" office:value-type=\"float\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell/></table:table-row>\
             <table:table-row><table:table-cell office:value=\"1\" office:value-type=\"float\"/></table:table-row>",
        );
        assert!(check_ods(&between).is_err());
        // A long text repeated, and spaces by the million.
        let text = ods_xml(&format!(
            "<table:table-row><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"string\"><text:p>{}</text:p></table:table-cell></table:table-row>",
            "x".repeat(100_000)
        ));
        assert!(check_ods(&text).is_err());
        let spaces = ods_xml(
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p><text:s text:c=\"4000000000\"></text:s></text:p></table:table-cell></table:table-row>",
        );
        assert!(check_ods(&spaces).is_err());
    }

    /// A compound file of one stream, `Workbook` (at least 4,096 bytes, so in the main
    /// sectors), with 512-byte sectors: header, one FAT sector, one directory sector, the stream.
    /// `fat` edits the allocation table before it is written.
    fn compound(stream: &[u8], fat: impl FnOnce(&mut Vec<u32>)) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
        let n = (stream.len() / 512) as u32;
        // Sector 0: the FAT; 1: the directory; 2..: the stream.
        let mut table = vec![0xFFFF_FFFDu32, ENDOFCHAIN];
        for i in 0..n {
            table.push(if i + 1 == n { ENDOFCHAIN } else { 3 + i });
        }
        fat(&mut table);
        table.resize(128, 0xFFFF_FFFF);
        let mut header = vec![0u8; 512];
        header[..8].copy_from_slice(OLE_MAGIC);
        header[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
        header[26..28].copy_from_slice(&3u16.to_le_bytes());
        header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
        header[30..32].copy_from_slice(&9u16.to_le_bytes());
        header[32..34].copy_from_slice(&6u16.to_le_bytes());
        header[44..48].copy_from_slice(&1u32.to_le_bytes());
        header[48..52].copy_from_slice(&1u32.to_le_bytes());
        header[56..60].copy_from_slice(&4096u32.to_le_bytes());
        header[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        header[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
            header[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut dir = vec![0u8; 512];
        let entry = |dir: &mut Vec<u8>, at: usize, name: &str, kind: u8, start: u32, len: u32| {
            for (i, u) in name.encode_utf16().enumerate() {
                dir[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
            }
            let name_len = 2 * (name.encode_utf16().count() as u16 + 1);
            dir[at + 64..at + 66].copy_from_slice(&name_len.to_le_bytes());
            dir[at + 66] = kind;
            dir[at + 116..at + 120].copy_from_slice(&start.to_le_bytes());
            dir[at + 120..at + 124].copy_from_slice(&len.to_le_bytes());
        };
        entry(&mut dir, 0, "Root Entry", 5, ENDOFCHAIN, 0);
        entry(&mut dir, 128, "Workbook", 2, 2, stream.len() as u32);
        let mut out = header;
        out.extend(table.iter().flat_map(|v| v.to_le_bytes()));
        out.extend(dir);
        out.extend(stream);
        out
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    }

    /// A BIFF8 workbook stream: globals with one sheet, then the sheet's `records`.
    fn workbook(sheet: &[Vec<u8>]) -> Vec<u8> {
        let bof = record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let eof = record(0x000A, &[]);
        let sheet_rec = |pos: u32| {
            let mut d = pos.to_le_bytes().to_vec();
            d.extend([0, 0, 1, 0, b'S']);
            record(0x0085, &d)
        };
        let globals_len = (bof.len() + sheet_rec(0).len() + eof.len()) as u32;
        let mut out = bof.clone();
        out.extend(sheet_rec(globals_len));
        out.extend(&eof);
        out.extend(record(0x0809, &[0x00, 0x06, 0x10, 0x00, 0, 0, 0, 0]));
        for r in sheet {
            out.extend(r);
        }
        out.extend(eof);
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0, 0]);
        d.extend(1.0f64.to_le_bytes());
        record(0x0203, &d)
    }

    #[test]
    fn xls_sizes_are_added_up_before_calamine_reads_them() {
        let ok = compound(&workbook(&[number(0, 0), number(5, 3)]), |_| {});
        assert_eq!(check_xls(&ok), Ok(()));
        // calamine reads the same file (so the test file is a real `.xls`).
        let mut book: calamine::Xls<_> = calamine::open_workbook_from_rs(Cursor::new(&ok)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut book, "S").unwrap();
        assert_eq!(range.get_size(), (6, 4));
        // Two cells far apart: a range of 65,536 × 65,536 cells.
        let far = compound(&workbook(&[number(0, 0), number(65_535, 65_535)]), |_| {});
        assert!(check_xls(&far).unwrap_err().contains("memory"));
        // DIMENSIONS stating 2^32 rows by 256 columns: calamine would reserve them.
        let mut dims = Vec::new();
        dims.extend(0u32.to_le_bytes());
        dims.extend(u32::MAX.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(256u16.to_le_bytes());
        dims.extend([0, 0]);
        let big = compound(&workbook(&[record(0x0200, &dims)]), |_| {});
        assert!(check_xls(&big).unwrap_err().contains("memory"));
        // LABEL records stating 65,535 characters each, holding none.
        let mut label = vec![0, 0, 0, 0, 0, 0];
        label.extend(65_535u16.to_le_bytes());
        label.push(0);
        let labels: Vec<Vec<u8>> = (0..2_000).map(|_| record(0x0204, &label)).collect();
        let labels = compound(&workbook(&labels), |_| {});
        assert!(check_xls(&labels).unwrap_err().contains("memory"));
        // A loop in the directory's sector chain: calamine would never finish.
        let looped = compound(&workbook(&[number(0, 0)]), |fat| fat[1] = 1);
        assert!(check_xls(&looped).unwrap_err().contains("loop"));
        // An encrypted OOXML package.
        let mut enc = compound(&workbook(&[]), |_| {});
        let at = 512 + 512 + 128;
        for (i, u) in "EncryptedPackage\0".encode_utf16().enumerate() {
            enc[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        assert!(check_xls(&enc).unwrap_err().contains("password"));
    }

    #[test]
    fn shared_string_lengths_follow_continue_records() {
        // Two strings: "ab" (8-bit), then "xyz" split across a CONTINUE as UTF-16.
        let mut sst = vec![0u8; 8];
        sst.extend([2, 0, 0, b'a', b'b']);
        sst.extend([3, 0, 1, b'x', 0]);
        let cont = [1u8, b'y', 0, b'z', 0];
        let r = Record {
            typ: 0xFC,
            data: &sst,
            cont: vec![&cont],
        };
        assert_eq!(sst_lengths(&r), Some(vec![2, 3]));
    }
}
