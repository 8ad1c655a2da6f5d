"""The rejects file (core/rejects.ts): its rows, their lines in the original file, and the
reject past which a file cannot be split."""

import csv
import io
import json
import re

from header import csv_reader, parse_header_record
from plan import DEFAULT_READ
from value_rules import SWALLOWED_RECORD_REASON, is_swallowed_record

STRUCTURAL_REJECT_REASON = "Malformed CSV record"

REJECTS_COLUMNS = ("line", "reject_reason", "record")

UNCLOSED_QUOTE_REASON = "a quote opens a value that nothing closes (an unterminated quote)"


def record_split_message(where, reason):
    """The ``MalformedCsvError`` message of a file that cannot be split (core's ``recordSplitMessage``)."""
    return f"{where}: {reason}: the rows after it cannot be split reliably, so nothing is loaded; close the quote and upload the file again"


def record_split_failure(rejects, swallowed_record_pattern):
    """The first numbered reject past which the file cannot be split (core's ``recordSplitFailure``):
    a value holding swallowed rows, raw text a reader set aside holding them (a JSON record never
    holds a raw line break), or raw text with a quote nothing closes."""
    swallowing = re.compile(swallowed_record_pattern)

    def reason_of(reject):
        if reject.get("unclosed"):
            return UNCLOSED_QUOTE_REASON
        if is_swallowed_record(reject["reject_reason"]):
            return reject["reject_reason"]
        return f"the record {SWALLOWED_RECORD_REASON}" if swallowing.search(reject["record"] or "") else None

    failures = [{"line": r["line"], "reason": reason} for r in rejects if (reason := reason_of(r)) is not None]
    return min(failures, key=lambda f: (f["line"] is None, f["line"] or 0), default=None)


def reject_row(reason, record, fields, unclosed=False):
    """A row of the rejects file, its line not known yet, with the fields it was read with."""
    return {"line": None, "reject_reason": reason, "record": record, "fields": fields, "unclosed": unclosed}


_REPLACED = re.compile("[\ufffd?]+")


def fields_key(fields):
    """What two readings of one record share (core's ``fieldsKey``): its fields, an empty value and
    a missing one alike, and bytes that are not UTF-8 alike however a reader replaced them."""
    return json.dumps([_REPLACED.sub("?", value or "") for value in fields], ensure_ascii=False, separators=(",", ":"))


def value_reject_fields(record, names):
    """The fields of a value reject from its ``record`` JSON object, in the order of ``names``
    (the output names of the file's declared columns, in the file's order)."""
    values = json.loads(record)
    return [values.get(name) for name in names]


def declared_fields(fields, positions):
    """The fields at ``positions`` (the file's declared columns; ``None``: all of them)."""
    return list(fields) if positions is None else [fields[i] if i < len(fields) else None for i in positions]


def raw_record_fields(text, read=None, positions=None):
    """The fields of a record the engine could not split (those at ``positions``), from its raw
    text in the dialect ``read``, and whether a quote in it is never closed (the strict reader
    stops there)."""
    try:
        for _record in csv_reader(io.StringIO(text, newline=""), read, strict=True):
            pass
        unclosed = False
    except csv.Error:
        unclosed = True
    return declared_fields(parse_header_record(text, read), positions), unclosed


def _without_bom(lines):
    """The lines, a byte-order mark at the start of the first dropped (every reader drops it)."""
    lines = iter(lines)
    first = next(lines, None)
    if first is not None:
        yield first.removeprefix("\ufeff")
        yield from lines


def number_rejects(lines, rejects, read=None, positions=None, first_line=1):
    """Sets the ``line`` of each reject (dicts with ``fields``) from the file's text lines.

    ``lines`` are the file's from line ``first_line`` on (1: the whole file; the lines above are
    those of ``read["skipRows"]`` the staged copy was written without); the ``skipRows`` lines
    are skipped, then the records read in the dialect ``read``, the first being the header when
    the file has one, each keyed by its fields at ``positions`` (the declared columns).
    The n-th reject with given fields gets the start line of the n-th record holding them (lines
    of the original file: the header is line ``skipRows + 1``; a blank line counts); raw text
    whose quote nothing closes gets the line of the record where that quote opened. Returns the
    rejects in line order, unnumbered last.
    """
    read = read or DEFAULT_READ
    waiting = {}
    for reject in rejects:
        if reject.get("line") is None:
            waiting.setdefault(fields_key(reject["fields"]), []).append(reject)
    lines = _without_bom(lines) if first_line == 1 else iter(lines)
    above = first_line - 1
    # The skipped lines end at LF (core's rule; a lone CR, a line of Python's reader, is not one).
    while above < read["skipRows"]:
        line = next(lines, None)
        if line is None:
            break
        above += line.endswith("\n")
    previous_end = 0
    start = above + 1
    reader = csv_reader(lines, read)
    for index, fields in enumerate(reader):
        start, previous_end = above + previous_end + 1, reader.line_num
        if index == 0 and read["header"]:
            continue
        fields = declared_fields(fields, positions)
        found = waiting.get(fields_key(fields))
        if found:
            found.pop(0)["line"] = start
            if not found:
                del waiting[fields_key(fields)]
        if not waiting:
            break
    # A quote nothing closes runs to the end of the file: the last record is where it opened.
    for reject in rejects:
        if reject.get("unclosed") and reject.get("line") is None:
            reject["line"] = start
    return sorted(rejects, key=lambda r: (r.get("line") is None, r.get("line") or 0))


def rejects_csv(rejects):
    """The rejects file's text: a header, then one row per reject."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REJECTS_COLUMNS)
    for reject in rejects:
        writer.writerow([reject.get(column) for column in REJECTS_COLUMNS])
    return out.getvalue()
