"""The input read in byte ranges (glue/split_read.py), on real local Spark: the rows Spark's own
``multiLine`` reader reads (what the runner read before), whatever the cuts — quoted line breaks,
doubled quotes, escapes, CR LF and stray quotes across them — and the runner's rows, rejects and
lines alike with a range of a few bytes; the rejects file as the local engines spell it; and a
refused file whose every row is malformed ends in QualityThresholdError under a 1 MB
``spark.driver.maxResultSize`` (no reject reaches the driver)."""

import csv
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql.types import StringType, StructField, StructType

import etl_runner
import split_read
from conftest import bucket_with
from errors import QualityThresholdError
from input_decoding import CORRUPT_RECORD_COLUMN, spark_csv_options
from job_context import FileRangeReader, LocalJobContext
from naming import rejects_key
from plan import DEFAULT_READ
from rejects import field_count_reason
from test_dialects_spark import HEADER, ROWS, VARIANTS, _with_bad_rows, csv_text, loaded, set_plan
from test_runner_spark import SAMPLES, args_for, argv

WIDTH = 3
ALPHABET = ["a", "b", ",", ",", '"', '"', "\n", "\n", "\r\n", " ", "\\", "é", "\r"]


def multiline_rows(spark, path, read):
    """What Spark's multiLine reader makes of the file: each row's fields, and whether it was set aside."""
    schema = StructType([StructField(f"_c{i}", StringType()) for i in range(WIDTH)] + [StructField(CORRUPT_RECORD_COLUMN, StringType())])
    options = {**{k: v for k, v in spark_csv_options(read).items() if k != "lineSep"}, "multiLine": True, "encoding": "UTF-8", "header": read["header"]}
    rows = spark.read.schema(schema).options(**options).csv(str(path)).collect()
    return [tuple(row)[:WIDTH] + (row[WIDTH] is not None,) for row in rows]


def split_rows(spark, path, read, split):
    """The same from the split read; and each row's line."""
    data = Path(path).read_bytes()
    text = split_read.InputText(read, "utf-8", 0, False, data)
    frame, _ = split_read.read_records(spark, FileRangeReader(path), text, WIDTH, split)
    rows = frame.orderBy(split_read.LINE_COLUMN).collect()
    return [tuple(row)[3 : 3 + WIDTH] + (row[3 + WIDTH] is not None,) for row in rows], [row[0] for row in rows]


def random_files(seed, count):
    rng = random.Random(seed)
    for _ in range(count):
        crlf = rng.random() < 0.5
        # Not a lone LF in a CR LF file: Spark's multiLine reader reads it as text or as a line
        # break depending on where its buffer ends; the split read (and DuckDB) end the record.
        alphabet = [c for c in ALPHABET if c != "\n"] if crlf else ALPHABET
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60)))
        escape = rng.choice(["pair", "pair", "char", "none"])
        read = {**DEFAULT_READ, "header": rng.random() < 0.5, "escapeChar": "\\" if escape == "char" else None, "doubleQuote": escape == "pair"}
        yield ("a,b,c" + ("\r\n" if crlf else "\n") + body).encode(), read


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rows_are_spark_multiline_readers_whatever_the_cuts(spark, tmp_path, seed):
    # Prepare: small files of quotes, delimiters, CR, LF, backslashes and spaces, in each escape mode
    for n, (data, read) in enumerate(random_files(seed, 7)):
        path = tmp_path / f"f{n}.csv"
        path.write_bytes(data)

        # Act
        expected = multiline_rows(spark, path, read)
        whole = split_rows(spark, path, read, 1 << 20)
        cut = [split_rows(spark, path, read, split) for split in (3, 7)]

        # Assess
        assert (data, read, whole[0]) == (data, read, expected)
        assert all(c == whole for c in cut), (data, read)


def test_a_large_file_is_read_by_several_tasks(spark, tmp_path):
    # Prepare: quoted line breaks and doubled quotes in every tenth row
    lines = ["id,notes,qty"] + [f'{n},"line\r\none ""{n}""",1' if n % 10 == 0 else f"{n},plain,1" for n in range(20_000)]
    path = tmp_path / "large.csv"
    path.write_bytes("\n".join(lines).encode() + b"\n")
    read = DEFAULT_READ

    # Act
    text = split_read.InputText(read, "utf-8", 0, False, path.read_bytes()[: 1 << 20])
    frame, found = split_read.read_records(spark, FileRangeReader(path), text, WIDTH, 64 * 1024)

    # Assess: a task a range, every row once, each on its line: row n on line 2 + n + the two-line
    # rows before it (rows 0, 10, 20, …: row 0 is one of them, so row 1 is on line 4)
    assert frame.rdd.getNumPartitions() == found["tasks"] > 2
    rows = frame.orderBy(split_read.LINE_COLUMN).collect()
    assert [int(r["_c0"]) for r in rows] == list(range(20_000))
    assert [r[split_read.LINE_COLUMN] for r in rows][:12] == [2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15]
    assert [r[split_read.LINE_COLUMN] for r in rows] == [2 + n + -(-n // 10) for n in range(20_000)]
    assert rows[10]["_c1"] == 'line\r\none "10"'


def run_runner(spark, bucket_dir, data, execution, split=None, **plan):
    """The runner on ``data`` (optionally with ``--csv_split_bytes``); its report, rows and rejects file."""
    set_plan(bucket_dir, **plan)
    key = "extract/orders.csv"
    (bucket_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (bucket_dir / key).write_bytes(data)
    args = args_for(key, execution, f"jr_{execution.replace('-', '_')}")
    extra = [] if split is None else ["--csv_split_bytes", str(split)]
    try:
        report = etl_runner.main(argv(args) + extra, LocalJobContext(spark, bucket_dir, "data-bucket"))
    except QualityThresholdError:
        report = json.loads((bucket_dir / args["report_key"]).read_text())
    rejects = bucket_dir / rejects_key("orders", execution)
    files = sorted((bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))
    return report, loaded(spark, bucket_dir) if files else [], rejects.read_text(encoding="utf-8") if rejects.exists() else None


CUT_VARIANTS = [
    "semicolon",
    "single quote",
    "backslash escape",
    "no header",
    "two title lines",
    "windows-1252",
    "utf-16 LE with BOM",
    "utf-16 BE with BOM",
    "Excel-EU: BOM, CRLF, ';', header 'Order ID'",
]


@pytest.mark.parametrize("variant", CUT_VARIANTS)
def test_ranges_of_a_few_bytes_load_what_one_range_loads(spark, bucket_dir, plans_dir, variant):
    # Prepare: the dialect's file with bad rows and quoted line breaks (the sample's notes hold some)
    data, read, sources = VARIANTS[variant]

    # Act: each run in a bucket of its own (the second would otherwise merge into the first's state)
    cut_bucket = bucket_with(bucket_dir.parent / "cut", plans_dir)
    whole = run_runner(spark, bucket_dir, data, "orders-whole", read=read, sources=sources)
    cut = run_runner(spark, cut_bucket, data, "orders-cut", split=61, read=read, sources=sources)

    # Assess: the same rows and counts
    assert (cut[0]["rowsIn"], cut[0]["malformedRows"], cut[0]["rowsOut"]) == (whole[0]["rowsIn"], whole[0]["malformedRows"], whole[0]["rowsOut"]) == (40, 0, 40)
    assert cut[1] == whole[1]


@pytest.mark.parametrize("variant", ["plain", "crlf", "two title lines", "utf-16", "windows-1252"])
def test_rejects_carry_their_lines_from_ranges_of_a_few_bytes(spark, bucket_dir, variant):
    # Prepare: bad values, a short row, quoted line breaks before them
    rows = _with_bad_rows(ROWS)
    rows[20][-1] = 'spans\r\ntwo lines, "quoted"'
    title = 'Orders export, shop "Nord"\n\n' if variant == "two title lines" else ""
    text = title + csv_text(HEADER, rows, lineterminator="\r\n" if variant == "crlf" else "\n")
    codec = {"utf-16": "utf-16-le", "windows-1252": "cp1252"}.get(variant, "utf-8")
    data = text.encode(codec)
    read = {"skipRows": title.count("\n"), "encoding": {"utf-16": "utf-16", "windows-1252": "windows-1252"}.get(variant, "utf-8")}

    # Act
    report, _, rejects = run_runner(spark, bucket_dir, data, "orders-lines", split=53, read=read)

    # Assess: the lines a text editor shows for them (CR LF one line break), in line order
    physical = text.replace("\r\n", "\n").split("\n")
    expected = [next(i + 1 for i, line in enumerate(physical) if line.startswith(order_id + ",")) for order_id in (rows[2][0], "ORD-SHORT", rows[30][0])]
    found = list(csv.DictReader(io.StringIO(rejects, newline="")))
    assert (report["rowsIn"], report["malformedRows"]) == (41, 3)
    assert [int(r["line"]) for r in found] == expected
    assert [r["reject_reason"] for r in found] == ["quantity: not an integer", field_count_reason(2, len(HEADER)), "quantity: not an integer"]
    assert found[1]["record"] == "ORD-SHORT,too few"


def test_the_rejects_file_is_spelt_as_the_local_engines_spell_it(spark, bucket_dir):
    # Prepare: a value reject whose record holds quotes and commas, a short row, a record of too many fields
    lines = open(f"{SAMPLES}/orders-clean.csv", encoding="utf-8").read().splitlines()
    bad = lines[3].split(",")
    bad[4] = "many"
    text = "\n".join([lines[0], lines[1], ",".join(bad), "short,row", lines[2] + ",extra", *lines[4:]]) + "\n"

    # Act
    report, _, rejects = run_runner(spark, bucket_dir, text.encode(), "orders-spelling", split=97)

    # Assess: byte for byte what DuckDB's COPY writes for these rows (glue/tests/test_rejects.py)
    record = json.dumps({name: value or None for name, value in zip(HEADER, bad, strict=True)}, separators=(",", ":"))
    assert report["malformedRows"] == 3
    assert rejects == (
        "line,reject_reason,record\n"
        '3,quantity: not an integer,"' + record.replace('"', '""') + '"\n'
        '4,"record: 2 fields, expected 11","short,row"\n'
        '5,"record: 12 fields, expected 11","' + (lines[2] + ",extra").replace('"', '""') + '"\n'
    )


def rows_without_email(count):
    """An orders file of ``count`` rows built from the clean sample's, every one without its (required) e-mail."""
    sample = open(f"{SAMPLES}/orders-clean.csv", encoding="utf-8").read().splitlines()
    rows = [r.split(",", 3) for r in sample[1:] if r.count('"') == 0]
    return "\n".join([sample[0]] + [f"ORD-{n:08d},{rows[n % len(rows)][1]},,{rows[n % len(rows)][3]}" for n in range(count)]) + "\n"


def test_a_refused_file_of_malformed_rows_fails_its_gate_with_bounded_driver_memory(tmp_path, plans_dir):
    # Prepare: 60,000 rows, every one without its (required) e-mail, and a driver that may receive
    # at most 1 MB of results: before, the rejects were collected to it (collectToPython failed)
    bucket = bucket_with(tmp_path, plans_dir)
    (bucket / "extract").mkdir(parents=True)
    (bucket / "extract" / "orders.csv").write_text(rows_without_email(60_000), encoding="utf-8")
    args = args_for("extract/orders.csv", "orders-all-bad", "jr_all_bad")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[1] + '/tests')\n"
        "from pyspark.sql import SparkSession\n"
        "spark = (SparkSession.builder.master('local[2]').config('spark.ui.enabled', 'false')"
        ".config('spark.driver.maxResultSize', '1m').config('spark.sql.shuffle.partitions', '2').getOrCreate())\n"
        "import etl_runner, json\n"
        "from job_context import LocalJobContext\n"
        "try:\n"
        "    etl_runner.main(json.loads(sys.argv[2]), LocalJobContext(spark, sys.argv[3], 'data-bucket'))\n"
        "    print('NO ERROR')\n"
        "except Exception as exc:\n"
        "    print('RAISED', type(exc).__name__, str(exc)[:300])\n"
    )
    glue = str(Path(etl_runner.__file__).parent)
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}

    # Act
    done = subprocess.run(
        [sys.executable, "-c", script, glue, json.dumps(argv(args) + ["--csv_split_bytes", "1000000"]), str(bucket)], capture_output=True, text=True, env=env, timeout=900
    )

    # Assess: the gate's verdict, and every reject written (by Spark, not through the driver)
    verdict = [line for line in done.stdout.splitlines() if line.startswith(("RAISED", "NO ERROR"))]
    assert verdict and verdict[0].startswith("RAISED QualityThresholdError malformedRowRatio 100.0% > fail 10.0%"), done.stdout + done.stderr[-3000:]
    report = json.loads((bucket / args["report_key"]).read_text())
    assert (report["status"], report["malformedRows"], report["rowsIn"]) == ("FAILED", 60_000, 60_000)
    rejects = (bucket / report["rejectsKey"]).read_text(encoding="utf-8").splitlines()
    assert len(rejects) == 60_001 and rejects[1].startswith("2,customer_email: empty,")


def test_a_refused_file_stays_refused_when_the_spark_context_stopped_under_the_run(spark, bucket_dir, monkeypatch):
    # Prepare: every row without its (required) e-mail, and the cleanup after the verdict meeting a
    # SparkContext a task's OutOfMemoryError stopped (the 5M-row bench file did: its unpersist
    # failed, and the run ended in TransformError instead of the gate's verdict)
    from pyspark.sql import DataFrame

    data = rows_without_email(40)

    def stopped(self, *args, **kwargs):
        raise RuntimeError("An error occurred while calling o125.unpersist: Cannot call methods on a stopped SparkContext.")

    monkeypatch.setattr(DataFrame, "unpersist", stopped)

    # Act
    report, _, rejects = run_runner(spark, bucket_dir, data.encode(), "orders-stopped")

    # Assess: the gate's verdict, its counts and its rejects file
    assert report["error"]["name"] == "QualityThresholdError"
    assert (report["rowsIn"], report["malformedRows"], report["rowsOut"]) == (40, 40, 0)
    assert rejects is not None and len(rejects.splitlines()) == 41
