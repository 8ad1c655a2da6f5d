"""The runner's behaviour around the plan, on real local Spark: nothing loaded on a crossed
``fail`` threshold, reruns replace, overlapping runs of one key keep to their own staging."""

import json
import shutil
import threading

import etl_runner
from job_context import LocalJobContext

SAMPLES = etl_runner.__file__.rsplit("/glue/", 1)[0] + "/samples"


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
