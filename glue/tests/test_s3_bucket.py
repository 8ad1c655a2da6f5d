"""The runner's S3 calls (s3_bucket.S3Bucket) against moto's S3 server on 127.0.0.1 — a real S3
HTTP API — and, where S3 must answer an error moto cannot produce, botocore's Stubber."""

import uuid

import boto3
import etl_helpers as h
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer
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
    bucket.copy("extract/orders.csv", "load/orders/_staging/jr_1/input/input.csv", first)

    # Assess
    assert read == "version one\n"
    assert bucket.read_text("load/orders/_staging/jr_1/input/input.csv") == "version one\n"
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
    keys = [f"load/orders/_staging/jr_1/output/part-{n:05d}.parquet" for n in range(1005)]
    for key in keys:
        bucket.s3.put_object(Bucket=bucket.name, Key=key, Body=b"x")

    # Act
    listed = bucket.keys("load/orders/_staging/jr_1/")
    bucket.delete(listed)

    # Assess
    assert sorted(listed) == keys
    assert bucket.keys("load/orders/_staging/jr_1/") == []


def test_a_key_s3_refuses_to_delete_fails_the_run(s3):
    # Prepare: S3 answers 200 with per-key errors (moto never does: injected)
    bucket = S3Bucket(s3, "data")
    stub = Stubber(s3)
    stub.add_response("delete_objects", {"Errors": [{"Key": "load/orders/dt=2026-11-24/part-x-0.parquet", "Code": "AccessDenied", "Message": "Access Denied"}]})

    # Act + Assess
    with stub, pytest.raises(h.TransformError, match="could not delete 1 object.*AccessDenied"):
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
