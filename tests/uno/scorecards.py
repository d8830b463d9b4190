"""Drives LibreOffice over UNO for tests/xlsx.rs: opens the scorecards.xlsx that kpic wrote,
types actuals into the actual cells, recalculates, reads what the formulas computed, checks
that user text never became a formula or a link, and saves the workbook as .xlsx, .xlsm, .ods,
.xls and CSV for `kpic score` to read back.

Run with Debian's /usr/bin/python3 (the one with `import uno`) against a running
`soffice --headless --accept=pipe,name=NAME;urp;`:

    /usr/bin/python3 scorecards.py CONFIG.json

CONFIG holds: "pipe" (the pipe name), "workbooks" (a list of jobs), "out" (where the result
JSON goes). A job is {"path", "actuals": {kpi_id: number|null}|null, "save": folder|null,
"labels": {"kpi_id": [...], "actual": [...], "met": [...], "status": [...], "attainment": [...],
"owner_id": [...], "score": [...]}, "hostile": [strings]}. It prints nothing; errors go to
stderr and the exit code.
"""

import json
import os
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.table.CellContentType import FORMULA, TEXT


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    url = "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve(url)
            break
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    smgr = ctx.ServiceManager
    return smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def squash(s):
    return "".join(c for c in s.lower() if not c.isspace() and c not in "_-")


def header_columns(sheet, labels, width):
    """Column index per key, from the header row (any line of a header cell)."""
    found = {}
    for col in range(width):
        text = sheet.getCellByPosition(col, 0).getString()
        for line in text.splitlines():
            for key, names in labels.items():
                if key not in found and squash(line) in [squash(n) for n in names]:
                    found[key] = col
    return found


def used_size(sheet):
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    addr = cursor.getRangeAddress()
    return addr.EndRow + 1, addr.EndColumn + 1


def run_job(desktop, job):
    url = uno.systemPathToFileUrl(os.path.abspath(job["path"]))
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
    result = {"sheets": [], "kpis": {}, "team_scores": {}, "summary_scores": {},
              "formula_cells": [], "problems": []}
    labels = job["labels"]
    actuals = job.get("actuals")
    sheets = doc.getSheets()
    typed = 0
    for i in range(sheets.getCount()):
        sheet = sheets.getByIndex(i)
        rows, width = used_size(sheet)
        cols = header_columns(sheet, labels, width)
        result["sheets"].append({"name": sheet.getName(), "protected": sheet.isProtected(),
                                 "columns": cols})
        if "kpi_id" in cols and "actual" in cols and actuals is not None:
            for row in range(1, rows):
                kpi = sheet.getCellByPosition(cols["kpi_id"], row).getString()
                cell = sheet.getCellByPosition(cols["actual"], row)
                locked = cell.CellProtection.IsLocked
                if kpi and locked:
                    result["problems"].append("actual cell of %s is locked" % kpi)
                if kpi:
                    v = cell.Validation
                    result["kpis"].setdefault(kpi, {})["validation"] = {
                        "type": v.Type.value, "input": v.InputMessage,
                        "show_input": v.ShowInputMessage}
                if kpi in actuals and actuals[kpi] is not None:
                    cell.setValue(actuals[kpi])
                    typed += 1
    doc.calculateAll()
    for i in range(sheets.getCount()):
        sheet = sheets.getByIndex(i)
        rows, width = used_size(sheet)
        cols = result["sheets"][i]["columns"]
        for row in range(rows):
            for col in range(width):
                cell = sheet.getCellByPosition(col, row)
                kind = cell.getType()
                if kind == FORMULA:
                    result["formula_cells"].append(
                        {"sheet": sheet.getName(), "row": row, "col": col,
                         "formula": cell.getFormula()})
                text = cell.getString()
                for h in job.get("hostile", []):
                    if h and h.strip() and h.strip() in text:
                        if kind != TEXT:
                            result["problems"].append(
                                "cell %s!%d,%d holding %r is not text" % (sheet.getName(), row, col, h))
                if kind == TEXT and cell.getText().getTextFields().getCount() > 0:
                    result["problems"].append(
                        "cell %s!%d,%d holds a field (a link?)" % (sheet.getName(), row, col))
                if col != cols.get("actual") and row > 0:
                    if not cell.CellProtection.IsLocked:
                        result["problems"].append(
                            "cell %s!%d,%d is not locked" % (sheet.getName(), row, col))
        if "kpi_id" in cols:
            for row in range(1, rows):
                kpi = sheet.getCellByPosition(cols["kpi_id"], row).getString()
                if kpi:
                    att = sheet.getCellByPosition(cols["attainment"], row)
                    entry = result["kpis"].setdefault(kpi, {})
                    entry["met"] = sheet.getCellByPosition(cols["met"], row).getString()
                    if "status" in cols:
                        entry["status"] = sheet.getCellByPosition(
                            cols["status"], row).getString()
                    entry["attainment"] = None if att.getString() == "" else att.getValue()
                    entry["sheet"] = sheet.getName()
                elif "attainment" in cols:
                    score = sheet.getCellByPosition(cols["attainment"], row)
                    if score.getType() == FORMULA:
                        owner = sheet.getCellByPosition(0, row).getString()
                        result["team_scores"][owner] = (
                            None if score.getString() == "" else score.getValue())
        if "owner_id" in cols and "score" in cols:
            for row in range(1, rows):
                owner = sheet.getCellByPosition(cols["owner_id"], row).getString()
                score = sheet.getCellByPosition(cols["score"], row)
                if owner and score.getType() == FORMULA:
                    result["summary_scores"][owner] = (
                        None if score.getString() == "" else score.getValue())
    result["typed"] = typed
    save = job.get("save")
    if save:
        os.makedirs(save, exist_ok=True)
        targets = [
            ("filled.xlsx", "Calc MS Excel 2007 XML", None),
            ("filled.xlsm", "Calc MS Excel 2007 VBA XML", None),
            ("filled.ods", "calc8", None),
            ("filled.xls", "MS Excel 97", None),
            # LibreOffice's defaults: the active sheet, the default character set.
            ("filled-default.csv", "Text - txt - csv (StarCalc)", None),
            # UTF-8 (76), every sheet into its own file (the 12th token, -1).
            ("filled-utf8.csv", "Text - txt - csv (StarCalc)",
             "44,34,76,1,,0,false,true,true,false,false,-1"),
        ]
        for name, filt, options in targets:
            args = [prop("FilterName", filt), prop("Overwrite", True)]
            if options:
                args.append(prop("FilterOptions", options))
            doc.storeToURL(uno.systemPathToFileUrl(os.path.join(save, name)), tuple(args))
        result["saved"] = sorted(os.listdir(save))
    doc.close(True)
    csv = job.get("import_csv")
    if csv:
        # LibreOffice's import with comma, semicolon and tab ticked: every row as wide as
        # the header.
        url = uno.systemPathToFileUrl(os.path.abspath(csv))
        options = "44/59/9,34,76,1"
        doc = desktop.loadComponentFromURL(url, "_blank", 0, (
            prop("Hidden", True), prop("FilterName", "Text - txt - csv (StarCalc)"),
            prop("FilterOptions", options)))
        sheet = doc.getSheets().getByIndex(0)
        rows, width = used_size(sheet)
        header = [sheet.getCellByPosition(c, 0).getString() for c in range(width)]
        result["csv_header"] = header
        result["csv_actual_column"] = [
            sheet.getCellByPosition(header.index("actual"), r).getString()
            for r in range(1, rows)] if "actual" in header else None
        result["csv_widths"] = [
            max([c + 1 for c in range(width)
                 if sheet.getCellByPosition(c, r).getString() != ""] or [0])
            for r in range(rows)]
        doc.close(True)
    return result


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    desktop = connect(config["pipe"])
    results = [run_job(desktop, job) for job in config["workbooks"]]
    with open(config["out"], "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)
    try:
        desktop.terminate()
    except Exception:
        pass  # the office goes away with the connection


if __name__ == "__main__":
    main()
