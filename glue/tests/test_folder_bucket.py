"""The local bucket folder's conditional write (job_context.FolderBucket), the protocol the
TypeScript folder bucket shares: MD5 hex tokens, ``<file>.lock`` created exclusively, a rename."""

import hashlib
import os
import threading
import time

from job_context import LOCK_STALE_SECONDS, FolderBucket
from naming import latest_manifest_key

KEY = latest_manifest_key("orders")


def test_the_token_is_the_md5_hex_of_the_bytes_and_a_stale_one_writes_nothing(tmp_path):
    # Prepare
    bucket = FolderBucket(tmp_path, "data-bucket")

    # Act
    absent = bucket.read_text_with_token(KEY)
    created = bucket.write_text_if(KEY, "s3://b/one\n", "text/plain", None)
    again = bucket.write_text_if(KEY, "s3://b/two\n", "text/plain", None)
    text, token = bucket.read_text_with_token(KEY)
    bucket.write_text(KEY, "s3://b/other\n", "text/plain")
    stale = bucket.write_text_if(KEY, "s3://b/three\n", "text/plain", token)
    fresh = bucket.write_text_if(KEY, "s3://b/four\n", "text/plain", hashlib.md5(b"s3://b/other\n").hexdigest())

    # Assess
    assert absent == (None, None)
    assert (created, again, stale, fresh) == (True, False, False, True)
    assert (text, token) == ("s3://b/one\n", hashlib.md5(b"s3://b/one\n").hexdigest())
    assert bucket.read_text(KEY) == "s3://b/four\n"
    assert sorted(p.name for p in (tmp_path / KEY).parent.iterdir()) == ["manifest"], "no lock or temporary file left"


def test_a_held_lock_makes_the_writer_wait_and_a_stale_one_is_broken(tmp_path):
    # Prepare: another writer holds the lock for 0.3 s
    bucket = FolderBucket(tmp_path, "data-bucket")
    lock = tmp_path / f"{KEY}.lock"
    lock.parent.mkdir(parents=True)
    lock.touch()
    threading.Timer(0.3, lock.unlink).start()

    # Act
    started = time.monotonic()
    waited = bucket.write_text_if(KEY, "one\n", "text/plain", None)
    elapsed = time.monotonic() - started
    lock.touch()  # a writer that died: its lock is older than LOCK_STALE_SECONDS
    old = time.time() - LOCK_STALE_SECONDS - 1
    os.utime(lock, (old, old))
    broken = bucket.write_text_if(KEY, "two\n", "text/plain", hashlib.md5(b"one\n").hexdigest())

    # Assess
    assert waited and elapsed >= 0.25
    assert broken and bucket.read_text(KEY) == "two\n" and not lock.exists()


def test_a_write_sent_again_after_it_went_through_is_a_win_and_another_text_is_not(tmp_path):
    # Prepare: the manifest written with a token; the same write sent again (as an SDK retries a
    # PUT whose response was lost), its token stale now
    bucket = FolderBucket(tmp_path, "data-bucket")
    bucket.write_text(KEY, "s3://b/before\n", "text/plain")
    _, token = bucket.read_text_with_token(KEY)
    first = bucket.write_text_if(KEY, "s3://b/mine\n", "text/plain", token)

    # Act
    again = bucket.write_text_if(KEY, "s3://b/mine\n", "text/plain", token)
    other = bucket.write_text_if(KEY, "s3://b/rival\n", "text/plain", token)

    # Assess
    assert (first, again, other) == (True, True, False)
    assert bucket.read_text(KEY) == "s3://b/mine\n"


def test_byte_ranges_of_a_key_or_of_a_kept_version_are_read_by_a_pickled_reader(tmp_path):
    # Prepare: the key, overwritten since the version the local runtime kept (folder-bucket.ts)
    import pickle

    from naming import input_id

    bucket = FolderBucket(tmp_path / "bucket", "data-bucket")
    bucket.write_text("extract/orders.csv", "now\n", "text/csv")
    kept = tmp_path / "versions" / input_id("extract/orders.csv") / "v1" / "bytes"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"0123456789")

    # Act
    reader = pickle.loads(pickle.dumps(bucket.range_reader("extract/orders.csv", "v1")))

    # Assess
    assert (reader.size, reader.read(2, 5), reader.read(8, 20), reader.read(10, 12)) == (10, b"234", b"89", b"")
    assert bucket.read_range("extract/orders.csv", 1, 3) == b"ow" and bucket.size("extract/orders.csv", "v1") == 10
    with reader.stream() as stream:
        assert stream.read() == b"0123456789"
