"""The local Spark engine: runs ``etl_runner.main`` for the local pipeline on local Spark.

Not shipped to Glue. The local runtime (local/runtime/engines/spark-job.ts) starts one worker per pipeline
(or one that several pipelines share) and keeps it: the JVM starts once, each job run gets a
session of its own. Protocol, one JSON object per line:

- stdin:  ``{"id": 1, "argv": ["etl_runner.py", "--JOB_ID", …]}`` — the argv Glue would pass —
  and optionally ``"bucketDir"`` / ``"bucketName"``: the bucket folder of that run (else the
  worker's ``--bucket-dir`` / ``--bucket-name``), so that one worker can serve several local roots;
- stdout: ``{"ready": true}`` once Spark is up, then per job
  ``{"id": 1, "state": "SUCCEEDED"}`` or ``{"id": 1, "state": "FAILED", "errorMessage": "Name: …"}``.

The runner's own log lines and Spark's go to stderr (the job's log, as on Glue).
Usage: python local_worker.py [--bucket-dir DIR --bucket-name NAME] [--threads N]
"""

import argparse
import json
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def spark_session(threads):
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{threads}]")
        .appName("etl-transformation-job (local)")
        .config("spark.ui.enabled", "false")
        # Local inputs are small next to a cluster's: a few shuffle partitions, not Spark's 200.
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", os.environ.get("ETL_SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket-dir")
    parser.add_argument("--bucket-name")
    parser.add_argument("--threads", default="*")
    options = parser.parse_args()

    protocol = sys.stdout
    sys.stdout = sys.stderr  # the runner's print()s are log lines, not protocol
    lock = threading.Lock()

    def answer(message):
        with lock:
            protocol.write(json.dumps(message) + "\n")
            protocol.flush()

    import etl_runner
    from job_context import LocalJobContext

    spark = spark_session(options.threads)
    spark.sparkContext.setLogLevel("WARN")
    answer({"ready": True, "sparkVersion": spark.version})

    def run(request):
        try:
            bucket_dir = request.get("bucketDir", options.bucket_dir)
            bucket_name = request.get("bucketName", options.bucket_name)
            if bucket_dir is None or bucket_name is None:
                raise ValueError("no bucket folder: neither the request nor --bucket-dir/--bucket-name give one")
            context = LocalJobContext(spark, bucket_dir, bucket_name)
            etl_runner.main(request["argv"], context)
            answer({"id": request["id"], "state": "SUCCEEDED"})
        except BaseException as exc:  # noqa: BLE001 — every failure is the job run's, reported
            traceback.print_exc()
            # Glue's JobRun.ErrorMessage starts with the exception's class name.
            answer({"id": request["id"], "state": "FAILED", "errorMessage": f"{type(exc).__name__}: {exc}"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin:
            if line.strip():
                pool.submit(run, json.loads(line))
    spark.stop()


if __name__ == "__main__":
    main()
