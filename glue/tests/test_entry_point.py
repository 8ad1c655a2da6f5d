"""The job's entry point fed the argv AWS Glue passes, through the real ``getResolvedOptions``
(awsglue from AWSGlueDataplanePython, Glue 5.0's Python interfaces), on real local Spark."""

import argparse
import json
import shutil

import pytest
from awsglue.utils import getResolvedOptions

import etl_runner
from errors import HeaderMismatchError
from job_context import LocalJobContext

SAMPLES = etl_runner.__file__.rsplit("/glue/", 1)[0] + "/samples"
JOB_NAME = "etl-transformation-job"


def glue_argv(job_run_id="jr_0123456789abcdef", **overrides):
    """What Glue puts in sys.argv: the script, its reserved options, the job's defaults, the run's."""
    run = {
        "--bucket": "data-bucket",
        "--input_key": "extract/2026/orders clean+1.csv",
        "--input_version_id": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        "--load_id": "0123456789abcdef",
        "--dataset": "orders",
        "--execution_name": "orders-orders-clean-1-0123456789abcdef01234567",
        "--ingestion_date": "2026-11-24",
        "--report_key": "logs/glue-jobs/orders/orders-orders-clean-1-0123456789abcdef01234567.json",
        **overrides,
    }
    glue = [
        "script_2026-11-24-10-00-00.py",
        "--JOB_ID",
        "j_0a1b2c3d4e5f",
        "--JOB_RUN_ID",
        job_run_id,
        "--job-bookmark-option",
        "job-bookmark-enable",
        "--TempDir",
        "s3://aws-glue-assets-123456789012-eu-west-1/temporary/",
        "--JOB_NAME",
        JOB_NAME,
        "--enable-metrics",
        "true",
        "--enable-observability-metrics",
        "true",
        "--custom-logGroup-prefix",
        f"/aws/glue/jobs/{JOB_NAME}",
        "--job-language",
        "python",
        "--extra-py-files",
        ",".join(
            f"s3://data-bucket/scripts/{module}.py"
            for module in (
                "errors",
                "header",
                "input_decoding",
                "job_context",
                "naming",
                "output_files",
                "plan",
                "quality",
                "rejects",
                "run_report",
                "s3_bucket",
                "value_rules",
            )
        ),
        "--plans_prefix",
        "scripts/plans/",
    ]
    return glue + [item for pair in run.items() for item in pair]


def test_listing_job_run_id_is_what_crashed_every_glue_run():
    # Prepare: the argument list the runner had before (JOB_RUN_ID in it)
    before = ["JOB_NAME", "JOB_RUN_ID", "bucket", "input_key", "dataset", "execution_name", "ingestion_date", "report_key", "plans_prefix"]

    # Act + Assess: Glue's parser reserves JOB_RUN_ID itself
    with pytest.raises(argparse.ArgumentError, match="conflicting option string: --JOB_RUN_ID"):
        getResolvedOptions(glue_argv(), before)


def test_runner_arguments_resolve_from_glue_argv():
    # Act
    args = getResolvedOptions(glue_argv(), etl_runner.ARGUMENTS)

    # Assess: the run's own arguments, and the run id Glue added (read from the dict)
    assert args["JOB_RUN_ID"] == "jr_0123456789abcdef"
    assert args["JOB_NAME"] == JOB_NAME
    assert args["input_key"] == "extract/2026/orders clean+1.csv"
    assert args["input_version_id"] == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
    assert args["plans_prefix"] == "scripts/plans/"
    assert args["job_bookmark_option"] == "job-bookmark-enable"


def test_entry_point_runs_the_job_from_glue_argv(spark, bucket_dir):
    # Prepare
    key = "extract/2026/orders clean+1.csv"
    (bucket_dir / key).parent.mkdir(parents=True)
    shutil.copyfile(f"{SAMPLES}/orders-clean.csv", bucket_dir / key)
    argv = glue_argv()

    # Act
    report = etl_runner.main(argv, LocalJobContext(spark, bucket_dir, "data-bucket"))

    # Assess
    written = json.loads((bucket_dir / getResolvedOptions(argv, etl_runner.ARGUMENTS)["report_key"]).read_text())
    assert written == report
    assert report["status"] == "SUCCEEDED"
    assert report["engine"] == "spark"
    assert report["jobRunId"] == "jr_0123456789abcdef"
    assert (report["rowsIn"], report["rowsOut"], report["malformedRows"]) == (40, 40, 0)
    assert report["outputFiles"] and all(k.startswith("load/orders/dt=2026-11-24/part-") for k in report["outputFiles"])
    assert not any((bucket_dir / "load" / "_staging").glob("**/*")), "the run's staging is removed"
    # the state: its first load's rows, as the version this run published
    assert report["latestPrefix"] == "load/latest/orders/"
    assert report["latestRows"] == 40
    assert report["latestFiles"] and all(k.startswith("load/latest/orders/versions/") and "-jr_0123456789abcdef/part-" in k for k in report["latestFiles"])
    manifest = (bucket_dir / "load/latest/orders/_symlink_format_manifest/manifest").read_text()
    assert manifest == "".join(f"s3://data-bucket/{k}\n" for k in report["latestFiles"])


def test_a_failing_run_leaves_its_report_and_raises_the_named_error(spark, bucket_dir):
    # Prepare: an input whose header is not the dataset's
    key = "extract/2026/orders clean+1.csv"
    (bucket_dir / key).parent.mkdir(parents=True)
    shutil.copyfile(f"{SAMPLES}/orders-rejected.csv", bucket_dir / key)
    argv = glue_argv()

    # Act
    with pytest.raises(HeaderMismatchError) as raised:
        etl_runner.main(argv, LocalJobContext(spark, bucket_dir, "data-bucket"))

    # Assess: Glue's ErrorMessage would start with the class name the state machine reads
    assert f"{type(raised.value).__name__}: {raised.value}".startswith("HeaderMismatchError: header does not match")
    report = json.loads((bucket_dir / getResolvedOptions(argv, etl_runner.ARGUMENTS)["report_key"]).read_text())
    assert report["status"] == "FAILED"
    assert report["error"]["name"] == "HeaderMismatchError"
    assert (report["latestFiles"], report["latestRows"], report["latestPrefix"]) == ([], None, "load/latest/orders/")
    assert not (bucket_dir / "load" / "orders").exists() or not any((bucket_dir / "load" / "orders").glob("dt=*/*"))
