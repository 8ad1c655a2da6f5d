"""The runner's behaviour around the plan, on real local Spark: nothing loaded on a crossed
``fail`` threshold, reruns replace, overlapping runs of one key keep to their own staging, and
nothing but the reports can fail a run once its state is published."""

import json
import shutil
import threading

import etl_runner
from job_context import GlueJobContext, LocalJobContext
from naming import last_run_report_key, legacy_last_run_report_key

SAMPLES = etl_runner.__file__.rsplit("/glue/", 1)[0] + "/samples"
FIXTURES = etl_runner.__file__.rsplit("/glue/", 1)[0] + "/test/fixtures"


def args_for(key, execution, job_run_id, ingestion_date="2026-11-24", load_id="00000000000000aa"):
    return {
        "JOB_NAME": "etl-transformation-job",
        "JOB_RUN_ID": job_run_id,
        "bucket": "data-bucket",
        "input_key": key,
        "input_version_id": "null",
        "load_id": load_id,
        "dataset": "orders",
        "execution_name": execution,
        "ingestion_date": ingestion_date,
        "report_key": f"logs/glue-jobs/orders/{execution}.json",
        "plans_prefix": "scripts/plans/",
    }


def argv(args):
    return ["etl_runner.py"] + [item for name, value in args.items() for item in (f"--{name}", value)]


def put(bucket_dir, sample, key):
    (bucket_dir / key).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(f"{SAMPLES}/{sample}", bucket_dir / key)


def loaded_files(bucket_dir):
    return sorted(p.relative_to(bucket_dir).as_posix() for p in (bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))


def row_count(spark, bucket_dir):
    files = loaded_files(bucket_dir)
    return spark.read.parquet(*[str(bucket_dir / f) for f in files]).count() if files else 0


def test_a_rerun_replaces_the_inputs_rows(spark, bucket_dir):
    # Prepare
    put(bucket_dir, "orders-clean.csv", "extract/orders.csv")
    first = args_for("extract/orders.csv", "orders-1", "jr_first")
    etl_runner.main(argv(first), LocalJobContext(spark, bucket_dir, "data-bucket"))

    # Act: the same execution again (a redrive)
    etl_runner.main(argv({**first, "JOB_RUN_ID": "jr_again"}), LocalJobContext(spark, bucket_dir, "data-bucket"))

    # Assess
    assert row_count(spark, bucket_dir) == 40


def test_a_crossed_fail_threshold_loads_nothing(spark, bucket_dir):
    # Prepare: every row repeated: the duplicate ratio of the file is 50 %
    text = bucket_dir.parent / "dup.csv"
    lines = open(f"{SAMPLES}/orders-clean.csv", encoding="utf-8").read().splitlines()
    text.write_text("\n".join([lines[0]] + lines[1:] + lines[1:]) + "\n", encoding="utf-8")
    (bucket_dir / "extract").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(text, bucket_dir / "extract" / "dup.csv")
    plan_file = bucket_dir / "scripts" / "plans" / "orders.json"
    plan = json.loads(plan_file.read_text())
    plan["quality"]["duplicateRatio"] = {"fail": 0.4}
    plan_file.write_text(json.dumps(plan))
    args = args_for("extract/dup.csv", "orders-dup", "jr_dup")

    # Act
    try:
        etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, "data-bucket"))
        raised = None
    except Exception as exc:  # noqa: BLE001
        raised = exc

    # Assess
    assert type(raised).__name__ == "QualityThresholdError"
    assert loaded_files(bucket_dir) == []
    assert not (bucket_dir / "load" / "latest").exists(), "no state published"
    report = json.loads((bucket_dir / args["report_key"]).read_text())
    assert report["status"] == "FAILED" and report["duplicatesRemoved"] == 40
    assert (report["latestFiles"], report["latestRows"]) == ([], None)


def test_overlapping_runs_of_one_key_keep_to_their_own_staging(spark, bucket_dir):
    # Prepare: two executions of one key (two versions of it) whose job runs overlap
    put(bucket_dir, "orders-with-duplicates.csv", "extract/orders.csv")
    runs = [args_for("extract/orders.csv", f"orders-v{n}", f"jr_overlap_{n}") for n in (1, 2)]
    errors = []

    def run(args):
        try:
            etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, "data-bucket"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    # Act
    threads = [threading.Thread(target=run, args=(args,)) for args in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Assess: both succeed, neither deleted the other's staged files, nothing is left staged,
    # and load/ holds the input's rows once
    assert errors == []
    for args in runs:
        assert json.loads((bucket_dir / args["report_key"]).read_text())["status"] == "SUCCEEDED"
    assert not any((bucket_dir / "load" / "_staging").glob("**/*"))
    assert row_count(spark, bucket_dir) == 30


def test_the_last_success_is_kept_in_load_meta_and_read_from_its_legacy_key_after_an_upgrade(spark, bucket_dir):
    # Prepare: the last success where releases before load/_meta/ wrote it (under logs/glue-jobs/)
    put(bucket_dir, "orders-clean.csv", "extract/orders.csv")
    legacy = bucket_dir / legacy_last_run_report_key("orders")
    legacy.parent.mkdir(parents=True, exist_ok=True)
    before = json.loads(open(f"{FIXTURES}/run-report-succeeded.json", encoding="utf-8").read())
    before.update(executionName="orders-before-upgrade", rowsOut=1000)
    legacy.write_text(json.dumps(before), encoding="utf-8")
    args = args_for("extract/orders.csv", "orders-after-upgrade", "jr_upgrade")

    # Act
    etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, "data-bucket"))

    # Assess: compared with the run before the upgrade; the new key written, the legacy one left to expire
    report = json.loads((bucket_dir / args["report_key"]).read_text())
    assert report["previousRun"] == {"executionName": "orders-before-upgrade", "rowsOut": 1000}
    assert last_run_report_key("orders").startswith("load/_meta/")
    assert json.loads((bucket_dir / last_run_report_key("orders")).read_text())["executionName"] == "orders-after-upgrade"
    assert json.loads(legacy.read_text())["executionName"] == "orders-before-upgrade"


def test_once_the_state_is_published_only_the_reports_can_fail_the_run(spark, bucket_dir):
    # Prepare: a bucket that records its calls and whose deletes fail once the manifest is written
    put(bucket_dir, "orders-clean.csv", "extract/orders.csv")
    args = args_for("extract/orders.csv", "orders-1", "jr_first")
    context = LocalJobContext(spark, bucket_dir, "data-bucket")
    calls = []
    depth = [0]

    def recorded(name, real):
        def call(*given, **named):
            if depth[0] == 0:  # the runner's calls, not the bucket's own (write_json → write_text)
                calls.append((name, given[0] if given else None))
            if name == "delete" and any(c[0] == "write_text_if" for c in calls):
                raise OSError("delete refused")
            depth[0] += 1
            try:
                return real(*given, **named)
            finally:
                depth[0] -= 1

        return call

    for name in ("write_text_if", "write_text", "write_json", "copy", "delete", "keys", "read_text"):
        setattr(context.bucket, name, recorded(name, getattr(context.bucket, name)))

    # Act
    report = etl_runner.main(argv(args), context)

    # Assess: after the manifest, only best-effort clean-ups (failing here) and the two reports;
    # no Job.commit is left to fail a loaded run
    after = calls[[c[0] for c in calls].index("write_text_if") + 1 :]
    assert [c for c in after if c[0] not in ("keys", "read_text", "delete")] == [
        ("write_json", args["report_key"]),
        ("write_json", last_run_report_key("orders")),
    ]
    assert any(c[0] == "delete" for c in after)
    assert report["status"] == "SUCCEEDED"
    assert json.loads((bucket_dir / args["report_key"]).read_text())["status"] == "SUCCEEDED"
    assert not hasattr(GlueJobContext, "commit") and not hasattr(LocalJobContext, "commit")
