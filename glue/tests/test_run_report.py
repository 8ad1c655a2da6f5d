"""glue/run_report.py against core/run-report.ts: the row counts, the report's shape, the previous run."""

import json
import unittest
from datetime import UTC, datetime, timedelta

from errors import MalformedCsvError, QualityThresholdError, describe_error
from run_report import base_report, counts_from_metrics, empty_counts, failed_report, failed_run_counts, finish_report, is_run_report, iso_timestamp, previous_run


class RunReportTest(unittest.TestCase):
    START = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    ARGS = {"dataset": "orders", "input_key": "extract/orders.csv", "execution_name": "orders-1", "ingestion_date": "2024-05-01"}

    def report(self, **overrides):
        base = base_report(self.ARGS, "jr_1", self.START)
        report = finish_report(
            {**base, **empty_counts(), "status": "SUCCEEDED", "outputFiles": [], "rejectsKey": None, "previousRun": None, "qualityFailures": [], "error": None},
            self.START,
            self.START + timedelta(seconds=2),
        )
        report.update(overrides)
        return report

    def test_timestamps_are_javascript_iso_strings(self):
        self.assertEqual(iso_timestamp(self.START), "2024-05-01T12:00:00.123Z")

    def test_a_finished_report_has_the_schema_fields(self):
        report = self.report()
        self.assertTrue(is_run_report(report))
        self.assertEqual((report["engine"], report["durationMs"], report["latestPrefix"]), ("spark", 2000, "load/latest/orders/"))

    def test_the_state_fields_are_checked_when_present_and_may_be_absent(self):
        self.assertTrue(is_run_report(self.report(latestFiles=["load/latest/orders/versions/v/part-0.parquet"], latestRows=40)))
        self.assertTrue(is_run_report(self.report(latestFiles=[], latestRows=None)))
        self.assertFalse(is_run_report(self.report(latestRows="40")))
        self.assertFalse(is_run_report(self.report(latestFiles=None)))

    def test_a_failed_report_keeps_what_was_counted(self):
        report = failed_report(
            base_report(self.ARGS, "jr_1", self.START),
            {"rowsIn": 5, "rejectsKey": "logs/x.csv"},
            describe_error(QualityThresholdError("too many")),
            self.START,
        )
        self.assertTrue(is_run_report(report))
        self.assertEqual((report["status"], report["rowsIn"], report["rejectsKey"]), ("FAILED", 5, "logs/x.csv"))
        self.assertEqual((report["latestFiles"], report["latestRows"]), ([], None))
        self.assertEqual(report["error"], {"name": "QualityThresholdError", "message": "too many"})

    def test_a_refused_run_loaded_nothing_and_its_counts_add_up(self):
        # An unterminated quote at line 250002 of 300001 rows: the record swallowed the rest.
        counted = {"rowsIn": 250001, "malformedRows": 1, "duplicatesRemoved": 0, "rowsOut": 250000}
        report = failed_report(base_report(self.ARGS, "jr_1", self.START), counted, describe_error(MalformedCsvError("line 250002: …")), self.START)
        self.assertEqual((report["rowsOut"], report["rowsNotLoaded"], report["rowsInExtent"]), (0, 250000, "toRefusal"))
        self.assertEqual(report["rowsIn"], report["rowsOut"] + report["duplicatesRemoved"] + report["malformedRows"] + report["rowsNotLoaded"])
        self.assertEqual(failed_run_counts({**counted, "outputFiles": ["load/orders/dt=2026-12-07/part-1-0.parquet"]}, "TransformError")["rowsOut"], 250000)

    def test_previous_run_is_the_last_success_unless_it_is_this_execution(self):
        last = self.report(executionName="orders-0", rowsOut=40, previousRun=None)
        self.assertEqual(previous_run(json.dumps(last), "orders-1"), {"executionName": "orders-0", "rowsOut": 40})
        rerun = self.report(executionName="orders-1", previousRun={"executionName": "orders-0", "rowsOut": 40})
        self.assertEqual(previous_run(json.dumps(rerun), "orders-1"), {"executionName": "orders-0", "rowsOut": 40})

    def test_a_missing_or_invalid_last_report_means_no_previous_run(self):
        self.assertIsNone(previous_run(None, "x"))
        self.assertIsNone(previous_run("not json", "x"))
        self.assertIsNone(previous_run(json.dumps({"formatVersion": 1}), "x"))

    def test_counts_add_the_rows_spark_could_not_split(self):
        metrics = {"rows_typed": 10, "malformed_rows": 1, "clean_rows": 9, "distinct_rows": 8, "output_rows": 6}
        self.assertEqual(
            counts_from_metrics(metrics, 2),
            {"rowsIn": 12, "malformedRows": 3, "exactDuplicates": 1, "keyDuplicates": 2, "duplicatesRemoved": 3, "rowsOut": 6},
        )
