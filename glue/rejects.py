"""The rejects file (core/rejects.ts): its columns, the reasons of the records a reader could not
split (worded as ``REJECT_REASONS``), the file's CSV spelling, and the reject past which a file
cannot be split."""

import re

from value_rules import SWALLOWED_RECORD_REASON, is_swallowed_record

REJECTS_COLUMNS = ("line", "reject_reason", "record")

UNCLOSED_QUOTE_REASON = "a quote opens a value that nothing closes (an unterminated quote)"

# What makes a value of the rejects file quoted, as DuckDB's COPY (FORMAT csv) writes the local
# engines' rejects files: a delimiter, quote, CR or LF, a '#', or the empty text (NULL is empty).
QUOTED_WHEN = (",", '"', "\r", "\n", "#")


def field_count_reason(found, expected):
    """A record of another number of fields than the header's (core's ``REJECT_REASONS.fieldCount``)."""
    return f"record: {found} field{'' if found == 1 else 's'}, expected {expected}"


def record_split_message(where, reason):
    """The ``MalformedCsvError`` message of a file that cannot be split (core's ``recordSplitMessage``)."""
    return f"{where}: {reason}: the rows after it cannot be split reliably, so nothing is loaded; close the quote and upload the file again"


def record_split_failure(rejects, swallowed_record_pattern):
    """The first reject (dicts: ``line``, ``reject_reason``, ``record``, ``unclosed``) past which
    the file cannot be split (core's ``recordSplitFailure``): a value holding swallowed rows, raw
    text a reader set aside holding them (a JSON record never holds a raw line break), or raw text
    with a quote nothing closes."""
    swallowing = re.compile(swallowed_record_pattern)

    def reason_of(reject):
        if reject.get("unclosed"):
            return UNCLOSED_QUOTE_REASON
        if is_swallowed_record(reject["reject_reason"]):
            return reject["reject_reason"]
        return f"the record {SWALLOWED_RECORD_REASON}" if swallowing.search(reject["record"] or "") else None

    failures = [{"line": r["line"], "reason": reason} for r in rejects if (reason := reason_of(r)) is not None]
    return min(failures, key=lambda f: f["line"], default=None)


def csv_field(value):
    """One value of the rejects file as written (``QUOTED_WHEN``; a quote doubled)."""
    if value is None:
        return ""
    text = str(value)
    if text == "" or any(c in text for c in QUOTED_WHEN):
        return '"' + text.replace('"', '""') + '"'
    return text


def rejects_csv(rejects):
    """The rejects file's text (what the runner has Spark write): a header, then one row per reject."""
    rows = [",".join(REJECTS_COLUMNS)] + [",".join(csv_field(reject.get(column)) for column in REJECTS_COLUMNS) for reject in rejects]
    return "".join(f"{row}\n" for row in rows)
