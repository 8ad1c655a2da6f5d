"""AWS Glue 5.0 (Spark 3.5) runner of a dataset's compiled transform plan — the job's entry point.

A thin, generic runner: the SQL comes from ``scripts/plans/<dataset>.json`` (compiled by
core/transform/compile-plan.ts in the Spark dialect); this script only provides the inputs the
plan expects, runs it, and writes what the local DuckDB job (local/runtime/engines/duckdb-job.ts) writes:

- Snappy Parquet under ``load/<dataset>/dt=YYYY-MM-DD/part-<loadId>-<n>.parquet``, replacing the
  files an earlier run of the same load wrote (never appending);
- the dataset's new state (the latest row per key across every load the table holds; without
  keys, this load's rows) as a new version under ``load/latest/<dataset>/versions/<version>/``
  with its ``_replaces`` file, published by a conditional write of
  ``load/latest/<dataset>/_symlink_format_manifest/manifest``; versions no reader can still be
  reading are removed after (see ``publish_latest_state``);
- a rejects CSV and the run report JSON under ``logs/glue-jobs/<dataset>/`` (the report also as
  ``load/_meta/<dataset>/last-success.json`` on success, where no lifecycle rule expires it);
- on a crossed ``fail`` quality threshold, nothing under ``load/`` and a ``QualityThresholdError``.

Job arguments: --bucket --input_key --input_version_id --dataset --execution_name
--ingestion_date --report_key (from the state machine) and --plans_prefix (a default argument of
the job); Glue adds --JOB_NAME, --JOB_ID, --JOB_RUN_ID and its own options. Optional:
--csv_split_bytes (the input's read ranges, 64 MiB by default: see split_read.py).

What needs Glue's own jars is behind ``job_context`` (the one seam); the local Spark engine runs
this same module with ``LocalJobContext`` (see ``local_worker.py``).
"""

import argparse
import contextlib
import json
import sys
import uuid
from datetime import UTC, datetime

from awsglue.utils import getResolvedOptions
from pyspark import StorageLevel
from pyspark.sql import Observation
from pyspark.sql import functions as F

from errors import ConfigError, EtlError, LatestStateConflictError, MalformedCsvError, QualityThresholdError, TransformError, describe_error
from header import match_header, normalize_header, parse_header_record, positional_header
from input_decoding import CORRUPT_RECORD_COLUMN, decode_head, inflate_head, is_gzip, skip_text_lines, text_encoding
from naming import (
    PARTITION_COLUMN,
    check_ingestion_date,
    check_load_id,
    dataset_load_prefix,
    format_latest_manifest,
    format_latest_replaces,
    last_run_report_key,
    latest_manifest_key,
    latest_manifest_versions,
    latest_replaces_key,
    latest_version_id,
    latest_version_prefix,
    latest_version_published,
    latest_versions_prefix,
    latest_versions_to_delete,
    legacy_last_run_report_key,
    parse_latest_manifest,
    parse_latest_replaces,
    plan_key,
    rejects_key,
    staging_prefix,
)
from output_files import file_sizing_settings, latest_file_keys, partition_file_keys, rebalanced_sql, stale_input_files, table_file_keys
from plan import ddl_schema, params_sql, parse_plan, quote_identifier, raw_projection
from quality import quality_failures
from rejects import QUOTED_WHEN, REJECTS_COLUMNS, UNCLOSED_QUOTE_REASON, field_count_reason, record_split_failure, record_split_message
from run_report import base_report, counts_from_metrics, failed_report, finish_report, previous_run
from split_read import DEFAULT_SPLIT_BYTES, FIELDS_COLUMN, LINE_COLUMN, OPEN_COLUMN, InputText, corrupt_text, read_records
from value_rules import SWALLOWED_RECORD_REASON

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


def utc_now():
    """The clock of the state's versions (their ids and their retention)."""
    return datetime.now(UTC)


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
        self.load_id = check_load_id(args["load_id"])
        self.load_prefix = dataset_load_prefix(self.dataset)
        # Everything this run stages is under a folder of its own job run: runs that overlap (a
        # redrive beside a late duplicate, two versions of one key) never touch each other's files.
        self.staging = staging_prefix(self.dataset, args["JOB_RUN_ID"])
        self.job_run_id = args["JOB_RUN_ID"]
        self.counted = {}
        # Whether the table held files of this load before this run wrote its own (a correction
        # or a rerun): the state is then recomputed from the whole table.
        self.load_replaced = False
        # How this run reads its input (set once the header is read).
        self.input = None
        # The plan's steps this run cached, released when it ends (a local worker's Spark outlives it).
        self.cached = []
        # The run's Spark jobs carry this tag (thread-local, as PySpark pins threads), to count them.
        # Unique per run, not per job run id: Spark keeps a tag's jobs for as long as it lives (a
        # local worker's outlives runs, and tests reuse ids).
        self.job_tag = f"etl-run-{self.job_run_id}-{uuid.uuid4().hex}"

    def run(self):
        """Runs the plan; whatever the run staged is removed whatever happens. The outcome (and
        ``counted``, for a failed run's report) has ``sparkJobs``: the Spark jobs the run ran."""
        spark_context = self.spark.sparkContext
        spark_context.addJobTag(self.job_tag)
        try:
            outcome = self._run()
        finally:
            # Best effort: the outcome is decided (a loaded run must not be reported failed), and
            # files left in the run's own staging folder are in no table and no state. Every
            # version of them: a staged copy must not stay on as a noncurrent version.
            try:
                self.bucket.purge(self.staging)
            except Exception as exc:  # noqa: BLE001
                log("could not remove the run's staged files (or their versions)", staging=self.staging, error=str(exc))
            # Also best effort: a task that ran out of memory stops the SparkContext (local mode),
            # and the cache and the tracker then refuse every call; that must not turn the
            # verdict already reached (a refused file's QualityThresholdError) into another error.
            try:
                for frame in self.cached:
                    frame.unpersist()
                spark_context.removeJobTag(self.job_tag)
                # PySpark's StatusTracker has no getJobIdsForTag (Spark 3.5's JVM tracker has).
                self.counted["sparkJobs"] = len(spark_context._jsc.sc().statusTracker().getJobIdsForTag(self.job_tag))
            except Exception as exc:  # noqa: BLE001
                self.counted["sparkJobs"] = None
                log("could not release the run's cached frames or count its Spark jobs", error=str(exc).splitlines()[0])
        return {**outcome, "sparkJobs": self.counted["sparkJobs"]}

    def _run(self):
        plan_text = self.bucket.read_text(plan_key(self.args["plans_prefix"], self.dataset))
        if plan_text is None:
            raise ConfigError(f"no compiled plan for dataset {self.dataset} under {self.args['plans_prefix']} (is it in the deployed config?)")
        plan = parse_plan(plan_text, self.dataset)
        ingestion_date = check_ingestion_date(self.args["ingestion_date"])
        # The volume check compares with the last run that finished before this one started. The first
        # run after an upgrade finds it where earlier releases wrote it (under logs/glue-jobs/).
        last_report = self.bucket.read_text(last_run_report_key(self.dataset))
        if last_report is None:
            last_report = self.bucket.read_text(legacy_last_run_report_key(self.dataset))
        previous = previous_run(last_report, self.args["execution_name"])
        input_key, version_id = self.args["input_key"], self.args["input_version_id"]

        read = plan["read"]
        head = self.bucket.read_bytes(input_key, HEADER_PROBE_BYTES, version_id)
        if head is None:
            raise TransformError(f"{self.bucket.url(input_key)} (version {version_id}) does not exist")
        # Compression from the bytes, whatever the name; the text's encoding from the plan (and,
        # for UTF-16, the byte-order mark).
        compressed = is_gzip(head)
        text_head = inflate_head(head) if compressed else head
        codec, bom = text_encoding(read["encoding"], text_head)
        if read["header"]:
            first = skip_text_lines(decode_head(text_head, codec, bom), read["skipRows"])
            names = match_header(normalize_header(parse_header_record(first, read)), self.dataset, plan["columns"], plan["extraColumns"])
        else:
            names = positional_header(plan["columns"])
        # The file's columns by position: the output name of each declared one (None: ignored).
        self.input = {"read": read, "codec": codec, "names": names}
        positions = {name: i for i, name in enumerate(names) if name is not None}

        # Every column as text, in the file's order, each record with its line; records of another
        # number of fields than the header's are set aside (_corrupt_record).
        text = InputText(read, codec, bom, compressed, text_head)
        raw_file, found = read_records(self.spark, self.input_source(input_key, version_id), text, len(names), self.args.get("csv_split_bytes", DEFAULT_SPLIT_BYTES))
        log("input read in ranges", **found)
        # Spark refuses queries on the corrupt-record column of an uncached CSV parse.
        raw_file = raw_file.persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(raw_file)
        raw_file.createOrReplaceTempView("etl_raw_file")
        structural = raw_file.filter(raw_file[CORRUPT_RECORD_COLUMN].isNotNull()).count()
        self.spark.sql(
            f"SELECT {quote_identifier(LINE_COLUMN)}, {raw_projection(plan['columns'], positions)} FROM etl_raw_file "
            f"WHERE {quote_identifier(CORRUPT_RECORD_COLUMN)} IS NULL"
        ).createOrReplaceTempView("etl_raw")
        self.spark.sql(params_sql(ingestion_date)).createOrReplaceTempView("etl_params")

        # The steps the plan materialises are cached when a query first reads them: the dedupe
        # (Spark's plan caches it) runs once, for the metrics, the output and the state's merge.
        for step in plan["steps"]:
            frame = self.spark.sql(step["sql"])
            if step["materialize"]:
                frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
                self.cached.append(frame)
            frame.createOrReplaceTempView(step["name"])

        metrics = self.spark.sql(plan["metricsSql"]).collect()[0].asDict()
        counts = counts_from_metrics(metrics, structural)
        failures = quality_failures(counts, previous["rowsOut"] if previous else None, plan["quality"])
        self.counted = {**counts, "previousRun": previous, "qualityFailures": failures}
        log("transform counted", **self.counted)

        # The gate is decided by the counts alone. The rejects are then written by Spark whatever it
        # decided (bounded: none reaches the driver), as the local engines write them: a refused
        # file's rejects say why. Failing to write them never hides the gate's verdict.
        rejects = rejects_key(self.dataset, self.args["execution_name"]) if counts["malformedRows"] > 0 else None
        broken = None
        if rejects:
            try:
                broken = self.write_rejects(plan, rejects)
            except Exception as exc:
                if not failures:
                    raise
                log("could not write the rejects of a refused run", rejectsKey=rejects, error=str(exc))
                rejects = None
        self.counted["rejectsKey"] = rejects
        if broken:
            raise MalformedCsvError(record_split_message(f"line {broken['line']}", broken["reason"]))
        if failures:
            raise QualityThresholdError("; ".join(failures))
        output_files = self.write_output(plan)
        latest_files, latest_rows = self.publish_latest_state(plan, output_files)
        raw_file.unpersist()
        return {**self.counted, "status": "SUCCEEDED", "outputFiles": output_files, "latestFiles": latest_files, "latestRows": latest_rows, "error": None}

    def input_source(self, input_key, version_id):
        """The input as Spark's tasks read it: byte ranges of the version the execution was
        started for, straight from the bucket (ranged GETs on S3). Nothing is staged: no copy
        for Hadoop's glob-reading of names, none kept as a noncurrent version."""
        return self.bucket.range_reader(input_key, version_id)

    def write_rejects(self, plan, key):
        """Writes the rejects file with Spark, in line order, as one file copied to ``key`` (no
        reject reaches the driver; the input is not read again), and returns the first reject
        past which the file cannot be split reliably (``record_split_failure``), if any."""
        read, width = self.input["read"], len(self.input["names"])
        found = F.col(FIELDS_COLUMN)
        mark = 777_777_777  # the wording around the count, spelt once (field_count_reason)
        before, after = field_count_reason(mark, width).split(str(mark))
        reason = (
            F.when(F.col(OPEN_COLUMN) == 1, F.lit(UNCLOSED_QUOTE_REASON))
            .when(found == 1, F.lit(field_count_reason(1, width)))
            .otherwise(F.concat(F.lit(before), found.cast("string"), F.lit(after)))
        )
        corrupt = F.col(CORRUPT_RECORD_COLUMN)
        structural = (
            self.spark.table("etl_raw_file")
            .filter(corrupt.isNotNull())
            .select(
                F.col(LINE_COLUMN).alias("line"),
                reason.alias("reject_reason"),
                corrupt_text(corrupt, read["delimiter"]).alias("record"),
                F.coalesce(F.col(OPEN_COLUMN) == 1, F.lit(False)).alias("unclosed"),
            )
        )
        by_value = self.spark.sql(plan["rejectsWithLinesSql"]).select("line", "reject_reason", "record", F.lit(False).alias("unclosed"))
        # Read twice (the file, then the one reject the split check needs): kept once computed.
        found_rejects = structural.unionByName(by_value).persist(StorageLevel.MEMORY_AND_DISK)
        self.cached.append(found_rejects)

        staging = f"{self.staging}rejects/"
        header = self.spark.range(1).select(F.lit(0).cast("long").alias("line"), F.lit(",".join(REJECTS_COLUMNS)).alias("text"))
        fields = [F.col("line").cast("string"), self.csv_field(F.col("reject_reason")), self.csv_field(F.col("record"))]
        rows = found_rejects.select("line", F.concat_ws(",", *fields).alias("text"))
        # Sorted, then one task writes the ranges in order (coalesce keeps the sort): one file.
        header.unionByName(rows).orderBy("line").coalesce(1).select("text").write.mode("overwrite").option("lineSep", "\n").text(self.bucket.url(staging))
        parts = [k for k in self.bucket.keys(staging) if k.rsplit("/", 1)[-1].startswith("part-")]
        if len(parts) != 1:
            raise TransformError(f"Spark wrote {len(parts)} rejects files under {self.bucket.url(staging)} (expected one)")
        self.bucket.copy(parts[0], key)

        pattern = plan["swallowedRecordPattern"]
        candidates = found_rejects.filter(F.col("unclosed") | F.col("reject_reason").endswith(SWALLOWED_RECORD_REASON) | F.col("record").rlike(pattern))
        first = candidates.orderBy("line").limit(1).collect()
        return record_split_failure([row.asDict() for row in first], pattern)

    @staticmethod
    def csv_field(column):
        """A value of the rejects file as written (rejects.csv_field, in Spark: quoted when it
        holds one of ``QUOTED_WHEN`` or is empty, its quotes doubled)."""
        needs_quotes = column.rlike("[" + "".join("\\" + c if c in '"\\' else c for c in QUOTED_WHEN) + "]") | (column == "")
        return F.when(column.isNull(), F.lit("")).when(needs_quotes, F.concat(F.lit('"'), F.regexp_replace(column, '"', '""'), F.lit('"'))).otherwise(column)

    def write_output(self, plan):
        """Partitioned files, about one per partition per ``TARGET_FILE_BYTES``, replacing this
        load's earlier ones; returns their keys."""
        staging = f"{self.staging}output/"
        with self.sized_files():
            output = self.spark.sql(rebalanced_sql(plan["outputSql"], PARTITION_COLUMN))
            output.write.mode("overwrite").partitionBy(PARTITION_COLUMN).option("compression", "snappy").parquet(self.bucket.url(staging))

        # Copy over the final names first (an overwrite is atomic per object), then delete what
        # this load wrote before and did not rewrite: readers never see the load's rows twice.
        pairs = partition_file_keys(self.bucket.keys(staging), staging, self.load_prefix, self.load_id)
        table = f"{self.load_prefix}{PARTITION_COLUMN}="
        self.load_replaced = bool(stale_input_files(self.bucket.keys(table), [], self.load_prefix, self.load_id))
        self.bucket.copy_many(pairs)
        written = [destination for _, destination in pairs]
        self.bucket.delete(stale_input_files(self.bucket.keys(table), written, self.load_prefix, self.load_id))
        return sorted(written)

    @contextlib.contextmanager
    def sized_files(self):
        """The run's session with ``file_sizing_settings`` while a write runs (the session is the
        run's own), as it was after."""
        settings = file_sizing_settings()
        before = {name: self.spark.conf.get(name, None) for name in settings}
        for name, value in settings.items():
            self.spark.conf.set(name, value)
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    self.spark.conf.unset(name)
                else:
                    self.spark.conf.set(name, value)

    def publish_latest_state(self, plan, written):
        """Publishes the dataset's new state; returns its files and its row count.

        Readers follow the manifest, so they see the previous version or the new one, whole. Each
        attempt reads the manifest and its token, writes a new version (its files, then its
        ``_replaces``: the versions the manifest named), then replaces the manifest only if it
        still holds that token: a run that finished first makes this one's write fail, and it
        merges again onto the state that run published (no lost update). A write whose response
        was lost is a win when the manifest names the version, or a chain of ``_replaces`` leads
        from what it names back to the version; the files of an attempt that lost are deleted
        only when the manifest does not name them. A file the merge read that is gone makes the
        attempt merge again too. After a win, the
        versions no reader can still be reading are deleted (``latest_versions_to_delete``).
        The protocol of handlers/transform/latest-state.ts, step for step.
        """
        manifest_key = latest_manifest_key(self.dataset)
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            manifest, token = self.bucket.read_text_with_token(manifest_key)
            previous = parse_latest_manifest(manifest) if manifest is not None else []
            version = latest_version_id(utc_now(), self.job_run_id, attempt)
            version_prefix = latest_version_prefix(self.dataset, version)
            state = self.new_state(plan, previous, written, version_prefix)
            if state is None:
                log("a file the state's merge read is gone: merging again", version=version, attempt=attempt)
                continue
            pairs, rows = state
            self.bucket.copy_many(pairs)
            files = [destination for _, destination in pairs]
            replaces_key = latest_replaces_key(self.dataset, version)
            self.bucket.write_text(replaces_key, format_latest_replaces(latest_manifest_versions(previous)), "text/plain")
            text = format_latest_manifest(self.bucket.name, files)
            if self.bucket.write_text_if(manifest_key, text, "text/plain", token) or self.published_meanwhile(manifest_key, version):
                log("state published", version=version, latestRows=rows, attempt=attempt)
                self.remove_unused_versions(version)
                return files, rows
            log("state manifest changed meanwhile: merging again", version=version, attempt=attempt)
            self.bucket.delete(files + [replaces_key])
        raise LatestStateConflictError(
            f"could not publish the state of dataset {self.dataset}: {manifest_key} changed during each of {PUBLISH_ATTEMPTS} attempts "
            "(other runs kept publishing first, or removed a file the merge read); run the load again"
        )

    def new_state(self, plan, previous, written, version_prefix):
        """The ``(source, version file)`` pairs of the new state and its rows; ``None`` when a file
        the merge read is gone (the attempt merges again)."""
        if plan["latestSql"] is None or not (previous or self.load_replaced):
            # Without keys, or the first state, the state is this load's rows (one per key): the
            # files just written hold exactly the declared columns. Copies, not the files
            # themselves: a rerun of the load rewrites those. The files of several partitions
            # would each be a small file of the state (it has no partitions): written again
            # instead, from the rows the load cached.
            if len({key.rsplit("/", 1)[0] for key in written}) <= 1:
                return latest_file_keys(written, self.load_prefix, version_prefix), self.counted["rowsOut"]
            columns = ", ".join(quote_identifier(c["name"]) for c in plan["columns"])
            staging = f"{self.staging}latest/"
            self.write_state(f"SELECT {columns} FROM {plan['steps'][-1]['name']}", staging)
            return latest_file_keys(self.bucket.keys(staging), staging, version_prefix), self.counted["rowsOut"]
        if self.load_replaced:
            # A correction (or a rerun) of a load the table held: the rows it replaced are in the
            # previous state, so the state is recomputed from every load the table holds now (this
            # one's files among them; the plan's UNION counts them once).
            previous = table_file_keys(self.bucket.keys(f"{self.load_prefix}{PARTITION_COLUMN}="), self.load_prefix)
        return self.merge_state(plan, previous, version_prefix)

    def merge_state(self, plan, sources, version_prefix):
        """The state in ``sources`` (Parquet files of the declared columns) merged with this load's
        rows (the plan's ``latestSql``), staged and named as the version's files; returns the
        ``(staged, final)`` pairs and the row count, ``None`` when a source file is gone."""
        staging = f"{self.staging}latest/"
        try:
            # Read with the declared schema: a column a file lacks (added since) reads NULL.
            self.spark.read.schema(ddl_schema(plan["columns"])).parquet(*[self.bucket.url(k) for k in sources]).createOrReplaceTempView("etl_previous_latest")
            rows = self.write_state(plan["latestSql"], staging)
        except Exception:
            # Spark names a missing file in several ways (PATH_NOT_FOUND when planning, a
            # FileNotFoundException in a task): whether one is gone is asked of the bucket.
            if self.missing_files(sources):
                return None
            raise
        return latest_file_keys(self.bucket.keys(staging), staging, version_prefix), rows

    def write_state(self, sql, staging):
        """Writes the rows of ``sql`` as Parquet files under ``staging``, about one per
        ``TARGET_FILE_BYTES``; returns their number, counted by the write itself (no read back)."""
        written = Observation(f"etl_state_rows_{uuid.uuid4().hex}")
        with self.sized_files():
            rows = self.spark.sql(rebalanced_sql(sql)).observe(written, F.count(F.lit(1)).alias("rows"))
            rows.write.mode("overwrite").option("compression", "snappy").parquet(self.bucket.url(staging))
        return int(written.get["rows"])

    def missing_files(self, keys):
        """The keys of ``keys`` the bucket no longer holds."""
        present = {key for folder in sorted({k.rsplit("/", 1)[0] + "/" for k in keys}) for key in self.bucket.keys(folder)}
        return [key for key in keys if key not in present]

    def remove_unused_versions(self, current):
        """Deletes the versions no reader can still be reading now that ``current`` is published.
        Best effort: the state is published, and a version left is removed by a later publication."""
        try:
            keys = self.bucket.keys(latest_versions_prefix(self.dataset))
            self.bucket.delete(latest_versions_to_delete(keys, current, self.replaces_of, utc_now()))
        except Exception as exc:  # noqa: BLE001
            log("could not remove the state's unused versions", version=current, error=str(exc))

    def replaces_of(self, version):
        """The versions ``version`` replaced (its ``_replaces``), ``None`` when it has no such file."""
        text = self.bucket.read_text(latest_replaces_key(self.dataset, version))
        return None if text is None else parse_latest_replaces(text)

    def published_meanwhile(self, manifest_key, version):
        """Whether a manifest write reported lost did publish ``version``: the manifest names it,
        or names a version that replaced it (its response was lost, a later run merged over it)."""
        text = self.bucket.read_text(manifest_key)
        current = latest_manifest_versions(parse_latest_manifest(text)) if text is not None else []
        return latest_version_published(current, version, self.replaces_of)


def optional_arguments(argv):
    """The job's optional arguments (getResolvedOptions takes required ones only):
    ``--csv_split_bytes``, the size of the byte ranges the input is read in (split_read; tests
    give a small one). Glue's own options and the required ones are left to getResolvedOptions."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--csv_split_bytes")
    known, _ = parser.parse_known_args(argv[1:])
    if known.csv_split_bytes is None:
        return {}
    if not known.csv_split_bytes.isdigit() or int(known.csv_split_bytes) < 1:
        raise ConfigError(f"--csv_split_bytes {known.csv_split_bytes!r}: expected a whole number of bytes, at least 1")
    return {"csv_split_bytes": int(known.csv_split_bytes)}


def main(argv=None, context=None):
    """The job: Glue calls it with its argv; the local Spark engine passes a ``LocalJobContext``."""
    argv = sys.argv if argv is None else argv
    args = {**getResolvedOptions(argv, ARGUMENTS), **optional_arguments(argv)}
    if context is None:
        from job_context import GlueJobContext

        context = GlueJobContext(args)
    spark, bucket = context.spark, context.bucket
    for name, value in SESSION_SETTINGS.items():
        spark.conf.set(name, value)

    started_at = datetime.now(UTC)
    base = base_report(args, args["JOB_RUN_ID"], started_at)
    transform = TransformRun(spark, bucket, args)
    try:
        outcome = transform.run()
    except Exception as exc:  # every failure leaves a report behind, then fails the job run
        error = describe_error(exc)
        report = failed_report(base, transform.counted, error, started_at)
        bucket.write_json(args["report_key"], report)
        log("transform failed", error=error)
        if isinstance(exc, EtlError):
            raise
        raise TransformError(error["message"]) from exc
    report = finish_report({**base, **outcome}, started_at)
    bucket.write_json(args["report_key"], report)
    bucket.write_json(last_run_report_key(args["dataset"]), report)
    # Nothing that can fail runs after the state is published but the reports (no Job.commit:
    # bookmarks are disabled), so a loaded run is never reported failed.
    log("transform succeeded", rowsIn=report["rowsIn"], rowsOut=report["rowsOut"], outputFiles=len(report["outputFiles"]), sparkJobs=report["sparkJobs"])
    return report


if __name__ == "__main__":
    main()
