"""Unit tests of the Glue runner's pure helpers (stdlib unittest; no Spark, no AWS).

Run: python3 -m unittest discover -s glue/tests
"""

import io
import json
import os
import sys
import unittest
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import etl_helpers as h  # noqa: E402

ORDERS_COLUMNS = [
    {"name": "order_id", "sqlType": "STRING", "required": True},
    {"name": "quantity", "sqlType": "INT", "required": True},
    {"name": "notes", "sqlType": "STRING", "required": False},
]
# core/value-rules.ts swallowedRecordPattern(3), as a plan carries it.
PATTERN_OF_3 = "[\\r\\n][^\\r\\n]*(,[^\\r\\n]*){2}"
ORDERS_QUALITY = {
    "malformedRowRatio": {"warn": 0.0001, "fail": 0.1},
    "duplicateRatio": {"warn": 0.1, "fail": 0.9},
    "volumeChangeRatio": {"warn": 0.5},
    "emptyAfterDedupe": "fail",
}


def counts(rows_in, malformed=0, exact=0, by_key=0, rows_out=None):
    out = rows_in - malformed - exact - by_key if rows_out is None else rows_out
    return {"rowsIn": rows_in, "malformedRows": malformed, "exactDuplicates": exact, "keyDuplicates": by_key, "rowsOut": out}


def plan_text(**overrides):
    plan = {
        "formatVersion": 1,
        "dataset": "orders",
        "dialect": "spark",
        "columns": ORDERS_COLUMNS,
        "steps": [{"name": "etl_typed", "sql": "SELECT 1", "materialize": True}],
        "metricsSql": "SELECT 1",
        "rejectsSql": "SELECT 1",
        "outputSql": "SELECT 1",
        "latestSql": None,
        "partitionColumn": "dt",
        "quality": ORDERS_QUALITY,
        "swallowedRecordPattern": PATTERN_OF_3,
    }
    plan.update(overrides)
    return json.dumps(plan)


class NamingTest(unittest.TestCase):
    def test_input_id_is_the_first_16_hex_of_sha256_of_the_key(self):
        # Values from core/naming.ts inputId().
        self.assertEqual(h.input_id("extract/2024/orders-2024-05-01.csv"), "3a97e1921584727e")
        self.assertEqual(h.input_id("extract/ünïcode orders.csv"), "e25801b631248a1d")

    def test_keys_of_the_layout(self):
        self.assertEqual(h.dataset_load_prefix("orders"), "load/orders/")
        self.assertEqual(h.last_run_report_key("orders"), "load/_meta/orders/last-success.json")
        self.assertEqual(h.legacy_last_run_report_key("orders"), "logs/glue-jobs/orders/_last-success.json")
        self.assertEqual(h.rejects_key("orders", "orders-x-1"), "logs/glue-jobs/orders/orders-x-1.rejects.csv")
        self.assertEqual(h.plan_key("scripts/plans/", "orders"), "scripts/plans/orders.json")
        self.assertEqual(h.staging_prefix("orders", "jr_1"), "load/_staging/orders/jr_1/")
        self.assertEqual(h.latest_state_prefix("orders"), "load/latest/orders/")
        self.assertEqual(h.latest_manifest_key("orders"), "load/latest/orders/_symlink_format_manifest/manifest")
        self.assertEqual(h.latest_version_prefix("orders", "v1"), "load/latest/orders/versions/v1/")

    def test_a_job_run_id_that_is_not_plain_names_no_folder(self):
        for bad in ["jr/1", "", None, "jr 1"]:
            with self.subTest(bad=bad), self.assertRaises(h.ConfigError):
                h.staging_prefix("orders", bad)

    def test_version_ids_sort_by_creation_time_and_tell_their_age(self):
        # Values from core/naming.ts latestVersionId(new Date('2024-05-01T12:03:04.567Z'), 'jr_1').
        created = datetime(2024, 5, 1, 12, 3, 4, 567000, tzinfo=UTC)
        self.assertEqual(h.latest_version_id(created, "jr_1"), "20240501T120304Z-jr_1")
        self.assertEqual(h.latest_version_id(created, "jr_1", 2), "20240501T120304Z-jr_1-2")
        self.assertEqual(h.version_created_at("20240501T120304Z-jr_1-2"), datetime(2024, 5, 1, 12, 3, 4, tzinfo=UTC))
        self.assertIsNone(h.version_created_at("not-a-version"))
        self.assertIsNone(h.version_created_at("20240501T120304Z"))
        self.assertEqual(h.latest_version_of("load/latest/orders/versions/v1/part-0.parquet"), "v1")
        self.assertIsNone(h.latest_version_of("elsewhere/part-0.parquet"))

    def test_the_manifest_lists_one_url_per_line_and_reads_back_as_keys(self):
        keys = ["load/latest/orders/versions/v1/part-0.parquet", "load/latest/orders/versions/v1/part-1.parquet"]
        text = h.format_latest_manifest("data-bucket", keys)
        self.assertEqual(text, "s3://data-bucket/load/latest/orders/versions/v1/part-0.parquet\ns3://data-bucket/load/latest/orders/versions/v1/part-1.parquet\n")
        self.assertEqual(h.parse_latest_manifest(text + "\n"), keys)
        self.assertEqual(h.parse_latest_manifest(""), [])

    def test_ingestion_date_must_be_a_real_iso_date(self):
        self.assertEqual(h.params_sql("2024-05-01"), "SELECT DATE'2024-05-01' AS ingestion_date")
        for bad in ["2024-5-1", "2024-02-30", "2024-05-01'; DROP", "", None]:
            with self.subTest(bad=bad), self.assertRaises(h.ConfigError):
                h.check_ingestion_date(bad)


class PlanTest(unittest.TestCase):
    def test_a_spark_plan_of_the_dataset_is_accepted(self):
        plan = h.parse_plan(plan_text(), "orders")
        self.assertEqual(plan["columns"], ORDERS_COLUMNS)

    def test_a_plan_of_another_dialect_dataset_or_version_is_refused_with_every_reason(self):
        with self.assertRaises(h.ConfigError) as caught:
            h.parse_plan(plan_text(dialect="duckdb", dataset="events", formatVersion=2), "orders")
        message = str(caught.exception)
        for part in ["dialect 'duckdb'", "dataset 'events'", "formatVersion 2"]:
            self.assertIn(part, message)

    def test_a_plan_compiled_before_the_merged_state_is_refused(self):
        plan = json.loads(plan_text())
        del plan["latestSql"]
        with self.assertRaisesRegex(h.ConfigError, "missing latestSql"):
            h.parse_plan(json.dumps(plan), "orders")

    def test_a_plan_that_is_not_json_is_a_config_error(self):
        with self.assertRaises(h.ConfigError):
            h.parse_plan("{", "orders")

    def test_raw_projection_keeps_declaration_order_and_nulls_absent_optional_columns(self):
        sql = h.raw_projection(ORDERS_COLUMNS, {"quantity": 0, "order_id": 1})
        self.assertEqual(sql, "`_c1` AS `order_id`, `_c0` AS `quantity`, CAST(NULL AS STRING) AS `notes`")

    def test_identifiers_double_backticks(self):
        self.assertEqual(h.quote_identifier("a`b"), "`a``b`")


class HeaderTest(unittest.TestCase):
    def test_first_record_honours_quotes_and_quoted_newlines(self):
        text = '"order_id","qu""an\ntity",notes\n1,2,3\n'
        self.assertEqual(h.parse_header_record(text), ["order_id", 'qu"an\ntity', "notes"])

    def test_empty_text_has_no_header(self):
        self.assertEqual(h.parse_header_record(""), [])

    def test_normalize_strips_bom_and_spaces(self):
        self.assertEqual(h.normalize_header(["\ufefforder_id ", " quantity"]), ["order_id", "quantity"])

    def test_header_in_another_order_without_optional_column_matches(self):
        self.assertEqual(h.match_header(["quantity", "order_id"], "orders", ORDERS_COLUMNS), ["quantity", "order_id"])

    def test_mismatch_lists_repeated_unknown_and_missing_like_core(self):
        with self.assertRaises(h.HeaderMismatchError) as caught:
            h.match_header(["order_id", "order_id", "extra"], "orders", ORDERS_COLUMNS)
        self.assertEqual(
            str(caught.exception),
            'header does not match dataset "orders" (repeated: order_id; unknown: "extra"; missing: quantity); expected order_id,quantity,notes',
        )


class QualityTest(unittest.TestCase):
    def test_fail_findings_come_first_with_core_wording(self):
        findings = h.evaluate_quality(counts(1000, malformed=150, exact=10, by_key=5), 400, ORDERS_QUALITY)
        # Expected values from core/quality.ts evaluateQuality() on the same input.
        self.assertEqual(
            findings,
            [
                {"check": "malformedRowRatio", "level": "fail", "message": "malformedRowRatio 15.0% > fail 10.0% (150 of 1000 rows malformed)"},
                {"check": "volumeChangeRatio", "level": "warn", "message": "volumeChangeRatio 108.7% > warn 50.0% (835 rows out against 400 in the previous run)"},
            ],
        )
        self.assertEqual(h.quality_failures(counts(1000, malformed=150), 400, ORDERS_QUALITY), [findings[0]["message"]])

    def test_empty_after_dedupe_takes_the_configured_level(self):
        quality = {**ORDERS_QUALITY, "duplicateRatio": {"warn": 0.2}, "emptyAfterDedupe": "warn"}
        findings = h.evaluate_quality(counts(3, by_key=3), None, quality)
        self.assertEqual([f["check"] for f in findings], ["duplicateRatio", "emptyAfterDedupe"])
        self.assertEqual(findings[1]["message"], "no row left after removing malformed rows and duplicates (3 read)")
        self.assertEqual(h.quality_failures(counts(3, by_key=3), None, quality), [])

    def test_no_volume_check_without_a_previous_run(self):
        self.assertIsNone(h.quality_ratios(counts(10), None)["volumeChangeRatio"])
        self.assertIsNone(h.quality_ratios(counts(10), 0)["volumeChangeRatio"])

    def test_percent_rounds_like_javascript_to_fixed(self):
        # (0.125).toFixed(2) === '0.13' in JavaScript; Python's format() would give '0.12'.
        self.assertEqual(h._to_fixed(0.125, 2), "0.13")
        self.assertEqual(h._to_fixed(1.005, 2), "1.00")
        self.assertEqual(h._percent(0.00015), "0.015%")
        self.assertEqual(h._percent(0.5), "50.0%")

    def test_counts_add_the_rows_spark_could_not_split(self):
        metrics = {"rows_typed": 10, "malformed_rows": 1, "clean_rows": 9, "distinct_rows": 8, "output_rows": 6}
        self.assertEqual(
            h.counts_from_metrics(metrics, 2),
            {"rowsIn": 12, "malformedRows": 3, "exactDuplicates": 1, "keyDuplicates": 2, "duplicatesRemoved": 3, "rowsOut": 6},
        )


class RunReportTest(unittest.TestCase):
    START = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    ARGS = {"dataset": "orders", "input_key": "extract/orders.csv", "execution_name": "orders-1", "ingestion_date": "2024-05-01"}

    def report(self, **overrides):
        base = h.base_report(self.ARGS, "jr_1", self.START)
        report = h.finish_report(
            {**base, **h.empty_counts(), "status": "SUCCEEDED", "outputFiles": [], "rejectsKey": None, "previousRun": None, "qualityFailures": [], "error": None},
            self.START,
            self.START + timedelta(seconds=2),
        )
        report.update(overrides)
        return report

    def test_timestamps_are_javascript_iso_strings(self):
        self.assertEqual(h.iso_timestamp(self.START), "2024-05-01T12:00:00.123Z")

    def test_a_finished_report_has_the_schema_fields(self):
        report = self.report()
        self.assertTrue(h.is_run_report(report))
        self.assertEqual((report["engine"], report["durationMs"], report["latestPrefix"]), ("spark", 2000, "load/latest/orders/"))

    def test_the_state_fields_are_checked_when_present_and_may_be_absent(self):
        self.assertTrue(h.is_run_report(self.report(latestFiles=["load/latest/orders/versions/v/part-0.parquet"], latestRows=40)))
        self.assertTrue(h.is_run_report(self.report(latestFiles=[], latestRows=None)))
        self.assertFalse(h.is_run_report(self.report(latestRows="40")))
        self.assertFalse(h.is_run_report(self.report(latestFiles=None)))

    def test_a_failed_report_keeps_what_was_counted(self):
        report = h.failed_report(
            h.base_report(self.ARGS, "jr_1", self.START),
            {"rowsIn": 5, "rejectsKey": "logs/x.csv"},
            h.describe_error(h.QualityThresholdError("too many")),
            self.START,
        )
        self.assertTrue(h.is_run_report(report))
        self.assertEqual((report["status"], report["rowsIn"], report["rejectsKey"]), ("FAILED", 5, "logs/x.csv"))
        self.assertEqual((report["latestFiles"], report["latestRows"]), ([], None))
        self.assertEqual(report["error"], {"name": "QualityThresholdError", "message": "too many"})

    def test_previous_run_is_the_last_success_unless_it_is_this_execution(self):
        last = self.report(executionName="orders-0", rowsOut=40, previousRun=None)
        self.assertEqual(h.previous_run(json.dumps(last), "orders-1"), {"executionName": "orders-0", "rowsOut": 40})
        rerun = self.report(executionName="orders-1", previousRun={"executionName": "orders-0", "rowsOut": 40})
        self.assertEqual(h.previous_run(json.dumps(rerun), "orders-1"), {"executionName": "orders-0", "rowsOut": 40})

    def test_a_missing_or_invalid_last_report_means_no_previous_run(self):
        self.assertIsNone(h.previous_run(None, "x"))
        self.assertIsNone(h.previous_run("not json", "x"))
        self.assertIsNone(h.previous_run(json.dumps({"formatVersion": 1}), "x"))

    def test_unexpected_errors_are_transform_errors(self):
        self.assertEqual(h.describe_error(ValueError("boom")), {"name": "TransformError", "message": "boom"})

    def test_error_classes_print_without_a_module_prefix(self):
        import traceback

        line = traceback.format_exception_only(h.QualityThresholdError, h.QualityThresholdError("x"))[-1]
        self.assertEqual(line, "QualityThresholdError: x\n")


class OutputFilesTest(unittest.TestCase):
    ID = "3a97e1921584727e"

    def test_staged_partition_files_get_input_named_keys_numbered_per_partition(self):
        staging = "load/_staging/orders/id/"
        staged = [
            f"{staging}_SUCCESS",
            f"{staging}dt=2024-05-02/part-00001-abc.c000.snappy.parquet",
            f"{staging}dt=2024-05-01/part-00000-abc.c000.snappy.parquet",
            f"{staging}dt=2024-05-01/part-00001-abc.c000.snappy.parquet",
        ]
        self.assertEqual(
            [dest for _, dest in h.partition_file_keys(staged, staging, "load/orders/", self.ID)],
            [
                f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet",
                f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet",
                f"load/orders/dt=2024-05-02/part-{self.ID}-0.parquet",
            ],
        )

    def test_state_files_are_numbered_in_their_version(self):
        staging = "load/_staging/orders/id/latest/"
        staged = [f"{staging}part-2.snappy.parquet", f"{staging}_SUCCESS", f"{staging}part-1.snappy.parquet"]
        pairs = h.latest_file_keys(staged, staging, "load/latest/orders/versions/v/")
        self.assertEqual(
            pairs,
            [
                (f"{staging}part-1.snappy.parquet", "load/latest/orders/versions/v/part-0.parquet"),
                (f"{staging}part-2.snappy.parquet", "load/latest/orders/versions/v/part-1.parquet"),
            ],
        )

    def test_the_declared_columns_read_as_a_ddl_schema(self):
        self.assertEqual(h.ddl_schema(ORDERS_COLUMNS), "`order_id` STRING, `quantity` INT, `notes` STRING")

    def test_the_retention_is_twice_the_transform_timeout_plus_an_hour_of_queries(self):
        # The same derivation as core/naming.ts LATEST_VERSION_RETENTION_MS, from the ASL itself.
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "statemachine", "etl.asl.json"), encoding="utf-8") as source:
            transform = json.load(source)["States"]["Transform"]
        self.assertEqual(h.LATEST_VERSION_RETENTION_SECONDS, 2 * transform["TimeoutSeconds"] + 3600)
        self.assertEqual(h.LATEST_VERSION_RETENTION_SECONDS, 5 * 3600)

    def test_a_version_names_what_it_replaced_in_its_replaces_file(self):
        self.assertEqual(h.latest_replaces_key("orders", "v1"), "load/latest/orders/versions/v1/_replaces")
        self.assertEqual(h.latest_version_of(h.latest_replaces_key("orders", "v1")), "v1")
        self.assertEqual(h.format_latest_replaces(["v0", "v1"]), "v0\nv1\n")
        self.assertEqual(h.format_latest_replaces([]), "")
        self.assertEqual(h.parse_latest_replaces("v0\nv1\n\n"), ["v0", "v1"])
        self.assertEqual(h.parse_latest_replaces(""), [])
        manifest = ["load/latest/orders/versions/v1/part-0.parquet", "load/latest/orders/versions/v1/part-1.parquet", "elsewhere/x.parquet"]
        self.assertEqual(h.latest_manifest_versions(manifest), ["v1"])

    def test_the_chain_of_replaced_versions_is_kept_while_young_and_the_rest_deleted(self):
        prefix = "load/latest/orders/versions/"
        now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

        def version(hours_ago, run):
            return h.latest_version_id(now - timedelta(hours=hours_ago), run)

        # v3 (current) replaced v2, which replaced v1, which replaced v0; v0 replaced vold
        r = h.LATEST_VERSION_RETENTION_SECONDS / 3600
        v3, v2, v1, v0, vold = version(0, "jr_3"), version(r - 0.1, "jr_2"), version(r + 2, "jr_1"), version(r + 5, "jr_0"), version(4 * r, "jr_old")
        replaces = {v3: [v2], v2: [v1], v1: [v0], v0: [vold]}
        dead, busy = version(r + 1, "jr_dead"), version(1, "jr_busy")  # a lost attempt's; one in flight
        keys = [f"{prefix}{v}/{name}" for v in (v3, v2, v1, v0, vold, dead, busy) for name in ("part-0.parquet", "_replaces")]
        keys.append(f"{prefix}someone-elses/part-0.parquet")  # not named as a version: not ours

        # Act
        doomed = h.latest_versions_to_delete(keys, v3, replaces.get, now)

        # Assess: kept v3 (current), v2 (replaced by the young v3), v1 (replaced by v2, 0.1 h
        # younger than the retention) and the in-flight one; v0 (replaced by v1, older), vold
        # and the lost attempt's go, each whole
        self.assertEqual(doomed, sorted(k for k in keys if k.split("/")[4] in (v0, vold, dead)))
        self.assertEqual(h.latest_versions_kept(v3, replaces.get, now), {v3, v2, v1})
        # a version without _replaces (written before it existed) ends the chain
        self.assertEqual(h.latest_versions_kept(v3, {v3: [v2]}.get, now), {v3, v2})
        # later, only the current one and what it replaced stay (v2 is past the retention now)
        later = now + timedelta(hours=r - 0.05)
        self.assertEqual(h.latest_versions_kept(v3, replaces.get, later), {v3, v2})
        self.assertEqual(h.latest_versions_to_delete(keys, v3, replaces.get, later), sorted(k for k in keys if k.split("/")[4] not in (v3, v2, "someone-elses")))

    def test_a_version_replaced_since_its_write_counts_as_published(self):
        now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
        mine, theirs, later = (h.latest_version_id(now + timedelta(seconds=s), run) for s, run in ((0, "jr_me"), (5, "jr_b"), (9, "jr_c")))
        before = h.latest_version_id(now - timedelta(seconds=30), "jr_prev")
        replaces = {later: [theirs], theirs: [mine], mine: [before]}
        self.assertTrue(h.latest_version_published([mine], mine, replaces.get))
        self.assertTrue(h.latest_version_published([later], mine, replaces.get))
        self.assertFalse(h.latest_version_published([later], mine, {later: [theirs], theirs: [before]}.get))
        self.assertFalse(h.latest_version_published([], mine, replaces.get))
        # the walk stops at versions created before this one (older than it: not its successors)
        self.assertFalse(h.latest_version_published([before], mine, {before: [mine]}.get))

    def test_the_tables_files_are_its_partitions_parquet_files(self):
        keys = [
            "load/orders/dt=2024-05-02/part-b-0.parquet",
            "load/orders/dt=2024-05-01/part-a-0.parquet",
            "load/orders/dt=2024-05-01/_SUCCESS",
            "load/orders/dt=2024-05-01/.part-a-0.parquet.crc",
            "load/orders/other/part-a-0.parquet",
            "load/latest/orders/versions/v/part-0.parquet",
        ]
        self.assertEqual(h.table_file_keys(keys, "load/orders/"), ["load/orders/dt=2024-05-01/part-a-0.parquet", "load/orders/dt=2024-05-02/part-b-0.parquet"])

    def test_only_this_inputs_files_not_rewritten_are_stale(self):
        existing = [
            f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet",
            f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet",
            f"load/orders/dt=2024-04-30/part-{self.ID}-0.parquet",
            "load/orders/dt=2024-05-01/part-ffffffffffffffff-0.parquet",
            f"load/latest/orders/versions/v/part-{self.ID}-0.parquet",
        ]
        kept = [f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet"]
        self.assertEqual(
            h.stale_input_files(existing, kept, "load/orders/", self.ID),
            [f"load/orders/dt=2024-04-30/part-{self.ID}-0.parquet", f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet"],
        )


if __name__ == "__main__":
    unittest.main()


class RejectLinesTest(unittest.TestCase):
    """The same file and lines as test/unit/rejects.test.ts: the two runners number alike."""

    TEXT = 'id,qty,notes\n1,1,"two\nlines"\n\n2,x,\n3,1,"three\r\nlines\nhere"\n4,,\n4,,\ntoo,few\n5,1,\n6,y,'

    def numbered(self, text, rejects):
        return [r["line"] for r in h.number_rejects(io.StringIO(text, newline=""), rejects)]

    def test_each_reject_gets_the_line_its_record_starts_on(self):
        rejects = [h.reject_row("r", "{}", fields) for fields in (["6", "y", ""], ["4", "", ""], ["2", "x", None], ["4", "", None], ["too", "few"])]
        self.assertEqual(self.numbered(self.TEXT, rejects), [5, 9, 10, 11, 13])

    def test_a_quote_nothing_closes_gets_the_line_where_it_opened(self):
        fields, unclosed = h.raw_record_fields('2,x,"never closed\n3,1,\n')
        rejects = [h.reject_row(h.STRUCTURAL_REJECT_REASON, "raw", fields, unclosed)]
        self.assertTrue(unclosed)
        self.assertEqual(self.numbered('id,qty,notes\n1,1,\n2,x,"never closed\n3,1,\n', rejects), [3])
        self.assertEqual(h.record_split_failure(rejects, PATTERN_OF_3), {"line": 3, "reason": h.UNCLOSED_QUOTE_REASON})

    def test_raw_text_holding_a_whole_record_after_a_line_break_cannot_be_split(self):
        raw = {"line": 4, "reject_reason": h.STRUCTURAL_REJECT_REASON, "record": '3,1,"open\n4,1,"x"'}
        self.assertEqual(h.record_split_failure([raw], PATTERN_OF_3), {"line": 4, "reason": f"the record {h.SWALLOWED_RECORD_REASON}"})

    def test_the_rejects_file_has_its_columns_and_an_empty_line_when_unknown(self):
        text = h.rejects_csv([{"line": None, "reject_reason": "a, b", "record": '{"x":"1"}', "fields": []}])
        self.assertEqual(text, 'line,reject_reason,record\n,"a, b","{""x"":""1""}"\n')


class ReadingTest(unittest.TestCase):
    """The plan's dialect (``read``), the input's compression and encoding, lines above the header."""

    def test_a_plan_without_reading_fields_reads_as_before(self):
        plan = h.parse_plan(plan_text(), "orders")
        self.assertEqual((plan["read"], plan["extraColumns"]), (h.DEFAULT_READ, "refuse"))
        self.assertEqual([h.column_source(c) for c in plan["columns"]], ["order_id", "quantity", "notes"])

    def test_the_plans_dialect_is_read_with_defaults_for_what_it_omits(self):
        plan = h.parse_plan(plan_text(read={"delimiter": ";", "skipRows": 2, "escapeChar": None}, extraColumns="ignore"), "orders")
        self.assertEqual(plan["read"], {**h.DEFAULT_READ, "delimiter": ";", "skipRows": 2})
        self.assertEqual(plan["extraColumns"], "ignore")

    def test_a_dialect_the_runner_cannot_read_is_refused_with_every_reason(self):
        with self.assertRaises(h.ConfigError) as caught:
            h.parse_plan(plan_text(read={"delimiter": ":", "skipRows": 101, "header": "yes", "encoding": "utf-32"}, extraColumns="keep"), "orders")
        for part in ["read.delimiter ':'", "read.skipRows 101", "read.header 'yes'", "read.encoding 'utf-32'", "extraColumns 'keep'"]:
            self.assertIn(part, str(caught.exception))

    def test_spark_gets_one_escape_character(self):
        options = h.spark_csv_options(h.DEFAULT_READ, "UTF-8")
        self.assertEqual((options["sep"], options["quote"], options["escape"], options["header"], options["multiLine"]), (",", '"', '"', True, True))
        self.assertEqual(h.spark_csv_options({**h.DEFAULT_READ, "escapeChar": "\\", "doubleQuote": False}, "UTF-8")["escape"], "\\")
        self.assertEqual(h.spark_csv_options({**h.DEFAULT_READ, "doubleQuote": False}, "UTF-8")["escape"], "\u0000")

    def test_gzip_is_told_by_its_bytes_and_its_head_inflated(self):
        import gzip

        packed = gzip.compress(b"order_id,quantity\n" * 1000)
        self.assertTrue(h.is_gzip(packed) and not h.is_gzip(b"order_id"))
        self.assertTrue(h.inflate_head(packed[:200]).startswith(b"order_id,quantity\norder_id"))
        with self.assertRaises(h.TransformError):
            h.inflate_head(b"\x1f\x8bnot gzip at all")

    def test_the_encoding_and_its_byte_order_mark(self):
        self.assertEqual(h.text_encoding("utf-8", b"\xef\xbb\xbfa"), ("utf-8", "UTF-8", 3))
        self.assertEqual(h.text_encoding("iso-8859-1", b"a"), ("cp1252", "windows-1252", 0))
        self.assertEqual(h.text_encoding("utf-16", b"\xff\xfea\x00"), ("utf-16-le", "UTF-16LE", 2))
        self.assertEqual(h.text_encoding("utf-16", b"\xfe\xff\x00a"), ("utf-16-be", "UTF-16BE", 2))
        self.assertEqual(h.text_encoding("utf-16", b"a\x00"), ("utf-16-le", "UTF-16LE", 0), "no mark: little-endian")
        self.assertEqual(h.decode_head("x€\n".encode("utf-16-le")[:-1], "utf-16-le", 0), "x€", "a unit cut by the probe is left out")
        self.assertEqual(h.decode_head(b"\x80\x81", "cp1252", 0), "€\ufffd", "an undefined byte is U+FFFD, as Java reads it")

    def test_the_header_is_the_first_record_after_the_skipped_lines(self):
        text = h.skip_text_lines('Title "open\r\n\nOrder ID;"Qty";Notes\r\n1;2;3\r\n', 2)
        self.assertEqual(h.parse_header_record(text, {**h.DEFAULT_READ, "delimiter": ";"}), ["Order ID", "Qty", "Notes"])
        self.assertEqual(h.skip_text_lines("a\rb\nc\n", 1), "c\n", "a lone CR ends no line")
        self.assertEqual(h.skip_text_lines("a\n", 3), "")

    def skipped(self, data, lines, codec="utf-8", drop=0, chunk=None):
        source = io.BytesIO(data)
        if chunk:  # a stream that gives a few bytes at a time
            read = source.read
            source.read = lambda size=-1: read(min(chunk, size) if size and size > 0 else chunk)
        return h.SkippedLines(source, lines, codec, drop).read()

    def test_skipped_lines_are_streamed_whatever_the_chunks(self):
        data = b'Title "x\r\n\r\nid,qty\r\n1,2\r\n'
        for chunk in (None, 1, 2, 3):
            with self.subTest(chunk=chunk):
                self.assertEqual(self.skipped(data, 2, chunk=chunk), b"id,qty\r\n1,2\r\n")
                self.assertEqual(self.skipped(b"\xef\xbb\xbfid\n", 0, drop=3, chunk=chunk), b"id\n")
        self.assertEqual(self.skipped(b"one line, no end", 1), b"")
        self.assertEqual(self.skipped(data, 0), data)

    def test_skipped_lines_in_utf16_are_code_units(self):
        # U+0A0A is the bytes 0a 0a: not a line feed in UTF-16.
        text = "T\u0a0a\u0d0a\r\nid\nx€\n"
        for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
            for chunk in (None, 1, 3):
                with self.subTest(codec=codec, chunk=chunk):
                    self.assertEqual(self.skipped(bom + text.encode(codec), 1, codec, drop=2, chunk=chunk), "id\nx€\n".encode(codec))

    def test_the_header_is_matched_with_each_columns_source(self):
        columns = [{**ORDERS_COLUMNS[0], "source": "Order ID"}, {**ORDERS_COLUMNS[1], "source": "Qty"}, ORDERS_COLUMNS[2]]
        self.assertEqual(h.match_header(["Qty", "Extra", "Order ID"], "orders", columns, "ignore"), ["quantity", None, "order_id"])
        with self.assertRaises(h.HeaderMismatchError) as caught:
            h.match_header(["order_id", "Qty", "Extra"], "orders", columns)
        self.assertEqual(
            str(caught.exception),
            'header does not match dataset "orders" (unknown: "order_id", "Extra"; missing: Order ID); expected Order ID,Qty,notes',
        )

    def test_rejects_are_numbered_as_lines_of_the_original_file(self):
        read = {**h.DEFAULT_READ, "delimiter": ";", "skipRows": 2}
        text = 'Title "open\n\nid;extra;qty\n1;a;"x\ny"\n2;b;bad\n'
        rejects = [h.reject_row("r", "{}", ["2", "bad"])]
        numbered = h.number_rejects(io.StringIO(text, newline=""), rejects, read, positions=[0, 2])
        self.assertEqual([r["line"] for r in numbered], [6])
        # The staged copy, written without the two lines: the same line.
        rejects = [h.reject_row("r", "{}", ["2", "bad"])]
        numbered = h.number_rejects(io.StringIO(text.split("\n", 2)[2], newline=""), rejects, read, positions=[0, 2], first_line=3)
        self.assertEqual([r["line"] for r in numbered], [6])

    def test_without_a_header_the_first_record_is_data(self):
        read = {**h.DEFAULT_READ, "header": False}
        rejects = [h.reject_row("r", "{}", ["1", "x"])]
        numbered = h.number_rejects(io.StringIO("\ufeff1,x\n2,3\n", newline=""), rejects, read)
        self.assertEqual([r["line"] for r in numbered], [1])

    def test_raw_records_are_split_in_the_dialect(self):
        read = {**h.DEFAULT_READ, "delimiter": "|", "quoteChar": "'"}
        self.assertEqual(h.raw_record_fields("a|'b|c'|d|e", read, positions=[0, 1, 3]), (["a", "b|c", "e"], False))
        self.assertEqual(h.raw_record_fields("a|'open", read), (["a", "open"], True))
