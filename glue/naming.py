"""Keys and names of the bucket's layout, as core/naming.ts names them: the table, the staging
folder, the dataset's state and its versions, the run report, the plan."""

import hashlib
import re
from datetime import UTC, date, datetime

from errors import ConfigError

PARTITION_COLUMN = "dt"
LOAD_PREFIX = "load/"
# The dataset's long-lived records, where no lifecycle rule expires them (core's ``PREFIX.meta``).
META_PREFIX = f"{LOAD_PREFIX}_meta/"
REPORTS_PREFIX = "logs/glue-jobs/"


def input_id(input_key):
    """First 16 hex digits of the SHA-256 of the key: the output files of one input carry it."""
    return hashlib.sha256(input_key.encode("utf-8")).hexdigest()[:16]


def dataset_load_prefix(dataset):
    return f"{LOAD_PREFIX}{dataset}/"


def last_run_report_key(dataset):
    """The last successful run's report: ``load/_meta/<dataset>/last-success.json`` (core's ``lastRunReportKey``)."""
    return f"{META_PREFIX}{dataset}/last-success.json"


def legacy_last_run_report_key(dataset):
    """Where releases before the move to ``load/_meta/`` kept it, under the expiring ``logs/glue-jobs/``
    (core's ``legacyLastRunReportKey``): read only when the new key holds nothing, never written."""
    return f"{REPORTS_PREFIX}{dataset}/_last-success.json"


def rejects_key(dataset, execution_name):
    return f"{REPORTS_PREFIX}{dataset}/{execution_name}.rejects.csv"


def check_job_run_id(job_run_id):
    """The job run id, checked before it names folders (staging, state versions)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", job_run_id or ""):
        raise ConfigError(f"--JOB_RUN_ID must be a plain job run id, got {job_run_id!r}")
    return job_run_id


def staging_prefix(dataset, job_run_id):
    """The folder of one job run's staged files, outside every table: ``load/_staging/<dataset>/<job run>/``."""
    return f"{LOAD_PREFIX}_staging/{dataset}/{check_job_run_id(job_run_id)}/"


def latest_state_prefix(dataset):
    """The dataset's current state, outside its table: ``load/latest/<dataset>/`` (core's ``latestStatePrefix``)."""
    return f"{LOAD_PREFIX}latest/{dataset}/"


def latest_manifest_key(dataset):
    """The pointer to the state's current version, a symlink manifest (core's ``latestManifestKey``)."""
    return f"{latest_state_prefix(dataset)}_symlink_format_manifest/manifest"


def latest_versions_prefix(dataset):
    return f"{latest_state_prefix(dataset)}versions/"


def latest_version_prefix(dataset, version):
    """The folder of one version of the state (core's ``latestVersionPrefix``)."""
    return f"{latest_versions_prefix(dataset)}{version}/"


_VERSION_TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def latest_version_id(created_at, job_run_id, attempt=1):
    """``<UTC yyyymmddThhmmssZ>-<job run id>`` (core's ``latestVersionId``), ``-<attempt>`` from the 2nd attempt."""
    version = f"{created_at.astimezone(UTC).strftime(_VERSION_TIME_FORMAT)}-{check_job_run_id(job_run_id)}"
    return version if attempt == 1 else f"{version}-{attempt}"


_VERSION_CREATED_AT = re.compile(r"^(\d{8}T\d{6}Z)-")


def version_created_at(version):
    """When a version was created, from its id; ``None`` for a folder not named as a version
    (core's ``latestVersionCreatedAt``)."""
    found = _VERSION_CREATED_AT.match(version)
    return datetime.strptime(found.group(1), _VERSION_TIME_FORMAT).replace(tzinfo=UTC) if found else None


def latest_version_of(key):
    """The version a state file belongs to (``…/versions/<version>/part-0.parquet``), else ``None``
    (core's ``latestVersionOf``)."""
    found = re.search(r"/versions/([^/]+)/[^/]+$", key)
    return found.group(1) if found else None


def format_latest_manifest(bucket, keys):
    """The manifest's text: one ``s3://<bucket>/<key>`` per line (core's ``formatLatestManifest``)."""
    return "".join(f"s3://{bucket}/{key}\n" for key in keys)


def parse_latest_manifest(text):
    """The keys a manifest lists, ``s3://<bucket>/`` removed (core's ``parseLatestManifest``)."""
    return [re.sub(r"^s3://[^/]+/", "", line) for line in text.split("\n") if line.strip() != ""]


def plan_key(plans_prefix, dataset):
    return f"{plans_prefix}{dataset}.json"


def check_load_id(text):
    """The ``--load_id`` argument (16 hex digits, core/naming.ts), checked before it names files."""
    if not re.fullmatch(r"[0-9a-f]{16}", text or ""):
        raise ConfigError(f"--load_id must be 16 hex digits, got {text!r}")
    return text


def check_ingestion_date(text):
    """The ``--ingestion_date`` argument, checked before it is spliced into SQL."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise ConfigError(f"--ingestion_date must be YYYY-MM-DD, got {text!r}")
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"--ingestion_date is not a date: {text}") from exc
    return text


# How long a replaced version of the state stays after its replacement's creation (core's
# ``LATEST_VERSION_RETENTION_MS``): twice the Transform Task's timeout T (7,200 s; the replacing
# run publishes within T of its version's creation, a run that read the manifest just before
# reads the old version for at most T more) plus 60 minutes for queries.
LATEST_VERSION_RETENTION_SECONDS = (2 * 2 + 1) * 3600

_REPLACES_FILE = "_replaces"


def latest_replaces_key(dataset, version):
    """The file of a version naming the versions it replaced (core's ``latestReplacesKey``):
    ``load/latest/<dataset>/versions/<version>/_replaces``, written before the manifest."""
    return f"{latest_version_prefix(dataset, version)}{_REPLACES_FILE}"


def latest_manifest_versions(keys):
    """The versions a manifest's keys belong to, each once, in order (what a new version's ``_replaces`` names)."""
    return list(dict.fromkeys(v for v in (latest_version_of(key) for key in keys) if v is not None))


def format_latest_replaces(versions):
    """The text of a ``_replaces`` file: one version id per line, empty for none (core's ``formatLatestReplaces``)."""
    return "".join(f"{version}\n" for version in versions)


def parse_latest_replaces(text):
    """The version ids a ``_replaces`` file names (core's ``parseLatestReplaces``)."""
    return [line.strip() for line in text.split("\n") if line.strip() != ""]


def _younger_than_retention(version, now):
    created = version_created_at(version)
    return created is not None and (now - created).total_seconds() < LATEST_VERSION_RETENTION_SECONDS


def latest_versions_kept(current, replaces_of, now):
    """The versions a publication of ``current`` keeps by the chain of replacements: ``current``,
    and each version named in the ``_replaces`` of a kept version younger than the retention,
    walking back from ``current``. ``replaces_of(version)`` is the parsed ``_replaces`` of a
    version, ``None`` when it has none.

    Why that is enough: a version P replaced by S was replaced at most the Transform timeout after
    S was created; whoever read P before that (a run merging: at most one more Transform timeout;
    a query) is done within ``LATEST_VERSION_RETENTION_SECONDS`` of S's creation.
    """
    kept = {current}
    walk = [current]
    while walk:
        version = walk.pop()
        if not _younger_than_retention(version, now):
            continue
        for replaced in replaces_of(version) or []:
            if replaced not in kept:
                kept.add(replaced)
                walk.append(replaced)
    return kept


def latest_versions_to_delete(version_keys, current, replaces_of, now):
    """The files of state versions to delete after ``current`` was published (core's
    ``latestVersionsToDelete``): every file of a version folder, except those of the versions the
    chain keeps (:func:`latest_versions_kept`) and of versions younger than the retention (a
    concurrent run may be writing one). Keys in a folder not named as a version are not ours."""
    kept = latest_versions_kept(current, replaces_of, now)
    doomed = []
    for key in version_keys:
        version = latest_version_of(key)
        if version is None or version_created_at(version) is None or version in kept or _younger_than_retention(version, now):
            continue
        doomed.append(key)
    return sorted(doomed)


def latest_version_published(current_versions, version, replaces_of):
    """Whether ``version`` is the state the manifest names (``current_versions``), or was and a
    later run replaced it before this run could read the manifest back (its write's response was
    lost): it is in the chain of ``_replaces`` walked back from ``current_versions``. A version
    created before ``version`` cannot have replaced it, so the walk stops there."""
    created = version_created_at(version)
    seen = set()
    walk = list(current_versions)
    while walk:
        candidate = walk.pop()
        if candidate == version:
            return True
        if candidate in seen:
            continue
        seen.add(candidate)
        candidate_created = version_created_at(candidate)
        if created is None or candidate_created is None or candidate_created < created:
            continue
        walk.extend(replaces_of(candidate) or [])
    return False
