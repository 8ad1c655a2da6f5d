"""The local Spark engine: runs ``etl_runner.main`` for the local pipeline on local Spark.

Not shipped to Glue. The local runtime (local/runtime/engines/spark-job.ts) starts one worker per pipeline
(or one that several pipelines share) and keeps it: the JVM starts once, each job run gets a
session of its own. Protocol, one JSON object per line:

- stdin:  ``{"id": 1, "argv": ["etl_runner.py", "--JOB_ID", …]}`` — the argv Glue would pass —
  and optionally ``"bucketDir"`` / ``"bucketName"``: the bucket folder of that run (else the
  worker's ``--bucket-dir`` / ``--bucket-name``), so that one worker can serve several local roots;
- stdout: ``{"ready": true}`` once Spark is up, then per job
  ``{"id": 1, "state": "SUCCEEDED"}`` or ``{"id": 1, "state": "FAILED", "errorMessage": "Name: …"}``;
  before that, for a request with ``"progress": true``, every second or so
  ``{"id": 1, "progress": {"phase": "Spark stage 3: parquet", "percent": 50.0, "rowsRead": 1000}}``
  (core/run-report.ts ``TransformProgress``).

With ``--s3`` the bucket is an S3 API instead of a folder (``job_context.S3JobContext``): the
bucket each request's ``--bucket`` names, behind ``AWS_ENDPOINT_URL_S3`` (moto's server on
127.0.0.1 in glue/tests/test_runner_s3a.py), Spark reading and writing it through ``s3a://``.

The runner's own log lines and Spark's go to stderr (the job's log, as on Glue).
Usage: python local_worker.py [--bucket-dir DIR --bucket-name NAME | --s3] [--threads N]
"""

import argparse
import json
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ROOT = Path(__file__).resolve().parents[1]
# The S3A connector's jars: pinned there, downloaded by scripts/spark-jars.sh (npm run python-env)
# into ETL_SPARK_JARS_DIR, by default the Python environment's spark-jars/ folder.
SPARK_JARS_PINS = ROOT / "scripts" / "spark-jars.txt"


def spark_session(threads, settings=None):
    """The worker's SparkSession; ``settings``: more Spark settings (``s3a_settings``), which only
    a session started with them gets (``spark.jars`` is read when the JVM starts)."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(f"local[{threads}]")
        .appName("etl-transformation-job (local)")
        .config("spark.ui.enabled", "false")
        # Local inputs are small next to a cluster's: a few shuffle partitions, not Spark's 200.
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", os.environ.get("ETL_SPARK_DRIVER_MEMORY", "2g"))
    )
    for name, value in (settings or {}).items():
        builder = builder.config(name, value)
    return builder.getOrCreate()


def spark_jars():
    """The paths of the S3A connector's jars (hadoop-aws and the AWS SDK bundle it was built with)."""
    folder = Path(os.environ.get("ETL_SPARK_JARS_DIR") or Path(sys.prefix) / "spark-jars")
    jars = []
    for line in SPARK_JARS_PINS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _group, artifact, version, _sha1 = line.split()
            jar = folder / f"{artifact}-{version}.jar"
            if not jar.is_file():
                raise FileNotFoundError(f"{jar} not found: run `npm run python-env` (scripts/spark-jars.sh downloads it from Maven Central)")
            jars.append(str(jar))
    return jars


def s3a_settings(environ=os.environ):
    """Spark's settings to read and write an S3 API through ``s3a://``: the connector's jars, the
    endpoint boto3 also reads (``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``), so that Spark
    and the runner's own calls reach the same server, path-style requests, no TLS for an
    ``http://`` endpoint, and the environment's keys as they are (``SimpleAWSCredentialsProvider``:
    no other provider, no instance metadata)."""
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    keys = (environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY"))
    if not endpoint or None in keys:
        raise ValueError("--s3 needs AWS_ENDPOINT_URL_S3 (the S3 API, e.g. moto's server), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    hadoop = {
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "true" if endpoint.startswith("https://") else "false",
        "fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key": keys[0],
        "fs.s3a.secret.key": keys[1],
    }
    return {"spark.jars": ",".join(spark_jars()), **{f"spark.hadoop.{name}": value for name, value in hadoop.items()}}


def stage_progress(spark, group):
    """What the job group's Spark stages are doing: the running ones' tasks done, and the
    records of the largest scan finished so far (a running task's metrics are not known before
    it ends). ``None`` while no stage of the group runs."""
    tracker = spark.sparkContext.statusTracker()
    store = spark.sparkContext._jsc.sc().statusStore()
    active = set(tracker.getActiveStageIds())
    running, rows_read = [], 0
    for job_id in tracker.getJobIdsForGroup(group):
        job = tracker.getJobInfo(job_id)
        for stage_id in job.stageIds if job else []:
            info = tracker.getStageInfo(stage_id)
            if info is None:
                continue
            if stage_id in active:
                running.append(info)
            elif info.numTasks > 0 and info.numCompletedTasks == info.numTasks:
                rows_read = max(rows_read, store.lastStageAttempt(stage_id).inputRecords())
    if not running:
        return None
    tasks = sum(info.numTasks for info in running)
    done = sum(info.numCompletedTasks for info in running)
    ids = ", ".join(str(info.stageId) for info in sorted(running, key=lambda i: i.stageId))
    operations = ", ".join(sorted({info.name.split(" at ")[0] for info in running}))
    phase = f"Spark stage{'s' if len(running) > 1 else ''} {ids}: {operations}"
    progress = {"phase": phase, "percent": 100.0 * done / tasks if tasks else None}
    return {**progress, "rowsRead": rows_read} if rows_read else progress


def protocol_channel():
    """The protocol's stream: stdout's pipe on a descriptor of its own. Descriptor 1 then points at
    stderr, so that what the JVM (which inherits it) prints there itself — its GC warnings, for
    one — and the runner's print()s are log lines, never a protocol line the engine cannot parse."""
    sys.stdout.flush()
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return protocol


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket-dir")
    parser.add_argument("--bucket-name")
    parser.add_argument("--threads", default="*")
    parser.add_argument("--s3", action="store_true", help="the bucket is an S3 API (AWS_ENDPOINT_URL_S3), read by Spark through s3a://")
    options = parser.parse_args()

    protocol = protocol_channel()
    lock = threading.Lock()

    def answer(message):
        with lock:
            protocol.write(json.dumps(message) + "\n")
            protocol.flush()

    from awsglue.utils import getResolvedOptions

    import etl_runner
    from job_context import LocalJobContext, S3JobContext

    spark = spark_session(options.threads, s3a_settings() if options.s3 else None)
    spark.sparkContext.setLogLevel("WARN")
    answer({"ready": True, "sparkVersion": spark.version})

    def report_progress(request, finished):
        group = f"etl-run-{request['id']}"
        while not finished.wait(1.0):
            try:
                progress = stage_progress(spark, group)
            except Exception:  # noqa: BLE001 — progress is best effort, never the run's failure
                continue
            if progress:
                answer({"id": request["id"], "progress": progress})

    def job_context(request):
        if options.s3:
            # The bucket the job's arguments name, built as GlueJobContext builds it.
            return S3JobContext(spark, getResolvedOptions(request["argv"], etl_runner.ARGUMENTS))
        bucket_dir = request.get("bucketDir", options.bucket_dir)
        bucket_name = request.get("bucketName", options.bucket_name)
        if bucket_dir is None or bucket_name is None:
            raise ValueError("no bucket folder: neither the request nor --bucket-dir/--bucket-name give one")
        return LocalJobContext(spark, bucket_dir, bucket_name)

    def run(request):
        finished = threading.Event()
        if request.get("progress"):
            # The run's jobs carry its group (this thread's, as PySpark pins threads), which the reporter reads.
            spark.sparkContext.setJobGroup(f"etl-run-{request['id']}", "etl job run")
            threading.Thread(target=report_progress, args=(request, finished), daemon=True).start()
        try:
            context = job_context(request)
            etl_runner.main(request["argv"], context)
            answer({"id": request["id"], "state": "SUCCEEDED"})
        except BaseException as exc:  # noqa: BLE001 — every failure is the job run's, reported
            traceback.print_exc()
            # Glue's JobRun.ErrorMessage starts with the exception's class name.
            answer({"id": request["id"], "state": "FAILED", "errorMessage": f"{type(exc).__name__}: {exc}"})
        finally:
            finished.set()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for line in sys.stdin:
            if line.strip():
                pool.submit(run, json.loads(line))
    spark.stop()


if __name__ == "__main__":
    main()
