"""AWS Glue 5.0 (Spark 3.5) runner of a dataset's compiled transform plan — the job's entry point.

A thin, generic runner: the SQL comes from ``scripts/plans/<dataset>.json`` (compiled by
core/transform/compile-plan.ts in the Spark dialect); this script only provides the inputs the
plan expects, runs it, and writes what the local DuckDB job (local/runtime/engines/duckdb-job.ts) writes:

- Snappy Parquet under ``load/<dataset>/dt=YYYY-MM-DD/part-<loadId>-<n>.parquet``, replacing the
  files an earlier run of the same load wrote (never appending);
- the dataset's new state (the latest row per key across every load; without keys, this load's
  rows) as a new version under ``load/latest/<dataset>/versions/``, published by a conditional
  write of ``load/latest/<dataset>/_symlink_format_manifest/manifest`` (see ``publish_latest_state``);
- a rejects CSV and the run report JSON under ``logs/glue-jobs/<dataset>/`` (the report also as
  ``_last-success.json`` on success);
- on a crossed ``fail`` quality threshold, nothing under ``load/`` and a ``QualityThresholdError``.

Job arguments: --bucket --input_key --input_version_id --dataset --execution_name
--ingestion_date --report_key (from the state machine) and --plans_prefix (a default argument of
the job); Glue adds --JOB_NAME, --JOB_ID, --JOB_RUN_ID and its own options.

What needs Glue's own jars is behind ``job_context`` (the one seam); the local Spark engine runs
this same module with ``LocalJobContext`` (see ``local_worker.py``).
"""

import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import etl_helpers as h
from awsglue.utils import getResolvedOptions
from pyspark import StorageLevel
from pyspark.sql.types import StringType, StructField, StructType

# JOB_ID and JOB_RUN_ID are not listed: getResolvedOptions adds them itself and refuses them here.
ARGUMENTS = [
    "JOB_NAME",
    "bucket",
    "input_key",
    "input_version_id",
    "load_id",
    "dataset",
    "execution_name",
    "ingestion_date",
    "report_key",
    "plans_prefix",
]
HEADER_PROBE_BYTES = 1024 * 1024
# Publication attempts before a run gives up on the state manifest (LatestStateConflictError).
PUBLISH_ATTEMPTS = 5
# The plan's timestamps are instants (UTC), as in the local engine; Parquet gets INT64 micros, and
# dates before 1582-10-15 are written as they are (proleptic Gregorian, as DuckDB writes them).
SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.ansi.enabled": "false",
}


def log(message, **fields):
    """One JSON line on stdout (the job's ``/output`` log group)."""
    print(json.dumps({"message": message, **fields}, default=str), flush=True)


class TransformRun:
    """One run of the plan on one input."""

    def __init__(self, spark, bucket, args):
        self.spark = spark
        self.bucket = bucket
        self.args = args
        self.dataset = args["dataset"]
        # Output files are named after the load: a rerun replaces its own rows, nothing else.
        self.load_id = h.check_load_id(args["load_id"])
        self.load_prefix = h.dataset_load_prefix(self.dataset)
        # Everything this run stages is under a folder of its own job run: runs that overlap (a
        # redrive beside a late duplicate, two versions of one key) never touch each other's files.
        self.staging = h.staging_prefix(self.dataset, args["JOB_RUN_ID"])
        self.job_run_id = args["JOB_RUN_ID"]
        self.counted = {}

    def run(self):
        """Runs the plan; whatever the run staged is removed whatever happens."""
        try:
            return self._run()
        finally:
            self.bucket.delete(self.bucket.keys(self.staging))

    def _run(self):
        plan_text = self.bucket.read_text(h.plan_key(self.args["plans_prefix"], self.dataset))
        if plan_text is None:
            raise h.ConfigError(f"no compiled plan for dataset {self.dataset} under {self.args['plans_prefix']} (is it in the deployed config?)")
        plan = h.parse_plan(plan_text, self.dataset)
        ingestion_date = h.check_ingestion_date(self.args["ingestion_date"])
        # The volume check compares with the last run that finished before this one started.
        previous = h.previous_run(self.bucket.read_text(h.last_run_report_key(self.dataset)), self.args["execution_name"])
        input_key, version_id = self.args["input_key"], self.args["input_version_id"]

        header_text = self.bucket.read_text(input_key, HEADER_PROBE_BYTES, version_id)
        if header_text is None:
            raise h.TransformError(f"{self.bucket.url(input_key)} (version {version_id}) does not exist")
        header = h.match_header(h.normalize_header(h.parse_header_record(header_text)), self.dataset, plan["columns"])

        # Hadoop reads a path as a glob (*, ?, [..], {..}) and rejects some characters outright:
        # read the upload through a plain-named copy of the version the execution was started for.
        input_copy = f"{self.staging}input/input.csv"
        self.bucket.copy(input_key, input_copy, version_id)

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
            .csv(self.bucket.url(input_copy))
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
        failures = h.quality_failures(counts, previous["rowsOut"] if previous else None, plan["quality"])
        self.counted = {**counts, "previousRun": previous, "qualityFailures": failures}
        log("transform counted", **self.counted)

        rejects = h.rejects_key(self.dataset, self.args["execution_name"]) if counts["malformedRows"] > 0 else None
        numbered = self.write_rejects(plan, rejects, header, input_copy) if rejects else []
        self.counted["rejectsKey"] = rejects
        broken = h.record_split_failure(numbered, plan["swallowedRecordPattern"])
        if broken:
            raise h.MalformedCsvError(h.record_split_message(f"line {broken['line'] or '?'}", broken["reason"]))
        if failures:
            raise h.QualityThresholdError("; ".join(failures))
        output_files = self.write_output(plan)
        latest_files, latest_rows = self.publish_latest_state(plan, output_files)
        raw_file.unpersist()
        return {**self.counted, "status": "SUCCEEDED", "outputFiles": output_files, "latestFiles": latest_files, "latestRows": latest_rows, "error": None}

    def write_rejects(self, plan, key, header, input_copy):
        """The rejects file, each row with its line; returns the rows (dicts), in line order."""
        corrupt = h.quote_identifier(h.CORRUPT_RECORD_COLUMN)
        structural = self.spark.sql(f"SELECT {corrupt} AS record FROM etl_raw_file WHERE {corrupt} IS NOT NULL").collect()
        by_value = self.spark.sql(f"SELECT reject_reason, record FROM ({plan['rejectsSql']}) r").collect()
        rejects = [h.reject_row(h.STRUCTURAL_REJECT_REASON, r["record"], *h.raw_record_fields(r["record"])) for r in structural]
        rejects += [h.reject_row(r["reject_reason"], r["record"], h.value_reject_fields(r["record"], header)) for r in by_value]
        # Neither reader tells a record's line: read the input once more, on the driver.
        with tempfile.TemporaryDirectory() as directory:
            local = Path(directory, "input.csv")
            self.bucket.download(input_copy, local)
            with open(local, encoding="utf-8", errors="replace", newline="") as lines:
                numbered = h.number_rejects(lines, rejects)
        self.bucket.write_text(key, h.rejects_csv(numbered), "text/csv")
        return numbered

    def write_output(self, plan):
        """Partitioned files, replacing this load's earlier ones; returns their keys."""
        output = self.spark.sql(plan["outputSql"]).persist(StorageLevel.MEMORY_AND_DISK)
        staging = f"{self.staging}output/"
        output.write.mode("overwrite").partitionBy(h.PARTITION_COLUMN).option("compression", "snappy").parquet(self.bucket.url(staging))

        # Copy over the final names first (an overwrite is atomic per object), then delete what
        # this load wrote before and did not rewrite: readers never see the load's rows twice.
        pairs = h.partition_file_keys(self.bucket.keys(staging), staging, self.load_prefix, self.load_id)
        for source, destination in pairs:
            self.bucket.copy(source, destination)
        written = [destination for _, destination in pairs]
        existing = self.bucket.keys(f"{self.load_prefix}{h.PARTITION_COLUMN}=")
        self.bucket.delete(h.stale_input_files(existing, written, self.load_prefix, self.load_id))
        output.unpersist()
        return sorted(written)

    def publish_latest_state(self, plan, written):
        """Publishes the dataset's new state; returns its files and its row count.

        Readers follow the manifest, so they see the previous version or the new one, whole. Each
        attempt reads the manifest and its token, writes a new version from the state it names,
        then replaces the manifest only if it still holds that token: a run that finished first
        makes this one's write fail, and it merges again onto the state that run published (no
        lost update). The protocol of local/runtime/engines/latest-state.ts, step for step.
        """
        manifest_key = h.latest_manifest_key(self.dataset)
        versions_prefix = h.latest_versions_prefix(self.dataset)
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            manifest, token = self.bucket.read_text_with_token(manifest_key)
            previous = h.parse_latest_manifest(manifest) if manifest is not None else []
            version = h.latest_version_id(datetime.now(UTC), self.job_run_id, attempt)
            version_prefix = h.latest_version_prefix(self.dataset, version)
            if plan["latestSql"] is None or not previous:
                # The state is this load's rows: the files just written hold exactly the declared
                # columns. Copies, not the files themselves: a rerun of the load rewrites those.
                pairs = h.latest_file_keys(written, self.load_prefix, version_prefix)
                rows = self.counted["rowsOut"]
            else:
                pairs, rows = self.merge_state(plan, previous, version_prefix)
            for source, destination in pairs:
                self.bucket.copy(source, destination)
            files = [destination for _, destination in pairs]
            if self.bucket.write_text_if(manifest_key, h.format_latest_manifest(self.bucket.name, files), "text/plain", token):
                kept = {version} | {h.latest_version_of(key) for key in previous}
                self.bucket.delete(h.abandoned_version_keys(self.bucket.keys(versions_prefix), kept, datetime.now(UTC)))
                log("state published", version=version, latestRows=rows, attempt=attempt)
                return files, rows
            log("state manifest changed meanwhile: merging again", version=version, attempt=attempt)
            self.bucket.delete(files)
        raise h.LatestStateConflictError(
            f"could not publish the state of dataset {self.dataset}: {manifest_key} changed during each of {PUBLISH_ATTEMPTS} attempts "
            "(other runs kept publishing first); run the load again"
        )

    def merge_state(self, plan, previous, version_prefix):
        """The previous state merged with this load's rows (the plan's ``latestSql``), staged and
        named as the version's files; returns the ``(staged, final)`` pairs and the row count."""
        # Read with the declared schema: a column a file lacks (added since) reads NULL.
        self.spark.read.schema(h.ddl_schema(plan["columns"])).parquet(*[self.bucket.url(k) for k in previous]).createOrReplaceTempView("etl_previous_latest")
        staging = f"{self.staging}latest/"
        self.spark.sql(plan["latestSql"]).write.mode("overwrite").option("compression", "snappy").parquet(self.bucket.url(staging))
        rows = self.spark.read.parquet(self.bucket.url(staging)).count()
        return h.latest_file_keys(self.bucket.keys(staging), staging, version_prefix), rows


def main(argv=None, context=None):
    """The job: Glue calls it with its argv; the local Spark engine passes a ``LocalJobContext``."""
    args = getResolvedOptions(sys.argv if argv is None else argv, ARGUMENTS)
    if context is None:
        from job_context import GlueJobContext

        context = GlueJobContext(args)
    spark, bucket = context.spark, context.bucket
    for name, value in SESSION_SETTINGS.items():
        spark.conf.set(name, value)

    started_at = datetime.now(UTC)
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
    context.commit()
    return report


if __name__ == "__main__":
    main()
