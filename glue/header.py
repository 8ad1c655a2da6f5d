"""The header row: read in the plan's dialect and matched with the dataset's columns
(core/validation/header.ts)."""

import csv
import io
import json

from errors import HeaderMismatchError
from plan import DEFAULT_READ, column_source

# A value may be as long as a swallowed record (Python's csv stops at 128 KiB by default).
csv.field_size_limit(2**31 - 1)


def csv_reader(lines, read=None, strict=False):
    """Python's csv reader in the plan's dialect (``read``, :data:`DEFAULT_READ` when ``None``)."""
    read = read or DEFAULT_READ
    return csv.reader(lines, delimiter=read["delimiter"], quotechar=read["quoteChar"], doublequote=read["doubleQuote"], escapechar=read["escapeChar"], strict=strict)


def parse_header_record(text, read=None):
    """The first CSV record of ``text`` in the dialect ``read``, or ``[]``."""
    for record in csv_reader(io.StringIO(text, newline=""), read):
        if record:
            return record
    return []


def normalize_header(names):
    """Strips a UTF-8 byte-order mark and surrounding spaces from the header names."""
    return [(name.lstrip("\ufeff") if i == 0 else name).strip() for i, name in enumerate(names)]


def match_header(header, dataset, columns, extra_columns="refuse"):
    """The header's names (normalised), matched with each column's ``source`` like core's
    ``matchHeader``: the output name of the column at each position of the file, ``None`` for a
    column the dataset does not declare when ``extra_columns`` is ``'ignore'`` (it is not read)."""
    by_source = {column_source(c): c for c in columns}
    problems = []
    seen = set()
    repeated = []
    for name in header:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        problems.append("repeated: " + ", ".join(dict.fromkeys(repeated)))
    unknown = [name for name in header if name not in by_source]
    if unknown and extra_columns != "ignore":
        problems.append("unknown: " + ", ".join(json.dumps(n, ensure_ascii=False) for n in unknown))
    missing = [column_source(c) for c in columns if c.get("required", True) and column_source(c) not in seen]
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if problems:
        expected = ",".join(column_source(c) for c in columns)
        raise HeaderMismatchError(f'header does not match dataset "{dataset}" ({"; ".join(problems)}); expected {expected}')
    return [by_source[name]["name"] if name in by_source else None for name in header]


def positional_header(columns):
    """The file's columns when it has no header row: the declared columns, in order."""
    return [c["name"] for c in columns]
