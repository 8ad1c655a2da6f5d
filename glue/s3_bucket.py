"""The runner's S3 operations on one bucket (boto3): what the job does on AWS Glue.

The local Spark engine swaps this for ``job_context.FolderBucket``; both offer the same methods.
"""

import contextlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from errors import TransformError

# S3 DeleteObjects takes at most 1,000 keys per request.
_DELETE_BATCH = 1000
# Copies in flight at once (each server-side: its time is S3's, not the driver's).
COPY_THREADS = 8
# What S3 answers a conditional write whose condition failed (412), or, for If-Match, whose key
# is gone meanwhile (404).
_FAILED_CONDITION_CODES = ("PreconditionFailed", "412", "NoSuchKey", "404")
# What S3 answers while another conditional write of the key is in flight (409): try again.
_CONFLICT_CODES = ("ConditionalRequestConflict", "409")
CONFLICT_RETRIES = 4
_CONFLICT_BACKOFF_SECONDS = 0.1


class S3Bucket:
    """The few S3 operations the runner needs, on one bucket."""

    def __init__(self, client, name, scheme="s3"):
        self.s3 = client
        self.name = name
        # How Spark names the bucket's objects: s3:// is EMRFS on Glue; elsewhere Hadoop's S3A
        # connector reads s3a:// (job_context.S3JobContext).
        self.scheme = scheme
        # Conditional PUTs send their header from an event hook rather than PutObject's IfMatch /
        # IfNoneMatch parameters: Glue's own botocore may predate them (added late 2024), and an
        # unknown parameter fails validation. The header is per thread, so it rides only on the
        # one call that set it (and its retries).
        self._conditions = threading.local()
        client.meta.events.register("before-sign.s3.PutObject", self._add_condition_header, unique_id=f"etl-conditional-put-{id(self)}")

    def _add_condition_header(self, request, **_):
        header = getattr(self._conditions, "header", None)
        if header is not None:
            request.headers[header[0]] = header[1]

    def read_text(self, key, first_bytes=None, version_id=None):
        """The object's text (or its first bytes), ``None`` when there is no such key."""
        body = self.read_bytes(key, first_bytes, version_id)
        return None if body is None else body.decode("utf-8", errors="replace")

    def read_bytes(self, key, first_bytes=None, version_id=None):
        """The object's bytes (or its first bytes), ``None`` when there is no such key."""
        extra = {"Range": f"bytes=0-{first_bytes - 1}"} if first_bytes else {}
        if version_id:
            extra["VersionId"] = version_id
        try:
            return self.s3.get_object(Bucket=self.name, Key=key, **extra)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("NoSuchKey", "404", "NoSuchVersion"):
                return None
            if code == "InvalidRange":  # a ranged read of an empty object
                return b""
            raise

    def size(self, key, version_id=None):
        """The object's size in bytes."""
        extra = {"VersionId": version_id} if version_id else {}
        return self.s3.head_object(Bucket=self.name, Key=key, **extra)["ContentLength"]

    def read_range(self, key, start, end, version_id=None):
        """Bytes ``[start, end)`` of the object (fewer past its end); one ranged GET."""
        return _ranged_get(self.s3, self.name, key, start, end, version_id)

    def range_reader(self, key, version_id=None):
        """A reader of the object's byte ranges for Spark's tasks (picklable; each task process
        makes its own S3 client, at this client's endpoint and region)."""
        endpoint = self.s3.meta.endpoint_url
        # The regional AWS endpoint is what a client finds by itself; another one (a local S3) is named.
        endpoint = None if endpoint and endpoint.rstrip("/").endswith(".amazonaws.com") else endpoint
        return S3RangeReader(self.name, key, version_id, self.size(key, version_id), endpoint, self.s3.meta.region_name)

    def open_stream(self, key, version_id=None):
        """The object's bytes as a stream (a context manager), read as it is consumed."""
        extra = {"VersionId": version_id} if version_id else {}
        return contextlib.closing(self.s3.get_object(Bucket=self.name, Key=key, **extra)["Body"])

    def upload_stream(self, key, stream):
        """Writes the object from a binary stream (managed: multipart, parts read as they go)."""
        self.s3.upload_fileobj(stream, self.name, key)

    def read_text_with_token(self, key):
        """The object's text and its ETag (the token of :meth:`write_text_if`), ``(None, None)`` when absent."""
        try:
            answer = self.s3.get_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise
        return answer["Body"].read().decode("utf-8", errors="replace"), answer["ETag"]

    def write_text_if(self, key, text, content_type, token):
        """Writes the object only if it is still what ``token`` says (``If-Match`` its ETag; with
        ``None``, ``If-None-Match: *``: only if absent). ``True`` when the object holds ``text``
        by this write, ``False`` when another writer came first.

        botocore retries a PUT whose response was lost (a connection reset), and S3 then refuses
        the retry for this very write: 412, or 409 while it is still in flight. So a 409 is tried
        again (it ends in 200 or 412), and after a failed condition the object is read back:
        holding exactly ``text`` (which names this attempt's own version files) is a success.
        """
        for conflict in range(CONFLICT_RETRIES + 1):
            self._conditions.header = ("If-None-Match", "*") if token is None else ("If-Match", token)
            try:
                self.write_text(key, text, content_type)
                return True
            except ClientError as exc:
                error = exc.response.get("Error", {}).get("Code")
                status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode"))
                if error in _CONFLICT_CODES or status == "409":
                    if conflict < CONFLICT_RETRIES:
                        time.sleep(_CONFLICT_BACKOFF_SECONDS * 2**conflict)
                        continue
                elif error not in _FAILED_CONDITION_CODES and status != "412":
                    raise
            finally:
                self._conditions.header = None
            break
        return self.read_text(key) == text

    def write_json(self, key, document):
        self.write_text(key, json.dumps(document, indent=2) + "\n", "application/json")

    def write_text(self, key, text, content_type):
        self.s3.put_object(Bucket=self.name, Key=key, Body=text.encode("utf-8"), ContentType=content_type)

    def download(self, key, destination):
        """Copies the object to a local file (the driver's disk)."""
        self.s3.download_file(self.name, key, str(destination))

    def keys(self, prefix):
        paginator = self.s3.get_paginator("list_objects_v2")
        return [o["Key"] for page in paginator.paginate(Bucket=self.name, Prefix=prefix) for o in page.get("Contents", [])]

    def copy(self, source, destination, version_id=None):
        """Copies an object (the given version of it); managed, so multipart above 8 MB (> 5 GB too)."""
        copy_source = {"Bucket": self.name, "Key": source}
        if version_id:
            copy_source["VersionId"] = version_id
        self.s3.copy(copy_source, self.name, destination)

    def copy_many(self, pairs):
        """Copies each ``(source, destination)`` pair, several at once; returns once every copy
        has ended, raising the first failure (after the others ended: none is left in flight)."""
        pairs = list(pairs)
        if not pairs:
            return
        with ThreadPoolExecutor(max_workers=min(COPY_THREADS, len(pairs)), thread_name_prefix="etl-copy") as pool:
            futures = [pool.submit(self.copy, source, destination) for source, destination in pairs]
        for future in futures:
            future.result()

    def delete(self, keys):
        """Deletes the keys; a key S3 could not delete fails the run (nothing is left silently).
        In a versioned bucket the bytes stay, as a noncurrent version (see :meth:`purge`)."""
        self._delete_objects([{"Key": key} for key in keys])

    def purge(self, prefix):
        """Deletes every version of every key under ``prefix``, and their delete markers: what a
        run staged is worth nothing after it, and a plain delete would keep its bytes (a staged
        copy of a 20 GB input, 20 GB) as a noncurrent version for the bucket's lifecycle rule.
        Needs s3:ListBucketVersions and s3:DeleteObjectVersion; refused either, it still deletes
        the keys (as :meth:`delete`), then raises."""
        try:
            paginator = self.s3.get_paginator("list_object_versions")
            versions = [
                {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                for page in paginator.paginate(Bucket=self.name, Prefix=prefix)
                for entry in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            self._delete_objects(versions)
        except (ClientError, TransformError):
            self.delete(self.keys(prefix))
            raise

    def _delete_objects(self, objects):
        for start in range(0, len(objects), _DELETE_BATCH):
            batch = objects[start : start + _DELETE_BATCH]
            answer = self.s3.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise TransformError(
                    f"could not delete {len(errors)} object(s) from s3://{self.name}/, first {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )

    def url(self, key):
        return f"{self.scheme}://{self.name}/{key}"


def _ranged_get(client, bucket, key, start, end, version_id):
    if end <= start:
        return b""
    extra = {"VersionId": version_id} if version_id else {}
    try:
        return client.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end - 1}", **extra)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidRange":  # at or past the object's end
            return b""
        raise


class S3RangeReader:
    """Byte ranges of one object version (``S3Bucket.range_reader``), read where it is unpickled:
    ``size``, ``read(start, end)`` and ``stream()`` (the whole object, as it is consumed)."""

    def __init__(self, bucket, key, version_id, size, endpoint_url=None, region_name=None):
        self.bucket, self.key, self.version_id, self.size = bucket, key, version_id, size
        self.endpoint_url, self.region_name = endpoint_url, region_name
        self._client = None

    def __getstate__(self):
        return {**self.__dict__, "_client": None}

    def _s3(self):
        if self._client is None:
            import boto3  # in the task's process: clients are not shared across processes

            self._client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region_name)
        return self._client

    def read(self, start, end):
        return _ranged_get(self._s3(), self.bucket, self.key, start, end, self.version_id)

    def stream(self):
        extra = {"VersionId": self.version_id} if self.version_id else {}
        return self._s3().get_object(Bucket=self.bucket, Key=self.key, **extra)["Body"]
