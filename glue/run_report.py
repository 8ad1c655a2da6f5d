"""The run report (core/run-report.ts): its row counts, its shape, the previous run it names."""

import json
from datetime import UTC, datetime

from naming import dataset_load_prefix, latest_state_prefix


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


def failed_run_counts(counted, error_name):
    """A failed run's ``rowsOut``, ``rowsNotLoaded`` and ``rowsInExtent`` (core's ``failedRunCounts``):
    unless its load's files are in place nothing was loaded, so ``rowsOut`` is 0 and the rows it
    would have loaded are not loaded; ``rowsIn`` counts the records up to the refused one when a
    record swallowed the rest of the file (``MalformedCsvError``)."""
    extent = "toRefusal" if error_name == "MalformedCsvError" else "all"
    if counted.get("outputFiles"):
        return {"rowsOut": counted.get("rowsOut", 0), "rowsNotLoaded": 0, "rowsInExtent": extent}
    not_loaded = counted.get("rowsIn", 0) - counted.get("duplicatesRemoved", 0) - counted.get("malformedRows", 0)
    return {"rowsOut": 0, "rowsNotLoaded": max(0, not_loaded), "rowsInExtent": extent}


def failed_report(base, partial, error, started_at, finished_at=None):
    """The report of a failed run: whatever was counted, nothing loaded (failed_run_counts), and the error."""
    report = {
        **empty_counts(),
        **base,
        "outputFiles": [],
        "rejectsKey": None,
        "previousRun": None,
        "qualityFailures": [],
        **partial,
        **failed_run_counts(partial, error["name"]),
        # A failed run published no state, whatever it had counted.
        "latestFiles": [],
        "latestRows": None,
        "status": "FAILED",
        "error": error,
    }
    return finish_report(report, started_at, finished_at)
