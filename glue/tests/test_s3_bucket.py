"""The runner's S3 calls (s3_bucket.S3Bucket) against moto's S3 server on 127.0.0.1 — a real S3
HTTP API — and, where S3 must answer an error moto cannot produce, botocore's Stubber."""

import gzip
import io
import json
import pickle
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore
import botocore.session
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from errors import LatestStateConflictError, TransformError
from input_decoding import is_gzip
from naming import latest_manifest_key, latest_replaces_key, latest_version_id, latest_versions_prefix, parse_latest_manifest
from s3_bucket import S3Bucket

KEYS = ["extract/plain.csv", "extract/with space.csv", "extract/a+b.csv", "extract/100%.csv", "extract/#1.csv", "extract/[1].csv", "extract/ünï/東京.csv"]


@pytest.fixture(scope="module")
def endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture()
def s3(endpoint, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1")
    return client


@pytest.fixture()
def bucket(s3):
    name = f"etl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return S3Bucket(s3, name)


@pytest.mark.parametrize("key", KEYS)
def test_keys_with_special_characters_read_copy_list_delete(bucket, key):
    # Prepare
    bucket.s3.put_object(Bucket=bucket.name, Key=key, Body=b"order_id,qty\n1,2\n")

    # Act
    whole, head = bucket.read_text(key), bucket.read_text(key, first_bytes=8)
    bucket.copy(key, "load/copy.csv")
    listed = bucket.keys("extract/")
    bucket.delete([key, "load/copy.csv"])

    # Assess
    assert (whole, head) == ("order_id,qty\n1,2\n", "order_id")
    assert key in listed
    assert bucket.read_text(key) is None and bucket.read_text("load/copy.csv") is None


def test_the_version_named_is_the_one_read_and_copied_after_an_overwrite(bucket):
    # Prepare: the event named version 1; the key was overwritten since
    first = bucket.s3.put_object(Bucket=bucket.name, Key="extract/orders.csv", Body=b"version one\n")["VersionId"]
    bucket.s3.put_object(Bucket=bucket.name, Key="extract/orders.csv", Body=b"version two\n")

    # Act
    read = bucket.read_text("extract/orders.csv", version_id=first)
    bucket.copy("extract/orders.csv", "load/_staging/orders/jr_1/input/input.csv", first)

    # Assess
    assert read == "version one\n"
    assert bucket.read_text("load/_staging/orders/jr_1/input/input.csv") == "version one\n"
    assert bucket.read_text("extract/orders.csv") == "version two\n"


def test_missing_keys_and_versions_read_as_none_and_an_empty_object_as_empty(bucket):
    # Prepare
    bucket.s3.put_object(Bucket=bucket.name, Key="extract/empty.csv", Body=b"")

    # Act + Assess
    assert bucket.read_text("extract/none.csv") is None
    assert bucket.read_text("extract/none.csv", version_id="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY") is None
    assert bucket.read_text("extract/empty.csv", first_bytes=1024) == ""


def test_listing_pages_past_1000_keys_and_deleting_in_batches(bucket):
    # Prepare
    keys = [f"load/_staging/orders/jr_1/output/part-{n:05d}.parquet" for n in range(1005)]
    for key in keys:
        bucket.s3.put_object(Bucket=bucket.name, Key=key, Body=b"x")

    # Act
    listed = bucket.keys("load/_staging/orders/jr_1/")
    bucket.delete(listed)

    # Assess
    assert sorted(listed) == keys
    assert bucket.keys("load/_staging/orders/jr_1/") == []


def test_a_key_s3_refuses_to_delete_fails_the_run(s3):
    # Prepare: S3 answers 200 with per-key errors (moto never does: injected)
    bucket = S3Bucket(s3, "data")
    stub = Stubber(s3)
    stub.add_response("delete_objects", {"Errors": [{"Key": "load/orders/dt=2026-11-24/part-x-0.parquet", "Code": "AccessDenied", "Message": "Access Denied"}]})

    # Act + Assess
    with stub, pytest.raises(TransformError, match="could not delete 1 object.*AccessDenied"):
        bucket.delete(["load/orders/dt=2026-11-24/part-x-0.parquet"])


def test_a_text_written_is_read_back_and_downloaded_byte_for_byte(bucket, tmp_path):
    # Prepare: a rejects file's text, with CRLF inside a quoted value and non-ASCII
    text = 'line,reject_reason,record\n7,"a, b","x\r\ny ü"\n'

    # Act
    bucket.write_text("logs/glue-jobs/orders/e.rejects.csv", text, "text/csv")
    bucket.download("logs/glue-jobs/orders/e.rejects.csv", tmp_path / "copy.csv")

    # Assess
    head = bucket.s3.head_object(Bucket=bucket.name, Key="logs/glue-jobs/orders/e.rejects.csv")
    assert head["ContentType"] == "text/csv"
    assert (tmp_path / "copy.csv").read_bytes() == text.encode("utf-8")


def put_statuses(client):
    """The HTTP status of each PutObject the client makes, in order."""
    statuses = []
    client.meta.events.register("after-call.s3.PutObject", lambda http_response, **_: statuses.append(http_response.status_code))
    return statuses


def test_a_conditional_write_with_a_stale_token_gets_412_and_writes_nothing(bucket):
    # Prepare
    statuses = put_statuses(bucket.s3)
    key = latest_manifest_key("orders")

    # Act
    created = bucket.write_text_if(key, "s3://b/one\n", "text/plain", None)
    text, token = bucket.read_text_with_token(key)
    again = bucket.write_text_if(key, "s3://b/two\n", "text/plain", None)
    bucket.write_text(key, "s3://b/other\n", "text/plain")  # another writer: the token is stale now
    stale = bucket.write_text_if(key, "s3://b/three\n", "text/plain", token)
    _, current = bucket.read_text_with_token(key)
    fresh = bucket.write_text_if(key, "s3://b/four\n", "text/plain", current)

    # Assess: If-None-Match * and If-Match both held by S3; a plain PUT between carried no header
    assert (text, created, again, stale, fresh) == ("s3://b/one\n", True, False, False, True)
    assert statuses == [200, 412, 200, 412, 200]
    assert bucket.read_text(key) == "s3://b/four\n"
    assert bucket.read_text_with_token("load/latest/none/_symlink_format_manifest/manifest") == (None, None)


def lose_the_first_response(client, key):
    """Lets the first PutObject of ``key`` reach S3 and then fails it as a connection reset, so
    botocore sends it again (a response lost on the way back); returns the statuses S3 gave it."""
    sent = []

    def send_then_reset(request, **_):
        if not sent and request.url.split("?", 1)[0].endswith(f"/{key}"):
            sent.append(client._endpoint.http_session.send(request).status_code)
            raise ConnectionClosedError(endpoint_url=request.url)
        return None

    client.meta.events.register("before-send.s3.PutObject", send_then_reset)
    return sent


@pytest.mark.parametrize("replacing", [False, True], ids=["if-none-match", "if-match"])
def test_a_conditional_write_whose_response_was_lost_is_a_win(bucket, replacing):
    # Prepare: the manifest absent (If-None-Match *) or holding a state (If-Match its ETag)
    key = latest_manifest_key("orders")
    token = None
    if replacing:
        bucket.write_text(key, "s3://b/before\n", "text/plain")
        _, token = bucket.read_text_with_token(key)
    statuses = put_statuses(bucket.s3)
    sent = lose_the_first_response(bucket.s3, key)

    # Act
    won = bucket.write_text_if(key, "s3://b/mine\n", "text/plain", token)

    # Assess: the first PUT went through, botocore's retry of it got a 412 for this very write,
    # and the write counts as done
    assert sent == [200]
    assert statuses == [412]
    assert won is True
    assert bucket.read_text(key) == "s3://b/mine\n"


def test_a_conflict_in_flight_is_tried_again_and_a_failed_condition_read_back(s3):
    # Prepare: S3 answers 409 (another conditional write of the key in flight; moto never does:
    # injected), then 412 on the next try; the object then holds this write's text
    bucket = S3Bucket(s3, "data")
    stub = Stubber(s3)
    stub.add_client_error("put_object", service_error_code="ConditionalRequestConflict", http_status_code=409)
    stub.add_client_error("put_object", service_error_code="PreconditionFailed", http_status_code=412)
    stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"s3://b/mine\n"), 12)})
    stub.add_client_error("put_object", service_error_code="PreconditionFailed", http_status_code=412)
    stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"s3://b/rival\n"), 13)})

    # Act + Assess: the first write is this one's; the second lost to a rival
    with stub:
        assert bucket.write_text_if("m", "s3://b/mine\n", "text/plain", None) is True
        assert bucket.write_text_if("m", "s3://b/mine\n", "text/plain", None) is False
        stub.assert_no_pending_responses()


def publishing_run(bucket, job_run_id="jr_a"):
    """A run whose dt= file is written; its plan has no latestSql, so publishing needs no Spark."""
    from etl_runner import TransformRun

    run = TransformRun(None, bucket, {"dataset": "orders", "load_id": "00000000000000aa", "JOB_RUN_ID": job_run_id})
    run.counted = {"rowsOut": 3}
    written = ["load/orders/dt=2026-11-24/part-00000000000000aa-0.parquet"]
    bucket.s3.put_object(Bucket=bucket.name, Key=written[0], Body=b"parquet bytes")
    return run, written


def test_a_publication_that_loses_the_race_retries_and_cleans_up(bucket):
    # Prepare: a current state, an abandoned version (old) and one being written (young)
    versions = latest_versions_prefix("orders")
    young = latest_version_id(datetime.now(UTC) - timedelta(minutes=10), "jr_busy")
    for version in ("20200101T000000Z-jr_prev", "20200101T000000Z-jr_dead", young):
        bucket.s3.put_object(Bucket=bucket.name, Key=f"{versions}{version}/part-0.parquet", Body=b"x")
    manifest = latest_manifest_key("orders")
    bucket.write_text(manifest, f"s3://{bucket.name}/{versions}20200101T000000Z-jr_prev/part-0.parquet\n", "text/plain")
    run, written = publishing_run(bucket)
    statuses = put_statuses(bucket.s3)
    real_read = bucket.read_text_with_token
    reads = []

    def read_then_a_rival_publishes(key):
        answer = real_read(key)
        if not reads:  # a rival run replaces the manifest right after this run's first read
            rival = f"{versions}{latest_version_id(datetime.now(UTC), 'jr_rival')}/part-0.parquet"
            bucket.s3.put_object(Bucket=bucket.name, Key=rival, Body=b"x")
            bucket.write_text(key, f"s3://{bucket.name}/{rival}\n", "text/plain")
        reads.append(answer)
        return answer

    bucket.read_text_with_token = read_then_a_rival_publishes

    # Act
    files, rows = run.publish_latest_state({"latestSql": None}, written)

    # Assess: a 412, then a second attempt (its version id says so) that won
    assert 412 in statuses and statuses[-1] == 200
    assert len(reads) == 2 and rows == 3
    assert len(files) == 1 and files[0].startswith(versions) and files[0].endswith("-jr_a-2/part-0.parquet")
    assert parse_latest_manifest(bucket.read_text(manifest)) == files
    left = {key[len(versions) :].split("/")[0] for key in bucket.keys(versions)}
    # kept: the new version, the one it replaced (the rival's), the young one; gone: the first
    # attempt's files, and the old versions no kept version names as replaced
    rival = parse_latest_manifest(reads[1][0])[0].split("/")[4]
    assert left == {files[0].split("/")[4], rival, young}
    assert bucket.read_text(latest_replaces_key("orders", files[0].split("/")[4])) == f"{rival}\n"


def test_a_publication_whose_manifest_response_was_lost_is_published_and_kept(bucket):
    # Prepare: a state published 5 hours ago; this run's manifest PUT goes through, its response
    # is lost, botocore retries it and S3 refuses the retry (412) for this run's own write
    versions = latest_versions_prefix("orders")
    before = latest_version_id(datetime.now(UTC) - timedelta(hours=5), "jr_before")
    bucket.s3.put_object(Bucket=bucket.name, Key=f"{versions}{before}/part-0.parquet", Body=b"x")
    manifest = latest_manifest_key("orders")
    bucket.write_text(manifest, f"s3://{bucket.name}/{versions}{before}/part-0.parquet\n", "text/plain")
    run, written = publishing_run(bucket)
    sent = lose_the_first_response(bucket.s3, manifest)

    # Act
    files, rows = run.publish_latest_state({"latestSql": None}, written)

    # Assess: a win on the first attempt; the manifest names its files, which exist
    assert sent == [200] and rows == 3
    version = files[0].split("/")[4]
    assert version.endswith("-jr_a")
    assert parse_latest_manifest(bucket.read_text(manifest)) == files
    assert all(bucket.read_text(key) == "parquet bytes" for key in files)
    assert bucket.read_text(latest_replaces_key("orders", version)) == f"{before}\n"

    # Act: the next run publishes over it
    following, _ = publishing_run(bucket, "jr_b")
    following_files, _ = following.publish_latest_state({"latestSql": None}, written)

    # Assess: it replaced this run's version and keeps it (and the one before, while young)
    assert parse_latest_manifest(bucket.read_text(manifest)) == following_files
    assert bucket.read_text(latest_replaces_key("orders", following_files[0].split("/")[4])) == f"{version}\n"
    assert all(bucket.read_text(key) == "parquet bytes" for key in files)
    assert {key[len(versions) :].split("/")[0] for key in bucket.keys(versions)} == {following_files[0].split("/")[4], version, before}


def test_a_publication_that_always_loses_is_a_named_error_and_leaves_no_files(bucket):
    # Prepare: a rival publishes between every read and write
    run, written = publishing_run(bucket)
    versions = latest_versions_prefix("orders")
    real_read = bucket.read_text_with_token

    def read_then_a_rival_publishes(key):
        answer = real_read(key)
        bucket.write_text(key, f"s3://{bucket.name}/elsewhere/{uuid.uuid4().hex}\n", "text/plain")
        return answer

    bucket.read_text_with_token = read_then_a_rival_publishes

    # Act + Assess
    with pytest.raises(LatestStateConflictError, match="changed during each of 5 attempts"):
        run.publish_latest_state({"latestSql": None}, written)
    assert bucket.keys(versions) == []


def test_conditional_writes_work_with_a_botocore_that_predates_if_match(endpoint, s3, tmp_path):
    # Prepare: a client built from an S3 model without PutObject's IfMatch / IfNoneMatch (as a
    # botocore before late 2024 has, which Glue 5.0 may ship)
    source = Path(botocore.__file__).parent / "data" / "s3" / "2006-03-01"
    model = json.loads(gzip.decompress((source / "service-2.json.gz").read_bytes()))
    for member in ("IfMatch", "IfNoneMatch"):
        model["shapes"]["PutObjectRequest"]["members"].pop(member, None)
    target = tmp_path / "models" / "s3" / "2006-03-01"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    for extra in source.iterdir():
        if extra.name != "service-2.json.gz":
            (target / extra.name).write_bytes(extra.read_bytes())
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(tmp_path / "models"))
    old = boto3.Session(botocore_session=session).client("s3", endpoint_url=endpoint, region_name="eu-west-1")
    assert "IfMatch" not in old.meta.service_model.operation_model("PutObject").input_shape.members
    name = f"etl-{uuid.uuid4().hex[:16]}"
    old.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    bucket = S3Bucket(old, name)

    # Act
    created = bucket.write_text_if("m", "one\n", "text/plain", None)
    again = bucket.write_text_if("m", "two\n", "text/plain", None)
    _, token = bucket.read_text_with_token("m")
    bucket.write_text("m", "rival\n", "text/plain")
    stale = bucket.write_text_if("m", "three\n", "text/plain", token)

    # Assess
    assert (created, again, stale) == (True, False, False)
    assert bucket.read_text("m") == "rival\n"


def test_a_version_is_read_raw_in_byte_ranges_by_a_pickled_reader_and_as_a_stream(bucket):
    # Prepare: a gzip input, overwritten since the event named its version
    body = b"Title\r\n\r\norder_id;qty\r\n" + b"ORD-1;2\r\n" * 200_000
    packed = gzip.compress(body)
    first = bucket.s3.put_object(Bucket=bucket.name, Key="extract/orders.csv", Body=packed)["VersionId"]
    bucket.s3.put_object(Bucket=bucket.name, Key="extract/orders.csv", Body=b"another\n")

    # Act: as the split read's tasks read it (a reader pickled to them, its own client there)
    head = bucket.read_bytes("extract/orders.csv", 2, first)
    reader = pickle.loads(pickle.dumps(bucket.range_reader("extract/orders.csv", first)))
    ranges = [reader.read(start, start + 100_000) for start in range(0, reader.size, 100_000)]
    with reader.stream() as stream:
        inflated = gzip.GzipFile(fileobj=stream, mode="rb").read()
    bucket.upload_stream("load/_staging/input.csv", io.BytesIO(inflated))

    # Assess
    assert is_gzip(head) and bucket.read_bytes("absent.csv") is None
    assert reader.size == len(packed) and b"".join(ranges) == packed
    assert (reader.read(reader.size, reader.size + 10), bucket.read_range("extract/orders.csv", 3, 9, first)) == (b"", packed[3:9])
    assert bucket.read_range("extract/orders.csv", 0, 100) == b"another\n"
    assert bucket.read_bytes("load/_staging/input.csv") == body


def test_copies_run_several_at_once_and_a_failed_one_fails_the_call_after_the_others(bucket):
    # Prepare: ten files to copy, one of them missing; each copy waits until four are in flight
    pairs = [(f"load/_staging/orders/jr_1/output/dt=2026-11-24/part-{n}.parquet", f"load/orders/dt=2026-11-24/part-x-{n}.parquet") for n in range(10)]
    for source, _ in pairs[1:]:
        bucket.s3.put_object(Bucket=bucket.name, Key=source, Body=source.encode())
    real_copy = bucket.copy
    four_in_flight = threading.Barrier(4, timeout=30)

    def copy_once_four_run(source, destination, version_id=None):
        if source in (pairs[1][0], pairs[2][0], pairs[3][0], pairs[4][0]):
            four_in_flight.wait()  # breaks (and the call fails) unless four copies run at once
        return real_copy(source, destination, version_id)

    bucket.copy = copy_once_four_run

    # Act
    with pytest.raises(ClientError) as raised:
        bucket.copy_many(pairs)

    # Assess: the missing one failed the call; every other copy was made
    assert raised.value.response["Error"]["Code"] in ("404", "NoSuchKey")
    assert all(bucket.read_text(destination) == source for source, destination in pairs[1:])
    assert bucket.read_text(pairs[0][1]) is None


def test_a_purge_removes_every_version_and_delete_marker_under_the_prefix_and_nothing_else(bucket):
    # Prepare: in the versioned bucket, a run's staged input (written twice), a staged file
    # already deleted (its delete marker), and a table file beside them
    staging = "load/_staging/orders/jr_1/"
    for body in (b"one", b"two"):
        bucket.s3.put_object(Bucket=bucket.name, Key=f"{staging}input/input.csv", Body=body)
    bucket.s3.put_object(Bucket=bucket.name, Key=f"{staging}output/part-0.parquet", Body=b"x")
    bucket.delete([f"{staging}output/part-0.parquet"])
    bucket.s3.put_object(Bucket=bucket.name, Key="load/orders/dt=2026-11-24/part-x-0.parquet", Body=b"kept")
    bucket.s3.put_object(Bucket=bucket.name, Key="load/_staging/orders/jr_10/input/input.csv", Body=b"another run's")

    # Act
    bucket.purge(staging)

    # Assess: no version and no delete marker left under the prefix (a plain delete keeps the
    # bytes as a noncurrent version); the rest untouched
    left = bucket.s3.list_object_versions(Bucket=bucket.name, Prefix="load/")
    keys = sorted(v["Key"] for v in left.get("Versions", []) + left.get("DeleteMarkers", []))
    assert keys == ["load/_staging/orders/jr_10/input/input.csv", "load/orders/dt=2026-11-24/part-x-0.parquet"]


def test_a_purge_refused_the_versions_still_deletes_the_keys_and_says_so(s3):
    # Prepare: a role without s3:ListBucketVersions (moto grants everything: injected)
    bucket = S3Bucket(s3, "data")
    stub = Stubber(s3)
    stub.add_client_error("list_object_versions", service_error_code="AccessDenied", http_status_code=403)
    stub.add_response("list_objects_v2", {"Contents": [{"Key": "load/_staging/orders/jr_1/input/input.csv"}], "IsTruncated": False})
    stub.add_response("delete_objects", {}, {"Bucket": "data", "Delete": {"Objects": [{"Key": "load/_staging/orders/jr_1/input/input.csv"}], "Quiet": True}})

    # Act + Assess: the keys deleted as a plain delete would, and the refusal raised
    with stub, pytest.raises(ClientError, match="AccessDenied"):
        bucket.purge("load/_staging/orders/jr_1/")
    stub.assert_no_pending_responses()
