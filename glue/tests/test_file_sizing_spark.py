"""Few files, and the dedupe once, on real local Spark: at most one Parquet file per output
partition per ``TARGET_FILE_BYTES`` (4,100 rows over 380 dates came out as 764 files before the
writes were rebalanced), the same for the state version's files; the dedupe's window run once
per run, told by the executed plans' metrics (the metrics, the output and the state's merge each
ran it before it was cached), and the run's Spark jobs few (23 on the sample before)."""

import json
import math
from collections import Counter
from datetime import date, timedelta

import pytest

import etl_runner
import output_files
from conftest import bucket_with, plans_for
from job_context import LocalJobContext
from naming import latest_versions_prefix
from test_latest_state_spark import manifest_keys, sample_rows, write_csv
from test_runner_spark import args_for, argv

DAYS = 380
ROWS = 4100


@pytest.fixture(scope="module")
def by_date_plans_dir(tmp_path_factory):
    """The Spark plan of ``orders`` partitioned by its ``order_date`` column."""
    return plans_for(tmp_path_factory.mktemp("by-date-plans"), lambda dataset: dataset.update(partitioning={"by": "column", "column": "order_date"}))


@pytest.fixture()
def by_date_bucket_dir(tmp_path, by_date_plans_dir):
    return bucket_with(tmp_path, by_date_plans_dir)


def orders_over_days(count, first_id=0):
    """``count`` distinct orders spread over ``DAYS`` order dates."""
    template = sample_rows()
    start = date(2025, 11, 1)
    rows = []
    for n in range(count):
        day = start + timedelta(days=n % DAYS)
        row = template[n % len(template)]
        rows.append({**row, "order_id": f"ORD-9{first_id + n:08d}", "order_date": day.isoformat(), "order_ts": f"{day.isoformat()}T12:00:00Z"})
    return rows


def files_per_partition(bucket_dir):
    return Counter(p.parent.name for p in (bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))


def run(spark, bucket_dir, key, execution, job_run_id, load_id):
    return etl_runner.main(argv(args_for(key, execution, job_run_id, "2026-11-24", load_id)), LocalJobContext(spark, bucket_dir, "data-bucket"))


def test_a_load_over_380_dates_writes_one_file_per_partition_and_a_state_of_one_file(spark, by_date_bucket_dir):
    # Prepare
    bucket_dir = by_date_bucket_dir
    write_csv(bucket_dir, "extract/orders-1.csv", orders_over_days(ROWS))

    # Act
    report = run(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_days", "00000000000000aa")

    # Assess: every partition one file; the state (not partitioned) is not the 380 files copied
    per_partition = files_per_partition(bucket_dir)
    assert report["rowsOut"] == ROWS
    assert len(per_partition) == DAYS and set(per_partition.values()) == {1}
    assert len(report["outputFiles"]) == DAYS
    assert len(report["latestFiles"]) == 1 and report["latestRows"] == ROWS
    assert spark.read.parquet(*[str(bucket_dir / key) for key in manifest_keys(bucket_dir)]).count() == ROWS


def test_a_second_load_merges_into_a_state_of_one_file_and_keeps_one_file_per_partition(spark, by_date_bucket_dir):
    # Prepare: a first load, then a second one of as many new orders over the same dates
    bucket_dir = by_date_bucket_dir
    write_csv(bucket_dir, "extract/orders-1.csv", orders_over_days(ROWS))
    run(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", "00000000000000aa")
    write_csv(bucket_dir, "extract/orders-2.csv", orders_over_days(ROWS, first_id=ROWS))

    # Act
    report = run(spark, bucket_dir, "extract/orders-2.csv", "orders-2", "jr_second", "00000000000000bb")

    # Assess: two loads' files per partition (one each), the merged state one file
    assert set(files_per_partition(bucket_dir).values()) == {2}
    assert len(report["latestFiles"]) == 1 and report["latestRows"] == 2 * ROWS
    assert all(key.startswith(latest_versions_prefix("orders")) for key in report["latestFiles"])


def test_a_partition_larger_than_the_target_is_split_into_files_of_about_the_target(spark, bucket_dir, monkeypatch):
    # Prepare: a file target far below the load's one partition (by ingestion date)
    target = 16 * 1024
    monkeypatch.setattr(etl_runner, "file_sizing_settings", lambda: output_files.file_sizing_settings(target))
    write_csv(bucket_dir, "extract/orders-1.csv", orders_over_days(ROWS))

    # Act
    report = run(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_split", "00000000000000aa")

    # Assess: more than one file (written by as many tasks), yet no more than one per target
    files = list((bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))
    written = sum(f.stat().st_size for f in files)
    assert len({f.parent for f in files}) == 1
    assert 1 < len(files) <= math.ceil(written / target)
    assert report["rowsOut"] == ROWS


def sql_executions(spark):
    """The ids of the SQL executions Spark has recorded (every session of the application)."""
    return {execution.executionId() for execution in spark_list(spark._jsparkSession.sharedState().statusStore().executionsList())}


def spark_list(seq):
    """A Scala ``Seq`` from the JVM as a Python list."""
    return [seq.apply(i) for i in range(seq.size())]


def shuffle_under(node, nodes, children):
    """The Exchange feeding a Window's Sort (through the Sort, its group limit, a shuffle read)."""
    for child in (nodes[i] for i in children.get(node.id(), [])):
        if child.name() == "Exchange":
            return child
        if child.name() in ("Sort", "WindowGroupLimit", "AQEShuffleRead"):
            return shuffle_under(child, nodes, children)
    return None


def windows_run(spark, executions):
    """How many window operators ran in the SQL ``executions``: those whose shuffle wrote rows.
    A query reading a cached step shows the step's plan, its window included, but runs none of
    it (the window's Exchange writes nothing in that query)."""
    store = spark._jsparkSession.sharedState().statusStore()
    ran = 0
    for execution in executions:
        graph, values = store.planGraph(execution), store.executionMetrics(execution)
        nodes = {node.id(): node for node in spark_list(graph.allNodes())}
        children = {}
        for edge in spark_list(graph.edges()):
            children.setdefault(edge.toId(), []).append(edge.fromId())
        for window in (node for node in nodes.values() if node.name() == "Window"):
            exchange = shuffle_under(window, nodes, children)
            written = [m for m in spark_list(exchange.metrics()) if m.name() == "shuffle records written"] if exchange else []
            value = values.get(written[0].accumulatorId()) if written else None
            if value is not None and value.isDefined() and int(value.get().replace(",", "")) > 0:
                ran += 1
    return ran


def test_the_dedupe_runs_once_for_the_metrics_the_output_and_the_state_and_the_jobs_are_few(spark, bucket_dir):
    # Prepare: two loads (half of the second's orders in the first), the second merged into a state
    plan = json.loads((bucket_dir / "scripts" / "plans" / "orders.json").read_text(encoding="utf-8"))
    write_csv(bucket_dir, "extract/orders-1.csv", orders_over_days(ROWS))
    write_csv(bucket_dir, "extract/orders-2.csv", orders_over_days(ROWS, first_id=ROWS // 2))

    # Act
    before_first = sql_executions(spark)
    first = run(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", "00000000000000aa")
    before_second = sql_executions(spark)
    second = run(spark, bucket_dir, "extract/orders-2.csv", "orders-2", "jr_second", "00000000000000bb")

    # Assess: the dedupe is a cached step, read by the metrics, the output and the state; the
    # metrics are one query (no scalar subqueries, each its own jobs)
    assert {s["name"]: s["materialize"] for s in plan["steps"]} == {"etl_typed": True, "etl_clean": False, "etl_distinct": False, "etl_deduped": True}
    assert "(SELECT" not in plan["metricsSql"]
    # The first load's state is its one file copied: its window ran once (uncached, for the
    # metrics and again for the output). The second's ran once (uncached, a third time for the
    # state's merge), and the merge ran its own window.
    assert windows_run(spark, before_second - before_first) == 1
    assert windows_run(spark, sql_executions(spark) - before_second) == 2
    assert second["latestRows"] == ROWS + ROWS // 2
    # Jobs measured: 14 and 18 (adaptive execution runs each shuffle and each cached step as a
    # job of its own: 8 of them the metrics' query, which materialises both cached steps).
    assert 0 < first["sparkJobs"] <= 16
    assert 0 < second["sparkJobs"] <= 20
