"""The dataset's state (``load/latest/<dataset>/``) on real local Spark: merged across loads by the
keepLatestBy rule, the same after a rerun, recomputed after a correction, no update lost when
runs publish together or a manifest write is sent twice, versions kept while a run may read
them, and the last load's rows for a dataset without keys."""

import csv
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import etl_runner
from job_context import LocalJobContext
from naming import (
    LATEST_VERSION_RETENTION_SECONDS,
    input_id,
    latest_manifest_key,
    latest_replaces_key,
    latest_version_of,
    latest_version_prefix,
    latest_versions_prefix,
    parse_latest_manifest,
    version_created_at,
)
from test_runner_spark import SAMPLES, args_for, argv

MANIFEST = latest_manifest_key("orders")


def sample_rows():
    with open(f"{SAMPLES}/orders-clean.csv", encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    return rows


def write_csv(bucket_dir, key, rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (bucket_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (bucket_dir / key).write_text(out.getvalue(), encoding="utf-8")


def second_load_rows():
    """10 keys of the first load updated a day later, one key sent again with an older row (the
    state keeps the newer one), 5 new keys."""
    first = sample_rows()
    updated = [{**row, "status": "REFUNDED", "order_ts": row["order_ts"].replace("2026-11-24", "2026-11-25")} for row in first[:10]]
    older = [{**first[10], "status": "STALE", "order_ts": "2026-11-01T00:00:00Z"}]
    new = [{**row, "order_id": row["order_id"].replace("ORD-2026-0000", "ORD-2026-0009")} for row in first[20:25]]
    return updated + older + new


def run(spark, bucket_dir, args):
    return etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, "data-bucket"))


def load(spark, bucket_dir, key, execution, job_run_id, rows, ingestion_date, load_id):
    write_csv(bucket_dir, key, rows)
    return run(spark, bucket_dir, args_for(key, execution, job_run_id, ingestion_date, load_id))


def manifest_keys(bucket_dir):
    return parse_latest_manifest((bucket_dir / MANIFEST).read_text(encoding="utf-8"))


def state_rows(spark, bucket_dir):
    """The state as a reader sees it: the files the manifest names."""
    frame = spark.read.parquet(*[str(bucket_dir / key) for key in manifest_keys(bucket_dir)])
    return {row["order_id"]: row.asDict() for row in frame.collect()}, frame.count()


def table_rows(spark, bucket_dir):
    return spark.read.parquet(str(bucket_dir / "load" / "orders")).count()


def test_a_second_load_updates_the_state_and_the_table_holds_both(spark, bucket_dir):
    # Prepare
    first = load(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", sample_rows(), "2026-11-24", "00000000000000aa")

    # Act
    second = load(spark, bucket_dir, "extract/orders-2.csv", "orders-2", "jr_second", second_load_rows(), "2026-11-25", "00000000000000bb")

    # Assess: each key once, the newer row by order_ts; the table holds both loads
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 45
    assert {state[r["order_id"]]["status"] for r in sample_rows()[:10]} == {"REFUNDED"}
    assert state[sample_rows()[10]["order_id"]]["status"] == sample_rows()[10]["status"]
    assert table_rows(spark, bucket_dir) == 40 + 16
    assert not any((bucket_dir / "load" / "orders").glob("latest*")), "the table holds dt= folders only"
    assert sorted(p.name for p in (bucket_dir / "load" / "orders").iterdir()) == ["dt=2026-11-24", "dt=2026-11-25"]
    # the reports: the version each run published, and the rows of the state after it
    assert (first["latestRows"], second["latestRows"]) == (40, 45)
    assert second["latestFiles"] == manifest_keys(bucket_dir)
    assert second["latestPrefix"] == "load/latest/orders/"
    version = second["latestFiles"][0].split("/")[4]
    assert version.endswith("-jr_second") and version_created_at(version) is not None
    assert all(key.startswith(f"load/latest/orders/versions/{version}/part-") for key in second["latestFiles"])
    assert not (bucket_dir / "load" / "_staging").exists() or not any((bucket_dir / "load" / "_staging").glob("**/*"))


def test_a_rerun_of_a_load_leaves_the_same_state_in_a_new_version(spark, bucket_dir):
    # Prepare
    load(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", sample_rows(), "2026-11-24", "00000000000000aa")
    second = load(spark, bucket_dir, "extract/orders-2.csv", "orders-2", "jr_second", second_load_rows(), "2026-11-25", "00000000000000bb")
    before, _ = state_rows(spark, bucket_dir)

    # Act: the same execution again (a redrive), another job run
    again = run(spark, bucket_dir, args_for("extract/orders-2.csv", "orders-2", "jr_again", "2026-11-25", "00000000000000bb"))

    # Assess: the same rows, published as a new version; the table still holds each load once
    after, count = state_rows(spark, bucket_dir)
    assert after == before and count == 45
    assert again["latestRows"] == 45
    assert again["latestFiles"] != second["latestFiles"] and "-jr_again" in again["latestFiles"][0]
    assert table_rows(spark, bucket_dir) == 56


def test_two_loads_publishing_together_lose_neither_ones_rows(spark, bucket_dir):
    # Prepare: two inputs of distinct keys, loaded by job runs that overlap
    rows = sample_rows()
    write_csv(bucket_dir, "extract/orders-a.csv", rows[:20])
    write_csv(bucket_dir, "extract/orders-b.csv", rows[20:])
    runs = [
        args_for("extract/orders-a.csv", "orders-a", "jr_a", "2026-11-24", "00000000000000aa"),
        args_for("extract/orders-b.csv", "orders-b", "jr_b", "2026-11-24", "00000000000000bb"),
    ]
    errors = []

    def job(args):
        try:
            run(spark, bucket_dir, args)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    # Act
    threads = [threading.Thread(target=job, args=(args,)) for args in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Assess
    assert errors == []
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 40
    assert not list(bucket_dir.glob("**/*.lock"))


def test_a_run_that_loses_the_manifest_merges_again_onto_the_winners_state(spark, bucket_dir, monkeypatch):
    # Prepare: a first load; then run B publishes while run A is between reading the manifest
    # and writing it (deterministically, from inside A's first conditional write)
    rows = sample_rows()
    load(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", rows[:10], "2026-11-24", "00000000000000aa")
    write_csv(bucket_dir, "extract/orders-a.csv", rows[10:20])
    write_csv(bucket_dir, "extract/orders-b.csv", rows[20:30])
    context = LocalJobContext(spark, bucket_dir, "data-bucket")
    real_write = context.bucket.write_text_if
    answers = []

    def write_after_the_other_run(key, text, content_type, token):
        if not answers:
            run(spark, bucket_dir, args_for("extract/orders-b.csv", "orders-b", "jr_b", "2026-11-24", "00000000000000bb"))
        answers.append(real_write(key, text, content_type, token))
        return answers[-1]

    context.bucket.write_text_if = write_after_the_other_run

    # Act
    report = etl_runner.main(argv(args_for("extract/orders-a.csv", "orders-a", "jr_a", "2026-11-24", "00000000000000cc")), context)

    # Assess: A lost once, merged again, and the state holds all three loads' keys
    assert answers == [False, True]
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 30 == report["latestRows"]
    assert report["latestFiles"][0].split("/")[4].endswith("-jr_a-2")
    versions = {p.name for p in (bucket_dir / latest_versions_prefix("orders")).iterdir()}
    assert not any(v.endswith("-jr_a") for v in versions), "the losing attempt's files are deleted"


def versions_left(bucket_dir):
    return {p.name for p in (bucket_dir / latest_versions_prefix("orders")).iterdir()}


def test_a_manifest_write_sent_again_after_it_went_through_publishes_and_the_next_run_merges_over_it(spark, bucket_dir):
    # Prepare: a first load; run A's manifest write goes through, and is sent again with the
    # same token (as the SDK retries a PUT whose response was lost)
    rows = sample_rows()
    load(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", rows[:10], "2026-11-24", "00000000000000aa")
    write_csv(bucket_dir, "extract/orders-a.csv", rows[10:20])
    context = LocalJobContext(spark, bucket_dir, "data-bucket")
    real_write = context.bucket.write_text_if
    answers = []

    def write_then_send_again(key, text, content_type, token):
        real_write(key, text, content_type, token)  # applied; its answer lost
        answers.append(real_write(key, text, content_type, token))  # the retry, refused for it
        return answers[-1]

    context.bucket.write_text_if = write_then_send_again

    # Act
    report = etl_runner.main(argv(args_for("extract/orders-a.csv", "orders-a", "jr_a", "2026-11-24", "00000000000000cc")), context)

    # Assess: won on the first attempt; the manifest names that attempt's files, and they exist
    assert answers == [True]
    assert manifest_keys(bucket_dir) == report["latestFiles"] and report["latestFiles"][0].split("/")[4].endswith("-jr_a")
    assert all((bucket_dir / key).is_file() for key in report["latestFiles"])

    # Act: the next load merges over it
    after = load(spark, bucket_dir, "extract/orders-b.csv", "orders-b", "jr_b", rows[20:30], "2026-11-24", "00000000000000bb")

    # Assess: no key lost
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 30 == after["latestRows"]


def test_a_correction_recomputes_the_state_from_the_table(spark, bucket_dir):
    # Prepare: another load, then orders-f.csv with reuploads "replace" (its load id: the key's)
    rows = sample_rows()
    key = "extract/orders-f.csv"
    load_id = input_id(key)
    load(spark, bucket_dir, "extract/orders-o.csv", "orders-o", "jr_other", rows[2:5], "2026-11-24", "00000000000000aa")
    first = [{**rows[0], "status": "old"}, {**rows[1], "status": "dropped"}]
    load(spark, bucket_dir, key, "orders-f-1", "jr_f1", first, "2026-11-24", load_id)
    before, _ = state_rows(spark, bucket_dir)
    assert {before[r["order_id"]]["status"] for r in first} == {"old", "dropped"}

    # Act: the corrected file under the same key, a day later: order 1 changed (the same
    # order_ts: by the tie-break on the whole row "old" would win a merge), order 2 gone
    corrected = load(spark, bucket_dir, key, "orders-f-2", "jr_f2", [{**rows[0], "status": "zz-corrected"}], "2026-11-25", load_id)

    # Assess: the state is the latest row per key over the table as it is now
    state, count = state_rows(spark, bucket_dir)
    assert state[rows[0]["order_id"]]["status"] == "zz-corrected"
    assert rows[1]["order_id"] not in state
    assert set(state) == {r["order_id"] for r in rows[:1] + rows[2:5]}
    assert count == 4 == corrected["latestRows"]
    assert table_rows(spark, bucket_dir) == 4


def test_a_version_a_slow_run_reads_is_kept_while_others_publish(spark, bucket_dir, monkeypatch):
    # Prepare: the clock of the versions under the test's control; a first state (v0) at 08:00
    clock = {"now": datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}
    monkeypatch.setattr(etl_runner, "utc_now", lambda: clock["now"])
    rows = sample_rows()
    load(spark, bucket_dir, "extract/orders-0.csv", "orders-0", "jr_0", rows[:10], "2026-11-24", "00000000000000aa")
    (v0,) = versions_left(bucket_dir)
    write_csv(bucket_dir, "extract/orders-a.csv", rows[10:20])
    # run A reads the manifest (v0) an hour past the retention and merges slowly: B and C publish
    # v1 and v2 meanwhile (v0 is kept only as what v1 replaced)
    retention = timedelta(seconds=LATEST_VERSION_RETENTION_SECONDS)
    clock["now"] += retention + timedelta(hours=1)
    real_merge = etl_runner.TransformRun.merge_state
    merges = []

    def slow_merge(self, plan, sources, version_prefix):
        if self.job_run_id == "jr_a" and not merges:
            load(spark, bucket_dir, "extract/orders-b.csv", "orders-b", "jr_b", rows[20:30], "2026-11-24", "00000000000000bb")
            load(spark, bucket_dir, "extract/orders-c.csv", "orders-c", "jr_c", rows[30:40], "2026-11-24", "00000000000000cc")
        if self.job_run_id != "jr_a":
            return real_merge(self, plan, sources, version_prefix)
        present = all((bucket_dir / key).is_file() for key in sources)
        merged = real_merge(self, plan, sources, version_prefix)
        merges.append((sorted({latest_version_of(k) for k in sources}), present, merged is not None))
        return merged

    monkeypatch.setattr(etl_runner.TransformRun, "merge_state", slow_merge)

    # Act
    report = run(spark, bucket_dir, args_for("extract/orders-a.csv", "orders-a", "jr_a", "2026-11-24", "00000000000000dd"))

    # Assess: A's first merge read v0 whole (B's and C's cleanups kept it: v1 replaced it); its
    # write lost, it merged again over v2 (C's), and nothing is lost
    v1, v2 = sorted(v for v in versions_left(bucket_dir) if v.endswith(("-jr_b", "-jr_c")))
    v3 = report["latestFiles"][0].split("/")[4]
    assert merges == [([v0], True, True), ([v2], True, True)]
    assert v3.endswith("-jr_a-2")
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 40
    assert versions_left(bucket_dir) == {v0, v1, v2, v3}, "every version a run or a query may read, the lost attempt's gone"

    # Act: a load an hour beyond the retention of A's version
    clock["now"] += retention + timedelta(hours=1)
    updated = [{**row, "status": "REFUNDED", "order_ts": row["order_ts"].replace("2026-11-24", "2026-11-25")} for row in rows[:5]]
    last = load(spark, bucket_dir, "extract/orders-d.csv", "orders-d", "jr_d", updated, "2026-11-25", "00000000000000ee")

    # Assess: the current version and the one it replaced stay; the older ones are gone
    v4 = last["latestFiles"][0].split("/")[4]
    assert versions_left(bucket_dir) == {v4, v3}
    assert (bucket_dir / latest_replaces_key("orders", v4)).read_text() == f"{v3}\n"
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 40 and {state[r["order_id"]]["status"] for r in rows[:5]} == {"REFUNDED"}


def test_a_state_file_gone_during_the_merge_makes_the_run_merge_again(spark, bucket_dir, monkeypatch):
    # Prepare: a first state (v0); while run A merges it, B publishes v1 and v0's files are
    # removed (as a run of an earlier release, keeping only the newest versions, would)
    rows = sample_rows()
    load(spark, bucket_dir, "extract/orders-0.csv", "orders-0", "jr_0", rows[:10], "2026-11-24", "00000000000000aa")
    (v0,) = versions_left(bucket_dir)
    write_csv(bucket_dir, "extract/orders-a.csv", rows[10:20])
    real_merge = etl_runner.TransformRun.merge_state
    merges = []

    def merge_while_v0_goes(self, plan, sources, version_prefix):
        if self.job_run_id == "jr_a" and not merges:
            load(spark, bucket_dir, "extract/orders-b.csv", "orders-b", "jr_b", rows[20:30], "2026-11-24", "00000000000000bb")
            for part in (bucket_dir / latest_version_prefix("orders", v0)).iterdir():
                part.unlink()
        merged = real_merge(self, plan, sources, version_prefix)
        if self.job_run_id == "jr_a":
            merges.append((sorted({latest_version_of(k) for k in sources}), merged is not None))
        return merged

    monkeypatch.setattr(etl_runner.TransformRun, "merge_state", merge_while_v0_goes)

    # Act
    report = run(spark, bucket_dir, args_for("extract/orders-a.csv", "orders-a", "jr_a", "2026-11-24", "00000000000000cc"))

    # Assess: the first merge found v0 gone, the second merged over B's state; nothing lost
    (v1,) = {v for v in versions_left(bucket_dir) if v.endswith("-jr_b")}
    assert merges == [([v0], False), ([v1], True)]
    assert report["latestFiles"][0].split("/")[4].endswith("-jr_a-2")
    state, count = state_rows(spark, bucket_dir)
    assert count == len(state) == 30 == report["latestRows"]


def test_the_state_of_a_dataset_without_keys_is_the_last_loads_rows(spark, keyless_bucket_dir):
    # Prepare
    bucket_dir = keyless_bucket_dir
    assert json.loads((bucket_dir / "scripts" / "plans" / "orders.json").read_text())["latestSql"] is None
    load(spark, bucket_dir, "extract/orders-1.csv", "orders-1", "jr_first", sample_rows(), "2026-11-24", "00000000000000aa")

    # Act
    second = load(spark, bucket_dir, "extract/orders-2.csv", "orders-2", "jr_second", second_load_rows(), "2026-11-25", "00000000000000bb")

    # Assess: the state is the second load's 16 rows; the table holds both loads
    state, count = state_rows(spark, bucket_dir)
    assert count == 16 == second["latestRows"]
    assert state[sample_rows()[10]["order_id"]]["status"] == "STALE"
    assert table_rows(spark, bucket_dir) == 56
