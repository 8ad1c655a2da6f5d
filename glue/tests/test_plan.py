"""glue/plan.py against core/transform/compile-plan.ts: the Spark plan's checks, its dialect, the SQL around it."""

import json
import unittest

from errors import ConfigError
from orders_plan import ORDERS_COLUMNS, plan_text
from plan import DEFAULT_READ, column_source, ddl_schema, params_sql, parse_plan, quote_identifier, raw_projection


class PlanTest(unittest.TestCase):
    def test_a_spark_plan_of_the_dataset_is_accepted(self):
        plan = parse_plan(plan_text(), "orders")
        self.assertEqual(plan["columns"], ORDERS_COLUMNS)

    def test_a_plan_of_another_dialect_dataset_or_version_is_refused_with_every_reason(self):
        with self.assertRaises(ConfigError) as caught:
            parse_plan(plan_text(dialect="duckdb", dataset="events", formatVersion=2), "orders")
        message = str(caught.exception)
        for part in ["dialect 'duckdb'", "dataset 'events'", "formatVersion 2"]:
            self.assertIn(part, message)

    def test_a_plan_compiled_before_the_merged_state_is_refused(self):
        plan = json.loads(plan_text())
        del plan["latestSql"]
        with self.assertRaisesRegex(ConfigError, "missing latestSql"):
            parse_plan(json.dumps(plan), "orders")

    def test_a_plan_that_is_not_json_is_a_config_error(self):
        with self.assertRaises(ConfigError):
            parse_plan("{", "orders")

    def test_raw_projection_keeps_declaration_order_and_nulls_absent_optional_columns(self):
        sql = raw_projection(ORDERS_COLUMNS, {"quantity": 0, "order_id": 1})
        self.assertEqual(sql, "`_c1` AS `order_id`, `_c0` AS `quantity`, CAST(NULL AS STRING) AS `notes`")

    def test_the_params_relation_holds_the_checked_ingestion_date(self):
        self.assertEqual(params_sql("2024-05-01"), "SELECT DATE'2024-05-01' AS ingestion_date")
        with self.assertRaises(ConfigError):
            params_sql("2024-05-01'; DROP")

    def test_identifiers_double_backticks(self):
        self.assertEqual(quote_identifier("a`b"), "`a``b`")

    def test_the_declared_columns_read_as_a_ddl_schema(self):
        self.assertEqual(ddl_schema(ORDERS_COLUMNS), "`order_id` STRING, `quantity` INT, `notes` STRING")


class DialectTest(unittest.TestCase):
    """The plan's dialect (``read``) and what to do with extra columns."""

    def test_a_plan_without_reading_fields_reads_as_before(self):
        plan = parse_plan(plan_text(), "orders")
        self.assertEqual((plan["read"], plan["extraColumns"]), (DEFAULT_READ, "refuse"))
        self.assertEqual([column_source(c) for c in plan["columns"]], ["order_id", "quantity", "notes"])

    def test_the_plans_dialect_is_read_with_defaults_for_what_it_omits(self):
        plan = parse_plan(plan_text(read={"delimiter": ";", "skipRows": 2, "escapeChar": None}, extraColumns="ignore"), "orders")
        self.assertEqual(plan["read"], {**DEFAULT_READ, "delimiter": ";", "skipRows": 2})
        self.assertEqual(plan["extraColumns"], "ignore")

    def test_a_dialect_the_runner_cannot_read_is_refused_with_every_reason(self):
        with self.assertRaises(ConfigError) as caught:
            parse_plan(plan_text(read={"delimiter": ":", "skipRows": 101, "header": "yes", "encoding": "utf-32"}, extraColumns="keep"), "orders")
        for part in ["read.delimiter ':'", "read.skipRows 101", "read.header 'yes'", "read.encoding 'utf-32'", "extraColumns 'keep'"]:
            self.assertIn(part, str(caught.exception))
