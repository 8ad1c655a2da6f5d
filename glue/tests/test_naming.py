"""glue/naming.py against core/naming.ts: the layout's keys, the state's versions and their retention."""

import json
import os
import unittest
from datetime import UTC, datetime, timedelta

from errors import ConfigError
from naming import (
    LATEST_VERSION_RETENTION_SECONDS,
    check_ingestion_date,
    dataset_load_prefix,
    format_latest_manifest,
    format_latest_replaces,
    input_id,
    last_run_report_key,
    latest_manifest_key,
    latest_manifest_versions,
    latest_replaces_key,
    latest_state_prefix,
    latest_version_id,
    latest_version_of,
    latest_version_prefix,
    latest_version_published,
    latest_versions_kept,
    latest_versions_to_delete,
    legacy_last_run_report_key,
    parse_latest_manifest,
    parse_latest_replaces,
    plan_key,
    rejects_key,
    staging_prefix,
    version_created_at,
)


class NamingTest(unittest.TestCase):
    def test_input_id_is_the_first_16_hex_of_sha256_of_the_key(self):
        # Values from core/naming.ts inputId().
        self.assertEqual(input_id("extract/2024/orders-2024-05-01.csv"), "3a97e1921584727e")
        self.assertEqual(input_id("extract/ünïcode orders.csv"), "e25801b631248a1d")

    def test_keys_of_the_layout(self):
        self.assertEqual(dataset_load_prefix("orders"), "load/orders/")
        self.assertEqual(last_run_report_key("orders"), "load/_meta/orders/last-success.json")
        self.assertEqual(legacy_last_run_report_key("orders"), "logs/glue-jobs/orders/_last-success.json")
        self.assertEqual(rejects_key("orders", "orders-x-1"), "logs/glue-jobs/orders/orders-x-1.rejects.csv")
        self.assertEqual(plan_key("scripts/plans/", "orders"), "scripts/plans/orders.json")
        self.assertEqual(staging_prefix("orders", "jr_1"), "load/_staging/orders/jr_1/")
        self.assertEqual(latest_state_prefix("orders"), "load/latest/orders/")
        self.assertEqual(latest_manifest_key("orders"), "load/latest/orders/_symlink_format_manifest/manifest")
        self.assertEqual(latest_version_prefix("orders", "v1"), "load/latest/orders/versions/v1/")

    def test_a_job_run_id_that_is_not_plain_names_no_folder(self):
        for bad in ["jr/1", "", None, "jr 1"]:
            with self.subTest(bad=bad), self.assertRaises(ConfigError):
                staging_prefix("orders", bad)

    def test_version_ids_sort_by_creation_time_and_tell_their_age(self):
        # Values from core/naming.ts latestVersionId(new Date('2024-05-01T12:03:04.567Z'), 'jr_1').
        created = datetime(2024, 5, 1, 12, 3, 4, 567000, tzinfo=UTC)
        self.assertEqual(latest_version_id(created, "jr_1"), "20240501T120304Z-jr_1")
        self.assertEqual(latest_version_id(created, "jr_1", 2), "20240501T120304Z-jr_1-2")
        self.assertEqual(version_created_at("20240501T120304Z-jr_1-2"), datetime(2024, 5, 1, 12, 3, 4, tzinfo=UTC))
        self.assertIsNone(version_created_at("not-a-version"))
        self.assertIsNone(version_created_at("20240501T120304Z"))
        self.assertEqual(latest_version_of("load/latest/orders/versions/v1/part-0.parquet"), "v1")
        self.assertIsNone(latest_version_of("elsewhere/part-0.parquet"))

    def test_the_manifest_lists_one_url_per_line_and_reads_back_as_keys(self):
        keys = ["load/latest/orders/versions/v1/part-0.parquet", "load/latest/orders/versions/v1/part-1.parquet"]
        text = format_latest_manifest("data-bucket", keys)
        self.assertEqual(text, "s3://data-bucket/load/latest/orders/versions/v1/part-0.parquet\ns3://data-bucket/load/latest/orders/versions/v1/part-1.parquet\n")
        self.assertEqual(parse_latest_manifest(text + "\n"), keys)
        self.assertEqual(parse_latest_manifest(""), [])

    def test_ingestion_date_must_be_a_real_iso_date(self):
        for bad in ["2024-5-1", "2024-02-30", "2024-05-01'; DROP", "", None]:
            with self.subTest(bad=bad), self.assertRaises(ConfigError):
                check_ingestion_date(bad)


class LatestVersionsTest(unittest.TestCase):
    def test_the_retention_is_twice_the_transform_timeout_plus_an_hour_of_queries(self):
        # The same derivation as core/naming.ts LATEST_VERSION_RETENTION_MS, from the ASL itself.
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "statemachine", "etl.asl.json"), encoding="utf-8") as source:
            transform = json.load(source)["States"]["Transform"]
        self.assertEqual(LATEST_VERSION_RETENTION_SECONDS, 2 * transform["TimeoutSeconds"] + 3600)
        self.assertEqual(LATEST_VERSION_RETENTION_SECONDS, 5 * 3600)

    def test_a_version_names_what_it_replaced_in_its_replaces_file(self):
        self.assertEqual(latest_replaces_key("orders", "v1"), "load/latest/orders/versions/v1/_replaces")
        self.assertEqual(latest_version_of(latest_replaces_key("orders", "v1")), "v1")
        self.assertEqual(format_latest_replaces(["v0", "v1"]), "v0\nv1\n")
        self.assertEqual(format_latest_replaces([]), "")
        self.assertEqual(parse_latest_replaces("v0\nv1\n\n"), ["v0", "v1"])
        self.assertEqual(parse_latest_replaces(""), [])
        manifest = ["load/latest/orders/versions/v1/part-0.parquet", "load/latest/orders/versions/v1/part-1.parquet", "elsewhere/x.parquet"]
        self.assertEqual(latest_manifest_versions(manifest), ["v1"])

    def test_the_chain_of_replaced_versions_is_kept_while_young_and_the_rest_deleted(self):
        prefix = "load/latest/orders/versions/"
        now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

        def version(hours_ago, run):
            return latest_version_id(now - timedelta(hours=hours_ago), run)

        # v3 (current) replaced v2, which replaced v1, which replaced v0; v0 replaced vold
        r = LATEST_VERSION_RETENTION_SECONDS / 3600
        v3, v2, v1, v0, vold = version(0, "jr_3"), version(r - 0.1, "jr_2"), version(r + 2, "jr_1"), version(r + 5, "jr_0"), version(4 * r, "jr_old")
        replaces = {v3: [v2], v2: [v1], v1: [v0], v0: [vold]}
        dead, busy = version(r + 1, "jr_dead"), version(1, "jr_busy")  # a lost attempt's; one in flight
        keys = [f"{prefix}{v}/{name}" for v in (v3, v2, v1, v0, vold, dead, busy) for name in ("part-0.parquet", "_replaces")]
        keys.append(f"{prefix}someone-elses/part-0.parquet")  # not named as a version: not ours

        # Act
        doomed = latest_versions_to_delete(keys, v3, replaces.get, now)

        # Assess: kept v3 (current), v2 (replaced by the young v3), v1 (replaced by v2, 0.1 h
        # younger than the retention) and the in-flight one; v0 (replaced by v1, older), vold
        # and the lost attempt's go, each whole
        self.assertEqual(doomed, sorted(k for k in keys if k.split("/")[4] in (v0, vold, dead)))
        self.assertEqual(latest_versions_kept(v3, replaces.get, now), {v3, v2, v1})
        # a version without _replaces (written before it existed) ends the chain
        self.assertEqual(latest_versions_kept(v3, {v3: [v2]}.get, now), {v3, v2})
        # later, only the current one and what it replaced stay (v2 is past the retention now)
        later = now + timedelta(hours=r - 0.05)
        self.assertEqual(latest_versions_kept(v3, replaces.get, later), {v3, v2})
        self.assertEqual(latest_versions_to_delete(keys, v3, replaces.get, later), sorted(k for k in keys if k.split("/")[4] not in (v3, v2, "someone-elses")))

    def test_a_version_replaced_since_its_write_counts_as_published(self):
        now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
        mine, theirs, later = (latest_version_id(now + timedelta(seconds=s), run) for s, run in ((0, "jr_me"), (5, "jr_b"), (9, "jr_c")))
        before = latest_version_id(now - timedelta(seconds=30), "jr_prev")
        replaces = {later: [theirs], theirs: [mine], mine: [before]}
        self.assertTrue(latest_version_published([mine], mine, replaces.get))
        self.assertTrue(latest_version_published([later], mine, replaces.get))
        self.assertFalse(latest_version_published([later], mine, {later: [theirs], theirs: [before]}.get))
        self.assertFalse(latest_version_published([], mine, replaces.get))
        # the walk stops at versions created before this one (older than it: not its successors)
        self.assertFalse(latest_version_published([before], mine, {before: [mine]}.get))
