"""The files a run publishes: how Spark sizes them, and their keys from what Spark staged (the
DuckDB transform's writeOutput, handlers/transform/duckdb-transform.ts, names them alike): the
table's partitions, the state version's files, and this load's earlier files that a rerun replaces."""

from naming import PARTITION_COLUMN
from plan import quote_identifier

# At most about one file per partition per this much Parquet: readers (Athena) pay per file.
TARGET_FILE_BYTES = 128 * 1024 * 1024
# What a write's shuffle moves per byte of the Parquet it writes (LZ4 rows against Snappy
# columns; the bench's 1M orders: 75.5 MB for 30.3 MB in one partition, 93.6 MB for 32.1 MB over
# 301 dates). Spark sizes tasks by the shuffle's bytes; the higher ratio errs to fewer files.
SHUFFLE_BYTES_PER_FILE_BYTE = 3


def file_sizing_settings(target_file_bytes=TARGET_FILE_BYTES):
    """The Spark settings of a write whose query is :func:`rebalanced_sql`: adaptive execution
    gives each task about ``target_file_bytes`` of Parquet — a partition's rows stay one task's
    (one file) unless they exceed it, then they are split among tasks of about that size, so a
    large partition is still written in parallel; small partitions share a task. Not the whole
    run's settings: the shuffles of the dedupe keep Spark's default (many tasks, as many cores)."""
    return {
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        # By default Spark keeps at least one task per core, whatever their size (small files).
        "spark.sql.adaptive.coalescePartitions.parallelismFirst": "false",
        "spark.sql.adaptive.optimizeSkewsInRebalancePartitions.enabled": "true",
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": str(target_file_bytes * SHUFFLE_BYTES_PER_FILE_BYTE),
    }


def rebalanced_sql(sql, column=None):
    """``sql`` with its rows rebalanced by ``column`` (each value's rows in one task unless they
    are many) or, without one, only into tasks of the advised size (:func:`file_sizing_settings`).
    Not ``repartition(n, column)``: one partition (a load by ingestion date has one) would be one
    task, however large."""
    hint = f"REBALANCE({quote_identifier(column)})" if column else "REBALANCE"
    return f"SELECT /*+ {hint} */ * FROM ({sql}) etl_rebalanced"


def _is_data_file(key):
    name = key.rsplit("/", 1)[-1]
    return name.endswith(".parquet") and not name.startswith(("_", "."))


def partition_file_keys(staged_keys, staging_prefix, load_prefix, run_input_id):
    """Final keys of the partitioned files Spark staged: ``load/<ds>/dt=…/part-<id>-<n>.parquet``.

    Returns ``(staged key, final key)`` pairs, numbered per partition in a stable order.
    """
    by_partition = {}
    for key in sorted(k for k in staged_keys if _is_data_file(k)):
        relative = key[len(staging_prefix) :] if key.startswith(staging_prefix) else None
        if relative is None or "/" not in relative:
            continue
        partition = relative.split("/", 1)[0]
        if not partition.startswith(f"{PARTITION_COLUMN}="):
            continue
        by_partition.setdefault(partition, []).append(key)
    pairs = []
    for partition in sorted(by_partition):
        for n, key in enumerate(by_partition[partition]):
            pairs.append((key, f"{load_prefix}{partition}/part-{run_input_id}-{n}.parquet"))
    return pairs


def latest_file_keys(staged_keys, staging_prefix, version_prefix):
    """``(staged key, final key)`` pairs of a state version's files: ``<version>/part-<n>.parquet``."""
    files = sorted(k for k in staged_keys if k.startswith(staging_prefix) and _is_data_file(k))
    return [(key, f"{version_prefix}part-{n}.parquet") for n, key in enumerate(files)]


def table_file_keys(keys, load_prefix):
    """The data files of a dataset's table, ``load/<dataset>/dt=…/<file>.parquet``, sorted."""
    table = []
    for key in keys:
        parts = key[len(load_prefix) :].split("/") if key.startswith(load_prefix) else []
        if len(parts) == 2 and parts[0].startswith(f"{PARTITION_COLUMN}=") and _is_data_file(key):
            table.append(key)
    return sorted(table)


def stale_input_files(existing_keys, kept_keys, load_prefix, run_input_id):
    """Files this input wrote before, in any ``dt=`` partition, that the new run did not rewrite.

    Replace, never append: after the new files are in place these are deleted.
    """
    kept = set(kept_keys)
    stale = []
    for key in existing_keys:
        if not key.startswith(load_prefix) or key in kept:
            continue
        parts = key[len(load_prefix) :].split("/")
        if len(parts) == 2 and parts[0].startswith(f"{PARTITION_COLUMN}=") and parts[1].startswith(f"part-{run_input_id}-"):
            stale.append(key)
    return sorted(stale)
