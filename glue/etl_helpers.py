"""Pure helpers of the Glue runner (no Spark, no AWS): naming, header matching, quality rules,
output-file naming and the run report. Each mirrors its TypeScript counterpart in core/ (named in
the docstrings) so that the Glue job and the local DuckDB job behave alike; test/infra checks the
two side by side, and glue/tests checks these in isolation with unittest.
"""

import codecs
import csv
import hashlib
import io
import json
import re
import zlib
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

# A value may be as long as a swallowed record (Python's csv stops at 128 KiB by default).
csv.field_size_limit(2**31 - 1)

PLAN_FORMAT_VERSION = 1
PARTITION_COLUMN = "dt"
LOAD_PREFIX = "load/"
# The dataset's long-lived records, where no lifecycle rule expires them (core's ``PREFIX.meta``).
META_PREFIX = f"{LOAD_PREFIX}_meta/"
REPORTS_PREFIX = "logs/glue-jobs/"
CORRUPT_RECORD_COLUMN = "_corrupt_record"
STRUCTURAL_REJECT_REASON = "Malformed CSV record"


class EtlError(Exception):
    """An error the runner raises on purpose; its class name is the stable error name.

    The classes claim the ``builtins`` module so that a traceback (and with it the Glue job run's
    error message) reads ``QualityThresholdError: ...`` rather than ``etl_helpers.Quality...``:
    the state machine's failure path reads the name from that prefix (core/outcome.ts).
    """

    __module__ = "builtins"

    @property
    def name(self):
        return type(self).__name__


class ConfigError(EtlError):
    """A plan or a job argument the runner cannot use."""

    __module__ = "builtins"


class HeaderMismatchError(EtlError):
    """The header does not match the dataset's columns (core/validation/header.ts)."""

    __module__ = "builtins"


class QualityThresholdError(EtlError):
    """A quality threshold configured as ``fail`` was crossed (core/quality.ts)."""

    __module__ = "builtins"


class MalformedCsvError(EtlError):
    """The CSV cannot be split into records reliably (an unterminated quote swallowed rows)."""

    __module__ = "builtins"


class TransformError(EtlError):
    """The engine failed while reading, transforming or writing."""

    __module__ = "builtins"


class LatestStateConflictError(EtlError):
    """Every attempt to publish the dataset's new state lost the race for its manifest to other runs."""

    __module__ = "builtins"


def describe_error(exc):
    """``{name, message}`` of an error; anything not raised on purpose is a TransformError."""
    if isinstance(exc, EtlError):
        return {"name": exc.name, "message": str(exc)}
    return {"name": "TransformError", "message": str(exc) or type(exc).__name__}


# --- naming (core/naming.ts) ------------------------------------------------------------------


def input_id(input_key):
    """First 16 hex digits of the SHA-256 of the key: the output files of one input carry it."""
    return hashlib.sha256(input_key.encode("utf-8")).hexdigest()[:16]


def dataset_load_prefix(dataset):
    return f"{LOAD_PREFIX}{dataset}/"


def last_run_report_key(dataset):
    """The last successful run's report: ``load/_meta/<dataset>/last-success.json`` (core's ``lastRunReportKey``)."""
    return f"{META_PREFIX}{dataset}/last-success.json"


def legacy_last_run_report_key(dataset):
    """Where releases before the move to ``load/_meta/`` kept it, under the expiring ``logs/glue-jobs/``
    (core's ``legacyLastRunReportKey``): read only when the new key holds nothing, never written."""
    return f"{REPORTS_PREFIX}{dataset}/_last-success.json"


def rejects_key(dataset, execution_name):
    return f"{REPORTS_PREFIX}{dataset}/{execution_name}.rejects.csv"


def check_job_run_id(job_run_id):
    """The job run id, checked before it names folders (staging, state versions)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", job_run_id or ""):
        raise ConfigError(f"--JOB_RUN_ID must be a plain job run id, got {job_run_id!r}")
    return job_run_id


def staging_prefix(dataset, job_run_id):
    """The folder of one job run's staged files, outside every table: ``load/_staging/<dataset>/<job run>/``."""
    return f"{LOAD_PREFIX}_staging/{dataset}/{check_job_run_id(job_run_id)}/"


def latest_state_prefix(dataset):
    """The dataset's current state, outside its table: ``load/latest/<dataset>/`` (core's ``latestStatePrefix``)."""
    return f"{LOAD_PREFIX}latest/{dataset}/"


def latest_manifest_key(dataset):
    """The pointer to the state's current version, a symlink manifest (core's ``latestManifestKey``)."""
    return f"{latest_state_prefix(dataset)}_symlink_format_manifest/manifest"


def latest_versions_prefix(dataset):
    return f"{latest_state_prefix(dataset)}versions/"


def latest_version_prefix(dataset, version):
    """The folder of one version of the state (core's ``latestVersionPrefix``)."""
    return f"{latest_versions_prefix(dataset)}{version}/"


_VERSION_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def latest_version_id(created_at, job_run_id, attempt=1):
    """``<UTC yyyymmddThhmmssZ>-<job run id>`` (core's ``latestVersionId``), ``-<attempt>`` from the 2nd attempt."""
    version = f"{created_at.astimezone(UTC).strftime(_VERSION_TIME_FORMAT)}-{check_job_run_id(job_run_id)}"
    return version if attempt == 1 else f"{version}-{attempt}"


_VERSION_CREATED_AT = re.compile(r"^(\d{8}T\d{6}Z)-")


def version_created_at(version):
    """When a version was created, from its id; ``None`` for a folder not named as a version
    (core's ``latestVersionCreatedAt``)."""
    found = _VERSION_CREATED_AT.match(version)
    return datetime.strptime(found.group(1), _VERSION_TIME_FORMAT).replace(tzinfo=UTC) if found else None


def latest_version_of(key):
    """The version a state file belongs to (``…/versions/<version>/part-0.parquet``), else ``None``
    (core's ``latestVersionOf``)."""
    found = re.search(r"/versions/([^/]+)/[^/]+$", key)
    return found.group(1) if found else None


def format_latest_manifest(bucket, keys):
    """The manifest's text: one ``s3://<bucket>/<key>`` per line (core's ``formatLatestManifest``)."""
    return "".join(f"s3://{bucket}/{key}\n" for key in keys)


def parse_latest_manifest(text):
    """The keys a manifest lists, ``s3://<bucket>/`` removed (core's ``parseLatestManifest``)."""
    return [re.sub(r"^s3://[^/]+/", "", line) for line in text.split("\n") if line.strip() != ""]


def plan_key(plans_prefix, dataset):
    return f"{plans_prefix}{dataset}.json"


def check_load_id(text):
    """The ``--load_id`` argument (16 hex digits, core/naming.ts), checked before it names files."""
    if not re.fullmatch(r"[0-9a-f]{16}", text or ""):
        raise ConfigError(f"--load_id must be 16 hex digits, got {text!r}")
    return text


def check_ingestion_date(text):
    """The ``--ingestion_date`` argument, checked before it is spliced into SQL."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise ConfigError(f"--ingestion_date must be YYYY-MM-DD, got {text!r}")
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--ingestion_date is not a date: {text}") from exc
    return text


# --- the compiled plan (core/transform/compile-plan.ts) ---------------------------------------

_PLAN_KEYS = ("columns", "steps", "metricsSql", "rejectsSql", "outputSql", "latestSql", "partitionColumn", "quality", "swallowedRecordPattern")


def parse_plan(text, dataset):
    """The Spark plan of ``dataset`` from its JSON text; a plan of another shape is a ConfigError."""
    try:
        plan = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"the plan of dataset {dataset} is not JSON: {exc}") from exc
    problems = []
    if not isinstance(plan, dict):
        raise ConfigError(f"the plan of dataset {dataset} is not a JSON object")
    if plan.get("formatVersion") != PLAN_FORMAT_VERSION:
        problems.append(f"formatVersion {plan.get('formatVersion')!r} (expected {PLAN_FORMAT_VERSION})")
    if plan.get("dialect") != "spark":
        problems.append(f"dialect {plan.get('dialect')!r} (expected 'spark')")
    if plan.get("dataset") != dataset:
        problems.append(f"dataset {plan.get('dataset')!r} (expected {dataset!r})")
    problems += [f"missing {key}" for key in _PLAN_KEYS if key not in plan]
    if plan.get("partitionColumn", PARTITION_COLUMN) != PARTITION_COLUMN:
        problems.append(f"partitionColumn {plan.get('partitionColumn')!r} (expected {PARTITION_COLUMN!r})")
    # How the file is read (a plan compiled before dialects has none: the defaults, as then).
    read = plan.get("read")
    plan["read"] = {**DEFAULT_READ, **{k: v for k, v in read.items() if v is not None}} if isinstance(read, dict) else dict(DEFAULT_READ)
    problems += [] if read is None or isinstance(read, dict) else [f"read {read!r} (expected an object)"]
    problems += _read_problems(plan["read"])
    plan.setdefault("extraColumns", "refuse")
    if plan["extraColumns"] not in EXTRA_COLUMNS:
        problems.append(f"extraColumns {plan['extraColumns']!r} (expected one of {', '.join(EXTRA_COLUMNS)})")
    for column in plan.get("columns") or []:
        if isinstance(column, dict) and column.get("source") is not None and not isinstance(column["source"], str):
            problems.append(f"columns: source {column['source']!r} of {column.get('name')!r} (expected a string)")
    if problems:
        raise ConfigError(f"the plan of dataset {dataset} cannot be run: {'; '.join(problems)}")
    return plan


# The dialect of a plan compiled before dialects (core's ``DEFAULT_DIALECT``).
DEFAULT_READ = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "escapeChar": None, "header": True, "skipRows": 0, "encoding": "utf-8"}
_READ_CHOICES = {"delimiter": (",", ";", "\t", "|"), "quoteChar": ('"', "'"), "escapeChar": (None, "\\"), "encoding": ("utf-8", "windows-1252", "iso-8859-1", "utf-16")}
MAX_SKIP_ROWS = 100
EXTRA_COLUMNS = ("refuse", "ignore")


def _read_problems(read):
    problems = [f"read.{key} {read[key]!r} (expected one of {', '.join(map(repr, choices))})" for key, choices in _READ_CHOICES.items() if read[key] not in choices]
    problems += [f"read.{key} {read[key]!r} (expected true or false)" for key in ("doubleQuote", "header") if not isinstance(read[key], bool)]
    skip = read["skipRows"]
    if not isinstance(skip, int) or isinstance(skip, bool) or not 0 <= skip <= MAX_SKIP_ROWS:
        problems.append(f"read.skipRows {skip!r} (expected an integer from 0 to {MAX_SKIP_ROWS})")
    return problems


def column_source(column):
    """The header text of a plan's column (core's ``columnSource``): its ``source``, else its name."""
    return column.get("source") or column["name"]


def quote_identifier(name):
    """A Spark SQL identifier (core/transform/dialect.ts, spark.quote)."""
    return "`" + name.replace("`", "``") + "`"


def file_column(position):
    """The name the runner gives the file's column at ``position`` in Spark's schema (``_c0``…):
    header texts may hold any character, and an ignored extra column needs a name too."""
    return f"_c{position}"


def raw_projection(columns, positions):
    """Select list of ``etl_raw``: every declared column in order, renamed from its file column
    (``positions``: output name → position in the file), NULL when the file lacks it."""
    return ", ".join(
        f"{quote_identifier(file_column(positions[c['name']]))} AS {quote_identifier(c['name'])}"
        if c["name"] in positions
        else f"CAST(NULL AS STRING) AS {quote_identifier(c['name'])}"
        for c in columns
    )


def params_sql(ingestion_date):
    """The one-row ``etl_params`` relation."""
    return f"SELECT DATE'{check_ingestion_date(ingestion_date)}' AS ingestion_date"


# --- the header (core/validation/header.ts) ---------------------------------------------------


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


# --- reading the input: compression, encoding, lines above the header ------------------------

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# What the header probe may inflate a gzip input's first bytes to (a bound, not a need).
MAX_INFLATED_HEAD = 16 * 1024 * 1024


def is_gzip(head):
    """Whether an input's first bytes are gzip's (compression is detected, whatever the name)."""
    return head[:2] == GZIP_MAGIC


def inflate_head(head):
    """The first bytes of a gzip input, decompressed as far as they go."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, MAX_INFLATED_HEAD)
    except zlib.error as exc:
        raise TransformError(f"the input starts as gzip (1f 8b) but does not decompress: {exc}") from exc


def text_encoding(encoding, head):
    """How the declared ``encoding`` reads a file whose (decompressed) text starts with ``head``:
    ``(Python codec, Spark charset, byte-order mark length)``.

    ``iso-8859-1`` is read as windows-1252 (WHATWG's rule, as Node's TextDecoder reads it);
    both Java and Python decode the 5 bytes windows-1252 leaves undefined to U+FFFD. ``utf-16``:
    the byte-order mark decides, none means little-endian — Java's ``UTF-16`` reads a file with
    no mark as big-endian, so Spark is given the byte order itself (``UTF-16LE``/``UTF-16BE``,
    whose readers drop a leading mark as univocity's BOM detection does). A UTF-8 byte-order
    mark is always dropped: Spark's reader does for UTF-8, not for windows-1252 (the runner
    then stages the file without it).
    """
    if encoding == "utf-16":
        if head[:2] == b"\xfe\xff":
            return "utf-16-be", "UTF-16BE", 2
        return "utf-16-le", "UTF-16LE", 2 if head[:2] == b"\xff\xfe" else 0
    bom = len(UTF8_BOM) if head[:3] == UTF8_BOM else 0
    if encoding in ("windows-1252", "iso-8859-1"):
        return "cp1252", "windows-1252", bom
    return "utf-8", "UTF-8", bom


def spark_csv_options(read, charset):
    """The options of Spark's CSV reader for the plan's dialect ``read`` and the file's charset.

    Spark has one escape character: a doubled quote (``doubleQuote``) is the quote escaping
    itself; ``escapeChar`` (a backslash) takes its place; neither: no escaping (NUL). Records may
    span lines (quoted line breaks), which also reads UTF-16 right (line-based reading does not)."""
    escape = read["escapeChar"] if read["escapeChar"] is not None else read["quoteChar"] if read["doubleQuote"] else "\u0000"
    return {
        "sep": read["delimiter"],
        "quote": read["quoteChar"],
        "escape": escape,
        "header": read["header"],
        "encoding": charset,
        "multiLine": True,
        "enforceSchema": True,
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": CORRUPT_RECORD_COLUMN,
    }


def decode_head(head, codec, bom):
    """The text of an input's first (decompressed) bytes, its byte-order mark dropped; a
    character the probe cut in two is left out, bytes that do not decode become U+FFFD."""
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head[bom:], final=False)


def skip_text_lines(text, count):
    """``text`` without its first ``count`` lines (a line ends at LF, so CR LF counts once: the
    rule of core's skipRows)."""
    position = 0
    for _ in range(count):
        found = text.find("\n", position)
        if found < 0:
            return ""
        position = found + 1
    return text[position:]


_SKIP_CHUNK = 1024 * 1024


def _line_feed(codec):
    """The bytes of LF in ``codec`` (its code unit's width)."""
    return {"utf-16-le": b"\n\x00", "utf-16-be": b"\x00\n"}.get(codec, b"\n")


def _next_line_feed(data, position, lf):
    """Where the first LF code unit at or after ``position`` (aligned) is in ``data``, else -1."""
    found = data.find(lf, position)
    while found != -1 and (found - position) % len(lf):
        found = data.find(lf, found + 1)
    return found


class SkippedLines(io.RawIOBase):
    """The bytes of ``source`` (a binary stream of text in ``codec``) without its first ``drop``
    bytes (a byte-order mark) and then its first ``lines`` lines, streamed (a line ends at LF, so
    CR LF counts once: core's skipRows rule; a code unit of UTF-16 is two bytes).

    Why the runner stages such a copy for ``skipRows``: Spark 3.5's CSV reader has no option to
    skip lines, and dropping its first records instead would be wrong wherever a line above the
    header is blank (Spark skips blank lines) or holds a quote (it would swallow the lines after
    it): only physical lines are what every engine skips alike.
    """

    def __init__(self, source, lines, codec, drop=0):
        super().__init__()
        self.source = source
        self.lines = lines
        self.codec = codec
        self.drop = drop
        self.left = None

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left is None:
            self.left = self._skip()
        if self.left:
            size = min(len(buffer), len(self.left))
            buffer[:size] = self.left[:size]
            self.left = self.left[size:]
            return size
        data = self.source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _skip(self):
        """Reads past what is skipped; returns the bytes read beyond it."""
        lf = _line_feed(self.codec)
        data = b""
        while len(data) < self.drop:
            chunk = self.source.read(_SKIP_CHUNK)
            if not chunk:
                return b""
            data += chunk
        position = self.drop
        remaining = self.lines
        while remaining > 0:
            found = _next_line_feed(data, position, lf)
            if found < 0:
                # No line feed in what was read: keep a code unit cut in two, read on.
                position += (len(data) - position) // len(lf) * len(lf)
                data, position = data[position:], 0
                chunk = self.source.read(_SKIP_CHUNK)
                if not chunk:
                    return b""
                data += chunk
                continue
            position = found + len(lf)
            remaining -= 1
        return data[position:]


# --- the rejects file (core/rejects.ts, core/value-rules.ts) ---------------------------------

REJECTS_COLUMNS = ("line", "reject_reason", "record")
SWALLOWED_RECORD_REASON = "holds a line break followed by a whole record (an unterminated quote?)"


def is_swallowed_record(reason):
    """True for the reject reason of a value holding rows an unterminated quote swallowed."""
    return reason.endswith(SWALLOWED_RECORD_REASON)


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


# --- quality rules (core/quality.ts) ----------------------------------------------------------

_CHECKS = ("malformedRowRatio", "duplicateRatio", "volumeChangeRatio")


def _ratio(part, whole):
    return 0 if whole == 0 else part / whole


def _to_fixed(value, digits):
    """JavaScript's ``Number.prototype.toFixed``: the exact binary value, ties rounded up."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _percent(value):
    return f"{_to_fixed(value * 100, 3 if 0 < value < 0.01 else 1)}%"


def _number(value):
    """A count as JavaScript prints it (``12``, not ``12.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def quality_ratios(counts, previous_rows_out):
    well_formed = counts["rowsIn"] - counts["malformedRows"]
    return {
        "malformedRowRatio": _ratio(counts["malformedRows"], counts["rowsIn"]),
        "duplicateRatio": _ratio(counts["exactDuplicates"] + counts["keyDuplicates"], well_formed),
        "volumeChangeRatio": None if previous_rows_out is None or previous_rows_out == 0 else abs(counts["rowsOut"] - previous_rows_out) / previous_rows_out,
    }


def evaluate_quality(counts, previous_rows_out, quality):
    """Every threshold the counts cross, ``fail`` before ``warn`` (as core's ``evaluateQuality``)."""
    findings = []
    ratios = quality_ratios(counts, previous_rows_out)
    duplicates = counts["exactDuplicates"] + counts["keyDuplicates"]
    describe = {
        "malformedRowRatio": f"{_number(counts['malformedRows'])} of {_number(counts['rowsIn'])} rows malformed",
        "duplicateRatio": f"{_number(duplicates)} duplicate rows removed of {_number(counts['rowsIn'] - counts['malformedRows'])}",
        "volumeChangeRatio": f"{_number(counts['rowsOut'])} rows out against {_number(previous_rows_out or 0)} in the previous run",
    }
    for check in _CHECKS:
        value = ratios[check]
        if value is None:
            continue
        thresholds = quality.get(check) or {}
        warn, fail = thresholds.get("warn"), thresholds.get("fail")
        level = "fail" if fail is not None and value > fail else "warn" if warn is not None and value > warn else None
        if level:
            limit = fail if level == "fail" else warn
            findings.append({"check": check, "level": level, "message": f"{check} {_percent(value)} > {level} {_percent(limit or 0)} ({describe[check]})"})
    if counts["rowsOut"] == 0:
        findings.append(
            {
                "check": "emptyAfterDedupe",
                "level": quality.get("emptyAfterDedupe", "fail"),
                "message": f"no row left after removing malformed rows and duplicates ({_number(counts['rowsIn'])} read)",
            }
        )
    return sorted(findings, key=lambda f: 0 if f["level"] == "fail" else 1)


def quality_failures(counts, previous_rows_out, quality):
    """The messages of the ``fail`` findings: the transform stops before writing when any."""
    return [f["message"] for f in evaluate_quality(counts, previous_rows_out, quality) if f["level"] == "fail"]


def counts_from_metrics(metrics, structural_rows):
    """Row counts of the run from the plan's metrics row and the rows Spark could not split."""
    rows_in = int(metrics["rows_typed"]) + structural_rows
    malformed = int(metrics["malformed_rows"]) + structural_rows
    exact = int(metrics["clean_rows"]) - int(metrics["distinct_rows"])
    by_key = int(metrics["distinct_rows"]) - int(metrics["output_rows"])
    return {
        "rowsIn": rows_in,
        "malformedRows": malformed,
        "exactDuplicates": exact,
        "keyDuplicates": by_key,
        "duplicatesRemoved": exact + by_key,
        "rowsOut": int(metrics["output_rows"]),
    }


# --- the run report (core/run-report.ts) ------------------------------------------------------

_REPORT_FIELDS = {
    "formatVersion": int,
    "status": str,
    "engine": str,
    "dataset": str,
    "inputKey": str,
    "executionName": str,
    "jobRunId": str,
    "ingestionDate": str,
    "startedAt": str,
    "finishedAt": str,
    "durationMs": (int, float),
    "rowsIn": (int, float),
    "malformedRows": (int, float),
    "exactDuplicates": (int, float),
    "keyDuplicates": (int, float),
    "duplicatesRemoved": (int, float),
    "rowsOut": (int, float),
    "outputPrefix": str,
    "latestPrefix": str,
    "outputFiles": list,
    "qualityFailures": list,
}
# Fields the TypeScript schema defaults (reports written before them lack them).
_DEFAULTED_REPORT_FIELDS = {"latestFiles": list, "latestRows": (int, float, type(None))}


def is_run_report(document):
    """Whether a parsed document has the run report's shape (runReportSchema)."""
    if not isinstance(document, dict) or document.get("formatVersion") != 1:
        return False
    for key, kind in _REPORT_FIELDS.items():
        value = document.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            return False
    for key, kind in _DEFAULTED_REPORT_FIELDS.items():
        if key in document and (not isinstance(document[key], kind) or isinstance(document[key], bool)):
            return False
    if document["status"] not in ("SUCCEEDED", "FAILED") or document["engine"] not in ("duckdb", "spark", "lambda"):
        return False
    previous = document.get("previousRun", "missing")
    if previous is not None and not (isinstance(previous, dict) and isinstance(previous.get("executionName"), str) and isinstance(previous.get("rowsOut"), (int, float))):
        return False
    if "rejectsKey" not in document or not (document["rejectsKey"] is None or isinstance(document["rejectsKey"], str)):
        return False
    error = document.get("error", "missing")
    return error is None or (isinstance(error, dict) and isinstance(error.get("name"), str) and isinstance(error.get("message"), str))


def previous_run(last_report_text, execution_name):
    """What the volume check compares with: the last successful run, unless that is this one."""
    if last_report_text is None:
        return None
    try:
        document = json.loads(last_report_text)
    except ValueError:
        return None
    if not is_run_report(document):
        return None
    # A rerun of the same execution compares against the run before it, not against itself.
    if document["executionName"] == execution_name:
        return document["previousRun"]
    return {"executionName": document["executionName"], "rowsOut": document["rowsOut"]}


def iso_timestamp(instant):
    """``2024-05-01T12:00:00.123Z``, as JavaScript's ``toISOString``."""
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def empty_counts():
    return {"rowsIn": 0, "malformedRows": 0, "exactDuplicates": 0, "keyDuplicates": 0, "duplicatesRemoved": 0, "rowsOut": 0}


def base_report(args, job_run_id, started_at):
    """The fields known before the transform runs."""
    load = dataset_load_prefix(args["dataset"])
    return {
        "formatVersion": 1,
        "engine": "spark",
        "dataset": args["dataset"],
        "inputKey": args["input_key"],
        "executionName": args["execution_name"],
        "jobRunId": job_run_id,
        "ingestionDate": args["ingestion_date"],
        "startedAt": iso_timestamp(started_at),
        "outputPrefix": load,
        "latestPrefix": latest_state_prefix(args["dataset"]),
    }


def finish_report(report, started_at, finished_at=None):
    """The report with ``finishedAt`` and ``durationMs``."""
    finished_at = finished_at or datetime.now(UTC)
    duration_ms = int(round((finished_at - started_at).total_seconds() * 1000))
    return {**report, "finishedAt": iso_timestamp(finished_at), "durationMs": duration_ms}


def failed_report(base, partial, error, started_at, finished_at=None):
    """The report of a failed run: whatever was counted, and the error."""
    report = {
        **empty_counts(),
        **base,
        "outputFiles": [],
        "rejectsKey": None,
        "previousRun": None,
        "qualityFailures": [],
        **partial,
        # A failed run published no state, whatever it had counted.
        "latestFiles": [],
        "latestRows": None,
        "status": "FAILED",
        "error": error,
    }
    return finish_report(report, started_at, finished_at)


# --- output files (local/runtime/engines/duckdb-job.ts, writeOutput) -------------------------------------


def _is_data_file(key):
    name = key.rsplit("/", 1)[-1]
    return name.endswith(".parquet") and not name.startswith(("_", "."))


def partition_file_keys(staged_keys, staging_prefix, load_prefix, run_input_id):
    """Final keys of the partitioned files Spark staged: ``load/<ds>/dt=…/part-<id>-<n>.parquet``.

    Returns ``(staged key, final key)`` pairs, numbered per partition in a stable order.
    """
    by_partition = {}
    for key in sorted(k for k in staged_keys if _is_data_file(k)):
        relative = key[len(staging_prefix) :] if key.startswith(staging_prefix) else None
        if relative is None or "/" not in relative:
            continue
        partition = relative.split("/", 1)[0]
        if not partition.startswith(f"{PARTITION_COLUMN}="):
            continue
        by_partition.setdefault(partition, []).append(key)
    pairs = []
    for partition in sorted(by_partition):
        for n, key in enumerate(by_partition[partition]):
            pairs.append((key, f"{load_prefix}{partition}/part-{run_input_id}-{n}.parquet"))
    return pairs


def latest_file_keys(staged_keys, staging_prefix, version_prefix):
    """``(staged key, final key)`` pairs of a state version's files: ``<version>/part-<n>.parquet``."""
    files = sorted(k for k in staged_keys if k.startswith(staging_prefix) and _is_data_file(k))
    return [(key, f"{version_prefix}part-{n}.parquet") for n, key in enumerate(files)]


def ddl_schema(columns):
    """The plan's declared columns as a Spark DDL schema, e.g. ```a` STRING, `b` INT``."""
    return ", ".join(f"{quote_identifier(c['name'])} {c['sqlType']}" for c in columns)


# How long a replaced version of the state stays after its replacement's creation (core's
# ``LATEST_VERSION_RETENTION_MS``): twice the Transform Task's timeout T (7,200 s; the replacing
# run publishes within T of its version's creation, a run that read the manifest just before
# reads the old version for at most T more) plus 60 minutes for queries.
LATEST_VERSION_RETENTION_SECONDS = (2 * 2 + 1) * 3600

_REPLACES_FILE = "_replaces"


def latest_replaces_key(dataset, version):
    """The file of a version naming the versions it replaced (core's ``latestReplacesKey``):
    ``load/latest/<dataset>/versions/<version>/_replaces``, written before the manifest."""
    return f"{latest_version_prefix(dataset, version)}{_REPLACES_FILE}"


def latest_manifest_versions(keys):
    """The versions a manifest's keys belong to, each once, in order (what a new version's ``_replaces`` names)."""
    return list(dict.fromkeys(v for v in (latest_version_of(key) for key in keys) if v is not None))


def format_latest_replaces(versions):
    """The text of a ``_replaces`` file: one version id per line, empty for none (core's ``formatLatestReplaces``)."""
    return "".join(f"{version}\n" for version in versions)


def parse_latest_replaces(text):
    """The version ids a ``_replaces`` file names (core's ``parseLatestReplaces``)."""
    return [line.strip() for line in text.split("\n") if line.strip() != ""]


def _younger_than_retention(version, now):
    created = version_created_at(version)
    return created is not None and (now - created).total_seconds() < LATEST_VERSION_RETENTION_SECONDS


def latest_versions_kept(current, replaces_of, now):
    """The versions a publication of ``current`` keeps by the chain of replacements: ``current``,
    and each version named in the ``_replaces`` of a kept version younger than the retention,
    walking back from ``current``. ``replaces_of(version)`` is the parsed ``_replaces`` of a
    version, ``None`` when it has none.

    Why that is enough: a version P replaced by S was replaced at most the Transform timeout after
    S was created; whoever read P before that (a run merging: at most one more Transform timeout;
    a query) is done within ``LATEST_VERSION_RETENTION_SECONDS`` of S's creation.
    """
    kept = {current}
    walk = [current]
    while walk:
        version = walk.pop()
        if not _younger_than_retention(version, now):
            continue
        for replaced in replaces_of(version) or []:
            if replaced not in kept:
                kept.add(replaced)
                walk.append(replaced)
    return kept


def latest_versions_to_delete(version_keys, current, replaces_of, now):
    """The files of state versions to delete after ``current`` was published (core's
    ``latestVersionsToDelete``): every file of a version folder, except those of the versions the
    chain keeps (:func:`latest_versions_kept`) and of versions younger than the retention (a
    concurrent run may be writing one). Keys in a folder not named as a version are not ours."""
    kept = latest_versions_kept(current, replaces_of, now)
    doomed = []
    for key in version_keys:
        version = latest_version_of(key)
        if version is None or version_created_at(version) is None or version in kept or _younger_than_retention(version, now):
            continue
        doomed.append(key)
    return sorted(doomed)


def latest_version_published(current_versions, version, replaces_of):
    """Whether ``version`` is the state the manifest names (``current_versions``), or was and a
    later run replaced it before this run could read the manifest back (its write's response was
    lost): it is in the chain of ``_replaces`` walked back from ``current_versions``. A version
    created before ``version`` cannot have replaced it, so the walk stops there."""
    created = version_created_at(version)
    seen = set()
    walk = list(current_versions)
    while walk:
        candidate = walk.pop()
        if candidate == version:
            return True
        if candidate in seen:
            continue
        seen.add(candidate)
        candidate_created = version_created_at(candidate)
        if created is None or candidate_created is None or candidate_created < created:
            continue
        walk.extend(replaces_of(candidate) or [])
    return False


def table_file_keys(keys, load_prefix):
    """The data files of a dataset's table, ``load/<dataset>/dt=…/<file>.parquet``, sorted."""
    table = []
    for key in keys:
        parts = key[len(load_prefix) :].split("/") if key.startswith(load_prefix) else []
        if len(parts) == 2 and parts[0].startswith(f"{PARTITION_COLUMN}=") and _is_data_file(key):
            table.append(key)
    return sorted(table)


def stale_input_files(existing_keys, kept_keys, load_prefix, run_input_id):
    """Files this input wrote before, in any ``dt=`` partition, that the new run did not rewrite.

    Replace, never append: after the new files are in place these are deleted.
    """
    kept = set(kept_keys)
    stale = []
    for key in existing_keys:
        if not key.startswith(load_prefix) or key in kept:
            continue
        parts = key[len(load_prefix) :].split("/")
        if len(parts) == 2 and parts[0].startswith(f"{PARTITION_COLUMN}=") and parts[1].startswith(f"part-{run_input_id}-"):
            stale.append(key)
    return sorted(stale)
