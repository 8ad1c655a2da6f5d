"""AWS Glue 5.0 (Spark 3.5) runner of a dataset's compiled transform plan.

A thin, generic runner: the SQL comes from ``scripts/plans/<dataset>.json`` (compiled by
core/transform/compile-plan.ts in the Spark dialect); this script only provides the inputs the
plan expects, runs it, and writes what the local DuckDB job (local/glue/duckdb-job.ts) writes:

- Snappy Parquet under ``load/<dataset>/dt=YYYY-MM-DD/part-<inputId>-<n>.parquet``, replacing the
  files an earlier run of the same input wrote (never appending), and ``load/<dataset>/latest/``;
- a rejects CSV and the run report JSON under ``logs/glue-jobs/<dataset>/`` (the report also as
  ``_last-success.json`` on success);
- on a crossed ``fail`` quality threshold, nothing under ``load/`` and a ``QualityThresholdError``.

Job arguments: --bucket --input_key --dataset --execution_name --ingestion_date --report_key
(from the state machine) and --plans_prefix (a default argument of the job).
"""

import json
import sys
from datetime import datetime, timezone

import boto3
from awsglue.context import GlueContext
from botocore.exceptions import ClientError
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark import StorageLevel
from pyspark.context import SparkContext
from pyspark.sql.types import StringType, StructField, StructType

import etl_helpers as h

ARGUMENTS = ["JOB_NAME", "JOB_RUN_ID", "bucket", "input_key", "dataset", "execution_name", "ingestion_date", "report_key", "plans_prefix"]
HEADER_PROBE_BYTES = 1024 * 1024


def log(message, **fields):
    """One JSON line on stdout (the job's ``/output`` log group)."""
    print(json.dumps({"message": message, **fields}, default=str), flush=True)


class Bucket:
    """The few S3 operations the runner needs, on one bucket."""

    def __init__(self, client, name):
        self.s3 = client
        self.name = name

    def read_text(self, key, first_bytes=None):
        """The object's text (or its first bytes), ``None`` when there is no such key."""
        extra = {"Range": f"bytes=0-{first_bytes - 1}"} if first_bytes else {}
        try:
            body = self.s3.get_object(Bucket=self.name, Key=key, **extra)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404"):
                return None
            if code == "InvalidRange":  # a ranged read of an empty object
                return ""
            raise
        return body.decode("utf-8", errors="replace")

    def write_json(self, key, document):
        self.s3.put_object(Bucket=self.name, Key=key, Body=(json.dumps(document, indent=2) + "\n").encode("utf-8"), ContentType="application/json")

    def keys(self, prefix):
        paginator = self.s3.get_paginator("list_objects_v2")
        return [o["Key"] for page in paginator.paginate(Bucket=self.name, Prefix=prefix) for o in page.get("Contents", [])]

    def copy(self, source, destination):
        # Managed copy: multipart above 8 MB, so files over 5 GB copy too.
        self.s3.copy({"Bucket": self.name, "Key": source}, self.name, destination)

    def delete(self, keys):
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[start : start + 1000]]
            self.s3.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})

    def url(self, key):
        return f"s3://{self.name}/{key}"


class TransformRun:
    """One run of the plan on one input."""

    def __init__(self, spark, bucket, args):
        self.spark = spark
        self.bucket = bucket
        self.args = args
        self.dataset = args["dataset"]
        self.run_input_id = h.input_id(args["input_key"])
        self.load_prefix = h.dataset_load_prefix(self.dataset)
        self.counted = {}
        self.input_copy = None

    def run(self):
        """Runs the plan; the staged copy of the input is removed whatever happens."""
        try:
            return self._run()
        finally:
            if self.input_copy:
                self.bucket.delete([self.input_copy])

    def _run(self):
        plan_text = self.bucket.read_text(h.plan_key(self.args["plans_prefix"], self.dataset))
        if plan_text is None:
            raise h.ConfigError(f"no compiled plan for dataset {self.dataset} under {self.args['plans_prefix']} (is it in the deployed config?)")
        plan = h.parse_plan(plan_text, self.dataset)
        ingestion_date = h.check_ingestion_date(self.args["ingestion_date"])

        header_text = self.bucket.read_text(self.args["input_key"], HEADER_PROBE_BYTES)
        if header_text is None:
            raise h.TransformError(f"s3://{self.bucket.name}/{self.args['input_key']} does not exist")
        header = h.match_header(h.normalize_header(h.parse_header_record(header_text)), self.dataset, plan["columns"])

        # Hadoop reads a path as a glob (*, ?, [..], {..}) and rejects some characters outright:
        # read the upload through a plain-named copy, so `orders[1].csv` is read as itself.
        self.input_copy = h.staged_input_key(self.dataset, self.run_input_id)
        self.bucket.copy(self.args["input_key"], self.input_copy)

        # Every column as text, in the file's order; rows Spark cannot split land in _corrupt_record.
        schema = StructType([StructField(name, StringType(), True) for name in header] + [StructField(h.CORRUPT_RECORD_COLUMN, StringType(), True)])
        raw_file = (
            self.spark.read.schema(schema)
            .option("header", True)
            .option("enforceSchema", True)
            .option("multiLine", True)
            .option("quote", '"')
            .option("escape", '"')
            .option("encoding", "UTF-8")
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", h.CORRUPT_RECORD_COLUMN)
            .csv(self.bucket.url(self.input_copy))
        )
        # Spark refuses queries on the corrupt-record column of an uncached CSV scan.
        raw_file = raw_file.persist(StorageLevel.MEMORY_AND_DISK)
        raw_file.createOrReplaceTempView("etl_raw_file")
        structural = raw_file.filter(raw_file[h.CORRUPT_RECORD_COLUMN].isNotNull()).count()
        self.spark.sql(
            f"SELECT {h.raw_projection(plan['columns'], set(header))} FROM etl_raw_file WHERE {h.quote_identifier(h.CORRUPT_RECORD_COLUMN)} IS NULL"
        ).createOrReplaceTempView("etl_raw")
        self.spark.sql(h.params_sql(ingestion_date)).createOrReplaceTempView("etl_params")

        for step in plan["steps"]:
            frame = self.spark.sql(step["sql"])
            if step["materialize"]:
                frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            frame.createOrReplaceTempView(step["name"])

        metrics = self.spark.sql(plan["metricsSql"]).collect()[0].asDict()
        counts = h.counts_from_metrics(metrics, structural)
        previous = h.previous_run(self.bucket.read_text(h.last_run_report_key(self.dataset)), self.args["execution_name"])
        failures = h.quality_failures(counts, previous["rowsOut"] if previous else None, plan["quality"])
        self.counted = {**counts, "previousRun": previous, "qualityFailures": failures}
        log("transform counted", **self.counted)

        rejects = h.rejects_key(self.dataset, self.args["execution_name"]) if counts["malformedRows"] > 0 else None
        if rejects:
            self.write_rejects(plan, rejects)
        self.counted["rejectsKey"] = rejects
        if failures:
            raise h.QualityThresholdError("; ".join(failures))
        output_files = self.write_output(plan)
        return {**self.counted, "status": "SUCCEEDED", "outputFiles": output_files, "error": None}

    def write_rejects(self, plan, key):
        rejected = self.spark.sql(
            f"SELECT CAST(NULL AS BIGINT) AS line, '{h.STRUCTURAL_REJECT_REASON}' AS reject_reason, {h.quote_identifier(h.CORRUPT_RECORD_COLUMN)} AS record "
            f"FROM etl_raw_file WHERE {h.quote_identifier(h.CORRUPT_RECORD_COLUMN)} IS NOT NULL "
            f"UNION ALL SELECT CAST(NULL AS BIGINT), reject_reason, record FROM ({plan['rejectsSql']}) r"
        )
        staging = f"{h.REPORTS_PREFIX}{self.dataset}/_staging/{self.args['execution_name']}-rejects/"
        self.bucket.delete(self.bucket.keys(staging))
        rejected.coalesce(1).write.mode("overwrite").option("header", True).option("escape", '"').csv(self.bucket.url(staging))
        parts = [k for k in self.bucket.keys(staging) if k.rsplit("/", 1)[-1].startswith("part-")]
        if parts:
            self.bucket.copy(parts[0], key)
        self.bucket.delete(self.bucket.keys(staging))

    def write_output(self, plan):
        """Partitioned files (replacing this input's earlier ones), then a refreshed latest/."""
        output = self.spark.sql(plan["outputSql"]).persist(StorageLevel.MEMORY_AND_DISK)
        staging = f"{self.load_prefix}_staging/{self.run_input_id}/"
        latest_staging = f"{self.load_prefix}_staging/{self.run_input_id}-latest/"
        self.bucket.delete(self.bucket.keys(staging) + self.bucket.keys(latest_staging))

        output.write.mode("overwrite").partitionBy(h.PARTITION_COLUMN).option("compression", "snappy").parquet(self.bucket.url(staging))
        output.drop(h.PARTITION_COLUMN).write.mode("overwrite").option("compression", "snappy").parquet(self.bucket.url(latest_staging))

        # Copy over the final names first (an overwrite is atomic per object), then delete what
        # this input wrote before and did not rewrite: readers never see the input's rows twice.
        pairs = h.partition_file_keys(self.bucket.keys(staging), staging, self.load_prefix, self.run_input_id)
        for source, destination in pairs:
            self.bucket.copy(source, destination)
        written = [destination for _, destination in pairs]
        existing = [k for k in self.bucket.keys(f"{self.load_prefix}{h.PARTITION_COLUMN}=")]
        self.bucket.delete(h.stale_input_files(existing, written, self.load_prefix, self.run_input_id))

        latest_prefix = f"{self.load_prefix}latest/"
        latest_pairs = h.latest_file_keys(self.bucket.keys(latest_staging), latest_staging, latest_prefix, self.run_input_id)
        self.bucket.delete(self.bucket.keys(latest_prefix))
        for source, destination in latest_pairs:
            self.bucket.copy(source, destination)

        self.bucket.delete(self.bucket.keys(staging) + self.bucket.keys(latest_staging))
        output.unpersist()
        return sorted(written)


def main():
    args = getResolvedOptions(sys.argv, ARGUMENTS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    spark = glue_context.spark_session
    # The plan's timestamps are instants (UTC), as in the local engine; Parquet gets INT64 micros.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)

    started_at = datetime.now(timezone.utc)
    bucket = Bucket(boto3.client("s3"), args["bucket"])
    base = h.base_report(args, args["JOB_RUN_ID"], started_at)
    transform = TransformRun(spark, bucket, args)
    try:
        outcome = transform.run()
    except Exception as exc:  # every failure leaves a report behind, then fails the job run
        error = h.describe_error(exc)
        report = h.failed_report(base, transform.counted, error, started_at)
        bucket.write_json(args["report_key"], report)
        log("transform failed", error=error)
        if isinstance(exc, h.EtlError):
            raise
        raise h.TransformError(error["message"]) from exc
    report = h.finish_report({**base, **outcome}, started_at)
    bucket.write_json(args["report_key"], report)
    bucket.write_json(h.last_run_report_key(args["dataset"]), report)
    log("transform succeeded", rowsIn=report["rowsIn"], rowsOut=report["rowsOut"], outputFiles=len(report["outputFiles"]))
    job.commit()


if __name__ == "__main__":
    main()
