"""The whole runner over an S3 API: local Spark reading and writing ``s3a://`` (Hadoop's S3A
connector, the jars of scripts/spark-jars.txt) against moto's S3 server on 127.0.0.1, the
runner's own calls through the S3Bucket that GlueJobContext builds (``job_context.job_bucket``).
Two loads through ``local_worker.py --s3`` — the input read by the version the event named, its
key overwritten since; output Parquet, rejects, the state published by a conditional write and
merged over the first load's, the run reports — and the same two loads through the folder bucket
give the same rows, rejects and counts."""

import csv
import io
import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

import etl_runner
from job_context import GlueJobContext, LocalJobContext, job_bucket
from naming import last_run_report_key, latest_manifest_key, parse_latest_manifest
from test_runner_spark import SAMPLES, args_for, argv

GLUE = Path(etl_runner.__file__).resolve().parent
REGION = "eu-west-1"
KEYS = ("testing", "testing")
# Sized for a loaded 2-core machine: a JVM with the 280 MB SDK bundle on its classpath, then
# runs whose every file is HTTP calls (Spark's committer renames are copies).
WORKER_START_SECONDS = 300
RUN_SECONDS = 600
# What the two buckets' reports must agree on (not times, ids or the engine's own keys).
COMPARED = ("status", "rowsIn", "malformedRows", "exactDuplicates", "keyDuplicates", "duplicatesRemoved", "rowsOut", "latestRows", "qualityFailures")


@pytest.fixture(scope="module")
def environment():
    """What the worker and boto3's default client read: moto's server, fake keys, no metadata service."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield {
        "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": KEYS[0],
        "AWS_SECRET_ACCESS_KEY": KEYS[1],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    server.stop()


@pytest.fixture(scope="module")
def s3(environment):
    return boto3.client("s3", endpoint_url=environment["AWS_ENDPOINT_URL_S3"], region_name=REGION, aws_access_key_id=KEYS[0], aws_secret_access_key=KEYS[1])


class S3Worker:
    """``local_worker.py --s3`` in a process of its own: ``spark.jars`` is read when a JVM starts,
    and this process's JVM is the other tests' session, started without them."""

    def __init__(self, environment, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 — closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, str(GLUE / "local_worker.py"), "--s3", "--threads", "2"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, **environment},
        )
        self.messages = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.requests = 0
        # Waited for by the first run: the JVM starts while the test prepares (and runs the folder's loads).
        self.ready = None

    def _read(self):
        for line in self.process.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def _next(self, timeout):
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer from the worker within {timeout} s\n{self._log_tail()}") from None
        if message is None:
            raise AssertionError(f"the worker exited ({self.process.wait()})\n{self._log_tail()}")
        return message

    def _log_tail(self):
        self.log.flush()
        return Path(self.log_path).read_text(encoding="utf-8", errors="replace")[-4000:]

    def run(self, job_argv):
        """Runs one job, as the local runtime does; returns its answer."""
        if self.ready is None:
            self.ready = self._next(WORKER_START_SECONDS)
            assert self.ready.get("ready"), self._log_tail()
        self.requests += 1
        self.process.stdin.write(json.dumps({"id": self.requests, "argv": job_argv}) + "\n")
        self.process.stdin.flush()
        while True:
            message = self._next(RUN_SECONDS)
            if message.get("id") == self.requests and "state" in message:
                return {**message, "log": self._log_tail() if message["state"] != "SUCCEEDED" else ""}

    def stop(self):
        self.process.stdin.close()
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def s3_worker(environment, tmp_path_factory):
    worker = S3Worker(environment, tmp_path_factory.mktemp("s3a-worker") / "worker.log")
    yield worker
    worker.stop()


def new_bucket(s3, plans_dir):
    """A versioned bucket, as the stack's, with the compiled plans deployed under scripts/plans/."""
    name = f"etl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for plan in sorted(plans_dir.glob("*.json")):
        s3.put_object(Bucket=name, Key=f"scripts/plans/{plan.name}", Body=plan.read_bytes())
    return name


def csv_text(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def first_load():
    """Duplicates (exact and by key), quoted newlines, a row of another day, and two bad rows: a
    value that is no integer, and a record of two fields (Spark cannot split it)."""
    text = Path(f"{SAMPLES}/orders-with-duplicates.csv").read_text(encoding="utf-8")
    return (
        text
        + 'ORD-2026-000901,CUST-1001,ann@example.com,SKU-MUG,1,4.50,EUR,2026-11-26T08:00:00Z,2026-11-26,PAID,"next day,\nsecond line"\n'
        + "ORD-2026-000902,CUST-1001,ann@example.com,SKU-MUG,three,4.50,EUR,2026-11-26T08:05:00Z,2026-11-26,PAID,\n"
        + "ORD-2026-000903,CUST-1001\n"
    )


def second_load(first_text):
    """Five keys of the first load a day later (the state keeps these), one sent again older (it
    keeps the first), and three new keys."""
    rows = [row for row in csv.DictReader(io.StringIO(first_text)) if row["notes"] is not None and row["quantity"].isdigit()]
    later = [{**row, "status": "REFUNDED", "order_ts": row["order_ts"].replace("2026-11-25", "2026-11-27")} for row in rows[:5]]
    older = [{**rows[6], "status": "STALE", "order_ts": "2026-11-01T00:00:00Z"}]
    new = [{**row, "order_id": row["order_id"].replace("ORD-2026-000", "ORD-2026-007")} for row in rows[10:13]]
    return csv_text(later + older + new)


def download(s3, name, keys, folder):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, key in enumerate(keys):
        paths.append(str(folder / f"{n}.parquet"))
        s3.download_file(name, key, paths[-1])
    return paths


def sorted_rows(spark, paths):
    return sorted((tuple(sorted(row.asDict().items())) for row in spark.read.parquet(*paths).collect()), key=repr) if paths else []


def s3_text(s3, name, key):
    return s3.get_object(Bucket=name, Key=key)["Body"].read().decode("utf-8")


def s3_keys(s3, name, prefix):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_the_runner_over_s3a_loads_what_it_loads_over_the_folder(spark, s3, s3_worker, plans_dir, bucket_dir, tmp_path):
    # Prepare: each input put (the version the event names), then its key overwritten; the same
    # bytes in the folder bucket
    name = new_bucket(s3, plans_dir)
    first_text = first_load()
    inputs = [("extract/orders.csv", first_text, "2026-11-25", "00000000000000aa"), ("extract/orders-2.csv", second_load(first_text), "2026-11-27", "00000000000000bb")]
    loads = []
    for n, (key, text, day, load_id) in enumerate(inputs, start=1):
        version = s3.put_object(Bucket=name, Key=key, Body=text.encode("utf-8"))["VersionId"]
        s3.put_object(Bucket=name, Key=key, Body=b"order_id\nnot the version the event named\n")
        (bucket_dir / key).parent.mkdir(parents=True, exist_ok=True)
        (bucket_dir / key).write_text(text, encoding="utf-8", newline="")
        args = args_for(key, f"orders-s3a-{n}", f"jr_s3a_{n}", day, load_id)
        loads.append({**args, "bucket": name, "input_version_id": version})

    # Act
    folder_reports = [etl_runner.main(argv(args), LocalJobContext(spark, bucket_dir, name)) for args in loads]
    answers = [s3_worker.run(argv(args)) for args in loads]

    # Assess: both loads succeeded over S3, each report as the folder's
    assert [a["state"] for a in answers] == ["SUCCEEDED", "SUCCEEDED"], "\n".join(a["log"] for a in answers)
    reports = [json.loads(s3_text(s3, name, args["report_key"])) for args in loads]
    assert [{f: r[f] for f in COMPARED} for r in reports] == [{f: r[f] for f in COMPARED} for r in folder_reports]
    assert (
        reports[0]["malformedRows"] == 2 and reports[0]["duplicatesRemoved"] > 0 and reports[0]["rowsIn"] == reports[0]["rowsOut"] + 2 + reports[0]["duplicatesRemoved"]
    )
    assert json.loads(s3_text(s3, name, last_run_report_key("orders")))["executionName"] == loads[1]["execution_name"]
    # the version named was read (the overwritten key holds one header and one line)
    assert reports[0]["rowsIn"] > 40
    # the rejects: the same file, each row with its line
    assert reports[0]["rejectsKey"] and reports[1]["rejectsKey"] is None
    assert s3_text(s3, name, reports[0]["rejectsKey"]) == (bucket_dir / folder_reports[0]["rejectsKey"]).read_text(encoding="utf-8")
    # the table: the same partitions and rows
    table = [k for k in s3_keys(s3, name, "load/orders/") if k.endswith(".parquet")]
    folder_table = sorted(p.relative_to(bucket_dir).as_posix() for p in (bucket_dir / "load" / "orders").glob("dt=*/*.parquet"))
    assert {k.rsplit("/", 1)[0] for k in table} == {k.rsplit("/", 1)[0] for k in folder_table} == {"load/orders/dt=2026-11-25", "load/orders/dt=2026-11-27"}
    assert sorted(table) == sorted(reports[0]["outputFiles"] + reports[1]["outputFiles"])
    assert sorted_rows(spark, download(s3, name, table, tmp_path / "table")) == sorted_rows(spark, [str(bucket_dir / k) for k in folder_table])
    # the state: published by the manifest's conditional write, merged over the first load's
    manifest = parse_latest_manifest(s3_text(s3, name, latest_manifest_key("orders")))
    assert manifest == reports[1]["latestFiles"] and set(manifest) <= set(s3_keys(s3, name, "load/latest/orders/"))
    folder_manifest = parse_latest_manifest((bucket_dir / latest_manifest_key("orders")).read_text(encoding="utf-8"))
    state = sorted_rows(spark, download(s3, name, manifest, tmp_path / "state"))
    assert state == sorted_rows(spark, [str(bucket_dir / k) for k in folder_manifest])
    assert len(state) == reports[1]["latestRows"] == reports[0]["rowsOut"] + 3
    assert sum(dict(row)["status"] == "REFUNDED" for row in state) == 5 and not any(dict(row)["status"] == "STALE" for row in state)
    # nothing left staged
    assert s3_keys(s3, name, "load/_staging/") == []


def test_job_bucket_builds_glues_s3_bucket_from_the_environment(s3, environment, plans_dir, monkeypatch):
    # Prepare: boto3's default client finds moto's server and the fake keys in the environment
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    name = new_bucket(s3, plans_dir)
    first = s3.put_object(Bucket=name, Key="extract/orders.csv", Body=b"version one\n")["VersionId"]
    s3.put_object(Bucket=name, Key="extract/orders.csv", Body=b"version two\n")

    # Act: what GlueJobContext runs for its bucket
    bucket = job_bucket({"bucket": name})

    # Assess: Spark's paths are EMRFS's on Glue; the calls reach the bucket
    assert (bucket.name, bucket.url("load/orders/")) == (name, f"s3://{name}/load/orders/")
    assert bucket.read_text("extract/orders.csv", version_id=first) == "version one\n"
    assert bucket.write_text_if("load/latest/orders/_symlink_format_manifest/manifest", "a\n", "text/plain", None)
    assert not bucket.write_text_if("load/latest/orders/_symlink_format_manifest/manifest", "b\n", "text/plain", None)


def test_off_glue_the_glue_context_stops_at_glues_own_jvm_classes(spark):
    # Act: GlueJobContext on plain PySpark (this session's JVM, without Glue's jars)
    with pytest.raises(TypeError, match="JavaPackage"):
        GlueJobContext({"JOB_NAME": "etl-transformation-job", "bucket": "data-bucket"})
