"""The orders dataset's plan as the unit tests of glue/ use it (a compiled plan's fields, by hand)."""

import json

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


def plan_text(**overrides):
    plan = {
        "formatVersion": 1,
        "dataset": "orders",
        "dialect": "spark",
        "columns": ORDERS_COLUMNS,
        "steps": [{"name": "etl_typed", "sql": "SELECT 1", "materialize": True}],
        "metricsSql": "SELECT 1",
        "rejectsSql": "SELECT 1",
        "rejectsWithLinesSql": "SELECT 1",
        "outputSql": "SELECT 1",
        "latestSql": None,
        "partitionColumn": "dt",
        "quality": ORDERS_QUALITY,
        "swallowedRecordPattern": PATTERN_OF_3,
    }
    plan.update(overrides)
    return json.dumps(plan)
