"""The compiled plan's shape (core/transform/compile-plan.ts, Spark dialect): its checks, the
dialect it is read in, and the SQL the runner adds around it (core/transform/dialect.ts quoting)."""

import json

from errors import ConfigError
from naming import PARTITION_COLUMN, check_ingestion_date

PLAN_FORMAT_VERSION = 1

_PLAN_KEYS = ("columns", "steps", "metricsSql", "rejectsSql", "rejectsWithLinesSql", "outputSql", "latestSql", "partitionColumn", "quality", "swallowedRecordPattern")


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


def ddl_schema(columns):
    """The plan's declared columns as a Spark DDL schema, e.g. ```a` STRING, `b` INT``."""
    return ", ".join(f"{quote_identifier(c['name'])} {c['sqlType']}" for c in columns)
