"""Fixtures of the Glue runner's tests: one local SparkSession (PySpark 3.5, as Glue 5.0), the
compiled Spark plans of etl.config.json, and a local bucket folder per test."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GLUE = Path(__file__).resolve().parents[1]
ROOT = GLUE.parent
sys.path.insert(0, str(GLUE))


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    # The tasks' Python is this one (the read's scans need its numpy), as the local engine sets it.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    session = (
        SparkSession.builder.master("local[2]")
        .appName("glue-runner-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def plans_dir(tmp_path_factory):
    """The Spark plans compiled by core/ (ETL_SPARK_PLANS_DIR when the caller compiled them)."""
    given = os.environ.get("ETL_SPARK_PLANS_DIR")
    if given:
        return Path(given)
    target = tmp_path_factory.mktemp("plans")
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsx"), str(ROOT / "test" / "helpers" / "write-spark-plans.ts"), str(target)], check=True)
    return target


@pytest.fixture()
def bucket_dir(tmp_path, plans_dir):
    """A local bucket folder with the plans deployed under scripts/plans/."""
    return bucket_with(tmp_path, plans_dir)


def plans_for(target, change):
    """The Spark plans compiled from the project's etl.config.json after ``change(dataset)`` on each dataset."""
    config = json.loads((ROOT / "etl.config.json").read_text(encoding="utf-8"))
    config.pop("$schema", None)
    for dataset in config["datasets"]:
        change(dataset)
    config_path = target / "etl.config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    plans = target / "plans"
    subprocess.run([str(ROOT / "node_modules" / ".bin" / "tsx"), str(ROOT / "test" / "helpers" / "write-spark-plans.ts"), str(plans), str(config_path)], check=True)
    return plans


def bucket_with(tmp_path, plans):
    """A local bucket folder with ``plans`` deployed under scripts/plans/."""
    bucket = tmp_path / "bucket"
    shutil.copytree(plans, bucket / "scripts" / "plans")
    return bucket


@pytest.fixture(scope="session")
def keyless_plans_dir(tmp_path_factory):
    """The Spark plan of ``orders`` declared without dedupe keys (its state: the last load's rows)."""
    return plans_for(tmp_path_factory.mktemp("keyless-plans"), lambda dataset: dataset.pop("dedupe", None))


@pytest.fixture()
def keyless_bucket_dir(tmp_path, keyless_plans_dir):
    return bucket_with(tmp_path, keyless_plans_dir)
