"""The input read by many Spark tasks, each its byte range, with the records, rejects and lines of
one sequential read of the whole file.

Spark's CSV reader cannot split a file whose values may hold line breaks (``multiLine``: one task
reads it all). Here, in two passes over the ranges (glue/csv_records.py does the scanning):

1. each task summarises its range: its line breaks, and for either quote state at its start the
   state at its end and where its first record starts. The driver adds these up (a few numbers a
   range): each range's true state at its start, its first record and its first line;
2. each task yields the records starting in its range (reading on to the next range's first
   record), each as one string ``<line>,<fields>,<open>,<record>``, and Spark's own CSV parser
   reads that ``Dataset[String]`` (``DataFrameReader.csv(Dataset[String])`` parses each element
   as one record, quoted line breaks included): the line the record starts on, univocity's count
   of its fields, whether a quote of it is never closed, then its values, every one as text.

A gzip input cannot be split: one task reads it, decompressing as it goes. The ranges are read
through the bucket (``range_reader``: S3 ranged GETs, or a local file), never staged.
"""

import math
import os
import threading
from pathlib import Path

from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from csv_records import IN, OUT, Dialect, Layout, first_record_line, line_separator, plan_tasks, range_cuts, skip_lines, summarize_range, task_records
from errors import TransformError
from input_decoding import CORRUPT_RECORD_COLUMN, spark_csv_options

# The line a record starts on (etl_raw's column: core/transform/compile-plan.ts RECORD_LINE_COLUMN).
LINE_COLUMN = "_etl_line"
# Univocity's count of the record's fields, and whether a quote of it is never closed.
FIELDS_COLUMN = "_etl_fields"
OPEN_COLUMN = "_etl_open"
# The size of a range, unless the run says otherwise (``--csv_split_bytes``).
DEFAULT_SPLIT_BYTES = 64 * 1024 * 1024
# Ranges a file is read in at most (larger ranges beyond): pass 1 returns one summary each.
MAX_RANGES = 1024
# The runner's modules a task imports (Glue ships them with --extra-py-files; local Spark not).
_TASK_MODULES = ("errors", "naming", "input_decoding", "csv_records", "s3_bucket", "job_context", "split_read")
_shipping = threading.Lock()


class InputText:
    """What the driver knows of the input's text: the plan's dialect ``read``, the Python
    ``codec``, the byte-order mark's length ``bom``, whether it is gzip, and its (decompressed)
    first bytes ``head``."""

    def __init__(self, read, codec, bom, compressed, head):
        self.read = read
        self.codec = codec
        self.bom = bom
        self.compressed = compressed
        self.head = head


def read_records(spark, reader, text, width, split_bytes=DEFAULT_SPLIT_BYTES):
    """The records of the input (``reader``: the bucket's ``range_reader`` of it) as a DataFrame:
    ``_etl_line``, ``_etl_fields``, ``_etl_open``, the ``width`` fields as ``_c0``… (text), and
    Spark's ``_corrupt_record`` (the record, for one of another number of fields); the header
    record left out. Returns the DataFrame and what the read found (for the log)."""
    layout, dialect = Layout(text.codec), Dialect(text.read)
    head = layout.units(text.head[text.bom :])
    skipped = skip_lines(head, text.read["skipRows"])
    if skipped is None:
        raise TransformError(f"the input's first {len(text.head)} bytes do not hold its {text.read['skipRows']} lines above the header (read.skipRows)")
    start = text.bom + skipped * layout.unit
    first_line = text.read["skipRows"] + 1
    records_head = head[skipped:]
    mode = line_separator(records_head, layout)
    header_line = first_record_line(records_head, dialect, mode, first_line) if text.read["header"] else None

    plan = {"layout": layout.codec, "read": text.read, "mode": mode}
    if text.compressed:
        tasks = [{"stream": True, "start": start, "limit": math.inf, "state": OUT, "line": first_line}]
        summary = {"ranges": 1, "walked": 0}
    else:
        tasks, summary = _plan_ranges(spark, reader, layout, plan, start, first_line, split_bytes)
    _ship_modules(spark)
    lines = spark.sparkContext.parallelize(tasks, max(1, len(tasks))).mapPartitions(lambda given: _task_records(given, reader, plan))

    schema = StructType(
        [StructField(LINE_COLUMN, LongType()), StructField(FIELDS_COLUMN, IntegerType()), StructField(OPEN_COLUMN, IntegerType())]
        + [StructField(f"_c{i}", StringType()) for i in range(width)]
        + [StructField(CORRUPT_RECORD_COLUMN, StringType())]
    )
    frame = spark.read.schema(schema).options(**spark_csv_options(text.read)).csv(lines)
    if header_line is not None:
        frame = frame.filter(F.col(LINE_COLUMN) != header_line)
    return frame, {**summary, "lineSeparator": mode, "tasks": len(tasks)}


def corrupt_text(column, delimiter):
    """The record Spark set aside (``column``), without the three fields the read put before it."""
    quoted = f"\\Q{delimiter}\\E"
    return F.regexp_replace(column, f"^[0-9]+{quoted}[0-9]+{quoted}1?{quoted}", "")


def _plan_ranges(spark, reader, layout, plan, start, first_line, split_bytes):
    """Pass 1 (a task a range) and the driver's sums: the pass-2 tasks, and what pass 1 found."""
    cuts = range_cuts(start, reader.size, split_bytes, layout.unit, MAX_RANGES)
    if len(cuts) == 2:
        return [{"stream": False, "start": start, "limit": reader.size, "end": reader.size, "state": OUT, "line": first_line}], {"ranges": 1, "walked": 0}
    _ship_modules(spark)
    summaries = spark.sparkContext.parallelize(range(len(cuts) - 1), len(cuts) - 1).map(lambda k: _summarize(k, cuts, reader, plan)).collect()
    walked = sum(1 for s in summaries if s is not None and s["walked"][OUT] and s["walked"][IN])
    return plan_tasks(summaries, reader.size, first_line), {"ranges": sum(1 for s in summaries if s is not None), "walked": walked}


def _summarize(k, cuts, reader, plan):
    """Pass 1 of range ``k`` (a task)."""
    return summarize_range(k, cuts, reader.read, Dialect(plan["read"]), plan["mode"], Layout(plan["layout"]))


def _task_records(tasks, reader, plan):
    """Pass 2 (a task): the strings Spark's CSV parser reads, one per record of the task's range."""
    layout, dialect = Layout(plan["layout"]), Dialect(plan["read"])
    separator = dialect.delimiter_text
    for task in tasks:
        for line, fields, unclosed, text in task_records(task, reader.read, reader.stream, dialect, plan["mode"], layout):
            yield f"{line}{separator}{fields}{separator}{1 if unclosed else ''}{separator}{text}"


def _ship_modules(spark):
    """Makes the runner's modules importable by the tasks (once per SparkContext). On Glue,
    ``--extra-py-files`` already put them there."""
    context = spark.sparkContext
    with _shipping:
        if getattr(context, "_etl_modules_shipped", False):
            return
        given = {os.path.basename(p) for p in (context.getConf().get("spark.submit.pyFiles") or "").split(",") if p}
        for name in _TASK_MODULES:
            path = Path(__file__).with_name(f"{name}.py")
            if path.name not in given:
                context.addPyFile(str(path))
        context._etl_modules_shipped = True
