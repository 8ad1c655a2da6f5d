"""The runner reads a file as its plan's dialect says (``read``, each column's ``source``,
``extraColumns``), on real local Spark: delimiters, quote and escape characters, no header,
lines above the header, gzip bytes whatever the name, windows-1252 and UTF-16, an Excel-EU
export; the rejects' lines are those of the original file."""

import codecs
import csv
import gzip
import io
import json

import pytest

import etl_runner
from errors import HeaderMismatchError
from job_context import LocalJobContext
from naming import rejects_key
from plan import DEFAULT_READ
from rejects import field_count_reason
from test_runner_spark import SAMPLES, args_for, argv

# A note with characters windows-1252 has (and UTF-8 spells in several bytes).
EURO_NOTE = "Prix: 12,50 € – café"
EXCEL_SOURCES = {
    "order_id": "Order ID",
    "customer_id": "Customer ID",
    "customer_email": "E-Mail",
    "product_sku": "SKU",
    "quantity": "Qty",
    "unit_price": "Unit Price (EUR)",
    "currency": "Currency",
    "order_ts": "Ordered At",
    "order_date": "Order Date",
    "status": "Status",
    "notes": "Notes",
}


def sample_records():
    """The sample's header and rows, the first row's note holding ``€``."""
    with open(f"{SAMPLES}/orders-clean.csv", encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    rows[0][-1] = EURO_NOTE
    return header, rows


def csv_text(header, rows, delimiter=",", quotechar='"', escapechar=None, lineterminator="\n"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quotechar=quotechar, doublequote=escapechar is None, escapechar=escapechar, lineterminator=lineterminator)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def set_plan(bucket_dir, read=None, sources=None, extra_columns=None):
    """The deployed plan of orders with reading fields as compile-plan.ts writes them."""
    plan_file = bucket_dir / "scripts" / "plans" / "orders.json"
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    plan["read"] = {**DEFAULT_READ, **(read or {})}
    for column in plan["columns"]:
        column["source"] = (sources or {}).get(column["name"], column["name"])
    plan["extraColumns"] = extra_columns or "refuse"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")


def run(spark, bucket_dir, data, key="extract/orders.csv", execution="orders-dialect", **plan):
    set_plan(bucket_dir, **plan)
    (bucket_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (bucket_dir / key).write_bytes(data)
    args = args_for(key, execution, f"jr_{execution.replace('-', '_')}")
    report = etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, "data-bucket"))
    return report, loaded(spark, bucket_dir)


def loaded(spark, bucket_dir):
    files = sorted((bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))
    return sorted((row.asDict() for row in spark.read.parquet(*[str(f) for f in files]).collect()), key=lambda r: r["order_id"])


def rejects_of(bucket_dir, execution="orders-dialect"):
    text = (bucket_dir / rejects_key("orders", execution)).read_text(encoding="utf-8")
    return [(int(r["line"]) if r["line"] else None, r["reject_reason"]) for r in csv.DictReader(io.StringIO(text, newline=""))]


@pytest.fixture(scope="module")
def expected(spark, plans_dir, tmp_path_factory):
    """The rows the sample loads as plain RFC 4180 UTF-8 with the default dialect."""
    import shutil

    bucket_dir = tmp_path_factory.mktemp("baseline") / "bucket"
    shutil.copytree(plans_dir, bucket_dir / "scripts" / "plans")
    header, rows = sample_records()
    report, rows_loaded = run(spark, bucket_dir, csv_text(header, rows).encode("utf-8"))
    assert (report["rowsIn"], report["malformedRows"], report["rowsOut"]) == (40, 0, 40)
    assert EURO_NOTE in [r["notes"] for r in rows_loaded]
    return rows_loaded


def _utf16(text, codec, bom):
    return bom + text.encode(codec)


HEADER, ROWS = sample_records()
TITLE = 'Orders export, shop "Nord"\n\n'  # a quote nothing closes and a blank line: lines, not records
VARIANTS = {
    "semicolon": (csv_text(HEADER, ROWS, delimiter=";").encode(), {"delimiter": ";"}, {}),
    "tab": (csv_text(HEADER, ROWS, delimiter="\t").encode(), {"delimiter": "\t"}, {}),
    "pipe": (csv_text(HEADER, ROWS, delimiter="|").encode(), {"delimiter": "|"}, {}),
    "single quote": (csv_text(HEADER, ROWS, quotechar="'").encode(), {"quoteChar": "'"}, {}),
    "backslash escape": (csv_text(HEADER, ROWS, escapechar="\\").encode(), {"escapeChar": "\\", "doubleQuote": False}, {}),
    "no header": (csv_text(None, ROWS).encode(), {"header": False}, {}),
    "two title lines": ((TITLE + csv_text(HEADER, ROWS)).encode(), {"skipRows": 2}, {}),
    "gzip named .csv": (gzip.compress(csv_text(HEADER, ROWS).encode()), {}, {}),
    "windows-1252": (csv_text(HEADER, ROWS).encode("cp1252"), {"encoding": "windows-1252"}, {}),
    "iso-8859-1 read as windows-1252": (csv_text(HEADER, ROWS).encode("cp1252"), {"encoding": "iso-8859-1"}, {}),
    "utf-16 LE with BOM": (_utf16(csv_text(HEADER, ROWS), "utf-16-le", codecs.BOM_UTF16_LE), {"encoding": "utf-16"}, {}),
    "utf-16 LE without BOM": (_utf16(csv_text(HEADER, ROWS), "utf-16-le", b""), {"encoding": "utf-16"}, {}),
    "utf-16 BE with BOM": (_utf16(csv_text(HEADER, ROWS), "utf-16-be", codecs.BOM_UTF16_BE), {"encoding": "utf-16"}, {}),
    "utf-16 LE, gzip, title line": (
        gzip.compress(_utf16("Title\r\n" + csv_text(HEADER, ROWS), "utf-16-le", codecs.BOM_UTF16_LE)),
        {"encoding": "utf-16", "skipRows": 1},
        {},
    ),
    "Excel-EU: BOM, CRLF, ';', header 'Order ID'": (
        codecs.BOM_UTF8 + csv_text([EXCEL_SOURCES[n] for n in HEADER], ROWS, delimiter=";", lineterminator="\r\n").encode(),
        {"delimiter": ";"},
        EXCEL_SOURCES,
    ),
    "windows-1252 with a UTF-8 BOM, no header": (codecs.BOM_UTF8 + csv_text(None, ROWS).encode("cp1252"), {"encoding": "windows-1252", "header": False}, {}),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_dialect_loads_the_rows_the_plain_file_loads(spark, bucket_dir, expected, variant):
    # Prepare
    data, read, sources = VARIANTS[variant]

    # Act
    report, rows = run(spark, bucket_dir, data, read=read, sources=sources)

    # Assess: every row, values exact (the € note intact), nothing malformed, nothing left staged
    assert (report["rowsIn"], report["malformedRows"], report["rowsOut"]) == (40, 0, 40)
    assert rows == expected
    assert not any((bucket_dir / "load" / "_staging").glob("**/*"))


def _with_bad_rows(rows):
    """The rows with a bad quantity on the 3rd and 30th, and a row of too few fields after the 10th."""
    bad = [list(r) for r in rows]
    bad[2][4] = "three"
    bad[29][4] = "x"
    return bad[:10] + [["ORD-SHORT", "too few"]] + bad[10:]


def _lines_of(text, order_ids):
    """The 1-based line each record of ``order_ids`` starts on in ``text``."""
    lines = text.split("\n")
    return [next(i + 1 for i, line in enumerate(lines) if line.startswith(order_id + ",")) for order_id in order_ids]


@pytest.mark.parametrize(
    "variant",
    ["plain", "two title lines", "gzip with two title lines", "gzip", "utf-16 with two title lines", "no header, one title line"],
)
def test_rejects_carry_the_lines_of_the_original_file(spark, bucket_dir, variant):
    # Prepare: records holding quoted line breaks before the bad ones
    rows = _with_bad_rows(ROWS)
    title = TITLE if "two title lines" in variant else "Export\n" if "one title line" in variant else ""
    text = title + csv_text(None if "no header" in variant else HEADER, rows)
    data = text.encode("utf-16-le") if "utf-16" in variant else text.encode()
    data = gzip.compress(data) if "gzip" in variant else data
    read = {"skipRows": title.count("\n"), "header": "no header" not in variant, "encoding": "utf-16" if "utf-16" in variant else "utf-8"}

    # Act
    report, _ = run(spark, bucket_dir, data, read=read)

    # Assess: the lines a text editor shows for them, the title lines counted
    assert (report["rowsIn"], report["malformedRows"], report["rowsOut"]) == (41, 3, 38)
    lines = _lines_of(text, [rows[2][0], "ORD-SHORT", rows[30][0]])
    assert [line for line, _ in rejects_of(bucket_dir)] == lines
    assert rejects_of(bucket_dir)[1][1] == field_count_reason(2, len(HEADER))
    assert "quantity" in rejects_of(bucket_dir)[0][1]


def test_an_extra_column_is_ignored_when_the_dataset_says_so_and_its_rejects_still_numbered(spark, bucket_dir, expected):
    # Prepare: a column the dataset does not declare, in the middle of the file, and a bad row
    header = HEADER[:3] + ["Internal Ref"] + HEADER[3:]
    rows = [r[:3] + [f"REF-{i}"] + r[3:] for i, r in enumerate(ROWS)]
    rows[5][5] = "many"
    text = csv_text(header, rows)

    # Act
    report, loaded_rows = run(spark, bucket_dir, text.encode(), extra_columns="ignore")

    # Assess: the extra column is not read; the bad row's line is found on the declared columns
    assert (report["rowsIn"], report["malformedRows"], report["rowsOut"]) == (40, 1, 39)
    assert "Internal Ref" not in loaded_rows[0] and set(loaded_rows[0]) == set(expected[0])
    assert [r for r in expected if r["order_id"] != rows[5][0]] == loaded_rows
    assert [line for line, _ in rejects_of(bucket_dir)] == _lines_of(text, [rows[5][0]])


def test_an_extra_column_is_refused_by_default_naming_it(spark, bucket_dir):
    # Prepare
    header = HEADER + ["Internal Ref"]
    text = csv_text(header, [r + ["x"] for r in ROWS])

    # Act
    with pytest.raises(HeaderMismatchError) as raised:
        run(spark, bucket_dir, text.encode())

    # Assess
    assert 'unknown: "Internal Ref"' in str(raised.value)
    assert not (bucket_dir / "load" / "orders").exists()


def test_the_header_is_matched_with_each_columns_source_not_its_name(spark, bucket_dir):
    # Prepare: the file's header is the output names, the dataset declares the Excel headers
    text = csv_text(HEADER, ROWS, delimiter=";")

    # Act
    with pytest.raises(HeaderMismatchError) as raised:
        run(spark, bucket_dir, text.encode(), read={"delimiter": ";"}, sources=EXCEL_SOURCES)

    # Assess
    assert 'unknown: "order_id"' in str(raised.value) and "missing: Order ID" in str(raised.value)
