"""The one seam between the runner and AWS Glue's own jars.

``GlueJobContext`` is what runs on AWS Glue: ``GlueContext`` and ``Job.init`` (which need Glue's
JVM classes), Spark reading the bucket through EMRFS (``s3://``), and the runner's own S3 calls
through boto3 (``job_bucket``). Locally the same runner runs on PySpark with one of two contexts:

- ``LocalJobContext`` (the local Spark engine, ``local_worker.py``): a local SparkSession and the
  local bucket folder (``file://``);
- ``S3JobContext`` (``local_worker.py --s3``, glue/tests/test_runner_s3a.py): the bucket behind an
  S3 API (moto's server on 127.0.0.1), built by ``job_bucket`` as on Glue, Spark reaching it
  through Hadoop's S3A connector (``s3a://``; the session started with its jars and settings).

Everything else — arguments, plan, CSV read, typing, dedupe, rejects, quality, publish, report —
is ``etl_runner.py``, the same code on all three. Only ``GlueContext``, ``Job`` and EMRFS are
never run off Glue.

Why the local engine keeps a folder: the local pipeline's bucket is a folder that every other
step (the handlers, the console, DuckDB) reads and writes; a loopback S3 server would hold a
second copy of it, and ``s3a://`` needs hadoop-aws plus a ~280 MB AWS SDK bundle on the JVM.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path

from naming import input_id

# How Spark names the bucket's objects off Glue: Hadoop's S3A connector (Glue's EMRFS is s3://,
# S3Bucket's default).
S3A_SCHEME = "s3a"


class GlueJobContext:
    """AWS Glue: the job's Spark session from a GlueContext, the job initialised, S3 by boto3.

    No ``Job.commit``: the job runs with bookmarks disabled (it reads the input version the event
    named, not what a bookmark says is new), and a commit after the state's publication could
    only fail a run whose rows and state are already in place.
    """

    def __init__(self, args):
        # Glue's own jars: importable only on a Glue worker (awsglue.context loads JVM classes).
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue_context = GlueContext(SparkContext.getOrCreate())
        self.spark = glue_context.spark_session
        # Initialised as Glue expects of a job (harmless with bookmarks disabled), before any write.
        Job(glue_context).init(args["JOB_NAME"], args)
        self.bucket = job_bucket(args)


def job_bucket(args, **options):
    """The job's bucket (``--bucket``) through boto3's default client: on Glue the job role's
    credentials and the worker's region; elsewhere what the environment names (in the tests
    ``AWS_ENDPOINT_URL_S3``, moto's server, and fake keys). ``options``: S3Bucket's (``scheme``)."""
    import boto3

    from s3_bucket import S3Bucket

    return S3Bucket(boto3.client("s3"), args["bucket"], **options)


class S3JobContext:
    """Local Spark over an S3 API: the bucket ``job_bucket`` builds on Glue, read by Spark through
    ``s3a://``. ``spark`` must have been started with the S3A jars and settings
    (``local_worker.s3a_settings``); ``args`` are the job's resolved arguments."""

    def __init__(self, spark, args):
        self.spark = spark.newSession()
        self.bucket = job_bucket(args, scheme=S3A_SCHEME)


class LocalJobContext:
    """Local Spark: a session of the worker's SparkSession, the bucket folder ``bucket_dir``."""

    def __init__(self, spark, bucket_dir, bucket_name):
        # A session of its own per job run: temp views and settings do not leak between runs.
        self.spark = spark.newSession()
        self.bucket = FolderBucket(bucket_dir, bucket_name)


# A lock file older than this was left by a writer that died (a conditional write takes ms).
LOCK_STALE_SECONDS = 30
_LOCK_POLL_SECONDS = 0.02


class FolderBucket:
    """``S3Bucket``'s operations on the local bucket folder (keys are relative paths in it).

    Conditional writes (the state manifest's) use the protocol of the TypeScript folder bucket
    (local/runtime/folder-bucket.ts), so both engines can share one local root: the token is the
    MD5 hex of the file's bytes; the writer holds ``<file>.lock`` (created with O_EXCL, broken
    when older than 30 s), compares, and replaces the file by a rename.
    """

    def __init__(self, directory, name):
        self.dir = Path(directory).resolve()
        self.name = name
        # The local runtime keeps each version an execution reads (local/runtime/folder-bucket.ts).
        self.versions = self.dir.parent / "versions"

    def _version(self, key, version_id):
        """The kept copy of one version of ``key``, else the key's file."""
        if version_id:
            kept = self.versions / input_id(key) / re.sub(r"[^0-9A-Za-z._-]", "_", version_id) / "bytes"
            if kept.is_file():
                return kept
        return self._path(key)

    def _path(self, key):
        path = (self.dir / key).resolve()
        if self.dir not in path.parents:
            raise ValueError(f"object key {key!r} escapes the bucket")
        return path

    def read_text(self, key, first_bytes=None, version_id=None):
        body = self.read_bytes(key, first_bytes, version_id)
        return None if body is None else body.decode("utf-8", errors="replace")

    def read_bytes(self, key, first_bytes=None, version_id=None):
        path = self._version(key, version_id)
        if not path.is_file():
            return None
        with open(path, "rb") as source:
            return source.read(first_bytes) if first_bytes else source.read()

    def open_stream(self, key, version_id=None):
        return open(self._version(key, version_id), "rb")

    def size(self, key, version_id=None):
        return self._version(key, version_id).stat().st_size

    def read_range(self, key, start, end, version_id=None):
        """Bytes ``[start, end)`` of the file (fewer past its end)."""
        return FileRangeReader(self._version(key, version_id)).read(start, end)

    def range_reader(self, key, version_id=None):
        """A reader of the file's byte ranges for Spark's tasks (``S3Bucket.range_reader``'s twin)."""
        return FileRangeReader(self._version(key, version_id))

    def upload_stream(self, key, stream):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with open(temporary, "wb") as target:
            shutil.copyfileobj(stream, target)
        os.replace(temporary, path)

    def read_text_with_token(self, key):
        """The file's text and the MD5 hex of its bytes, ``(None, None)`` when absent."""
        body = self._bytes(self._path(key))
        if body is None:
            return None, None
        return body.decode("utf-8", errors="replace"), hashlib.md5(body).hexdigest()

    def write_text_if(self, key, text, _content_type, token):
        """Writes the file only if its bytes still have the MD5 ``token`` (``None``: only if absent);
        ``True`` when the file holds ``text`` by this write, ``False`` when another writer came
        first. As ``S3Bucket.write_text_if``: a file already holding exactly ``text`` (a write of
        this attempt that went through before) is a success."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        with self._locked(path):
            body = self._bytes(path)
            current = None if body is None else hashlib.md5(body).hexdigest()
            if current != token:
                return body == data
            temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
        return True

    @staticmethod
    def _bytes(path):
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def _locked(self, path):
        lock = path.with_name(f"{path.name}.lock")
        while True:
            try:
                os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
                break
            except FileExistsError:
                try:
                    if time.time() - lock.stat().st_mtime > LOCK_STALE_SECONDS:
                        lock.unlink(missing_ok=True)
                        continue
                except FileNotFoundError:
                    continue
                time.sleep(_LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)

    def write_json(self, key, document):
        self.write_text(key, json.dumps(document, indent=2) + "\n", "application/json")

    def write_text(self, key, text, _content_type):
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # one per writer: runs overlap
        temporary.write_text(text, encoding="utf-8", newline="")
        os.replace(temporary, path)  # whole or not at all, as an S3 PUT

    def download(self, key, destination):
        shutil.copyfile(self._path(key), destination)

    def keys(self, prefix):
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        base = self._path(folder) if folder else self.dir
        if not base.exists():
            return []
        found = []
        for root, _dirs, files in os.walk(base):
            for name in files:
                key = Path(root, name).relative_to(self.dir).as_posix()
                if key.startswith(prefix):
                    found.append(key)
        return sorted(found)

    def copy(self, source, destination, version_id=None):
        target = self._path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._version(source, version_id), target)

    def copy_many(self, pairs):
        """``S3Bucket.copy_many``: one after another here (one local disk)."""
        for source, destination in pairs:
            self.copy(source, destination)

    def purge(self, prefix):
        """``S3Bucket.purge``: a folder keeps no versions (the local runtime's kept input
        versions are under ``versions/``, outside the bucket), so the keys' files go."""
        self.delete(self.keys(prefix))

    def delete(self, keys):
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            # S3 has no folders: drop the ones left empty, up to the bucket.
            parent = path.parent
            while parent != self.dir and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def url(self, key):
        # Not Path.as_uri(): Hadoop does not decode its escapes (dt%3D… is not the dt= folder).
        return f"file://{self._path(key).as_posix()}"


class FileRangeReader:
    """Byte ranges of one local file: ``size``, ``read(start, end)`` and ``stream()``."""

    def __init__(self, path):
        self.path = str(path)
        self.size = os.path.getsize(self.path)

    def read(self, start, end):
        if end <= start:
            return b""
        with open(self.path, "rb") as source:
            source.seek(start)
            return source.read(end - start)

    def stream(self):
        return open(self.path, "rb")
