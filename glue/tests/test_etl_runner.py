"""The runner's orchestration with Spark, Glue and S3 faked (stdlib unittest only).

The SQL itself runs only on Glue; what is checked here is the order of things around it: the
plan and the header are checked first, a crossed ``fail`` threshold writes nothing under load/,
a rerun replaces the input's files (in every partition) and refreshes latest/, and every run
leaves a report behind.
"""

import json
import os
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


def _stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules.setdefault(name, module)


# Only what etl_runner imports; nothing of these runs in the tests below.
_stub("boto3", client=lambda *_: None)
_stub("botocore")
_stub("botocore.exceptions", ClientError=ClientError)
_stub("awsglue")
_stub("awsglue.context", GlueContext=object)
_stub("awsglue.job", Job=object)
_stub("awsglue.utils", getResolvedOptions=lambda *_: {})
_stub("pyspark", StorageLevel=types.SimpleNamespace(MEMORY_AND_DISK="MEMORY_AND_DISK"))
_stub("pyspark.context", SparkContext=object)
_stub("pyspark.sql")
_stub("pyspark.sql.types", StringType=lambda: "string", StructField=lambda name, *_: name, StructType=list)

import etl_helpers as h  # noqa: E402
import etl_runner  # noqa: E402

sys.modules["botocore.exceptions"].ClientError = ClientError
etl_runner.ClientError = ClientError
etl_runner.log = lambda *_, **__: None

BUCKET = "data"
ARGS = {
    "bucket": BUCKET,
    "input_key": "extract/orders.csv",
    "dataset": "orders",
    "execution_name": "orders-2",
    "ingestion_date": "2024-05-02",
    "report_key": "logs/glue-jobs/orders/orders-2.json",
    "plans_prefix": "scripts/plans/",
}
ID = h.input_id(ARGS["input_key"])
PLAN = {
    "formatVersion": 1,
    "dataset": "orders",
    "dialect": "spark",
    "columns": [{"name": "order_id", "sqlType": "STRING", "required": True}, {"name": "qty", "sqlType": "INT", "required": True}],
    "steps": [{"name": "etl_typed", "sql": "TYPED", "materialize": True}, {"name": "etl_clean", "sql": "CLEAN", "materialize": False}],
    "metricsSql": "METRICS",
    "rejectsSql": "REJECTS",
    "outputSql": "OUTPUT",
    "partitionColumn": "dt",
    "quality": {"malformedRowRatio": {"fail": 0.1}, "duplicateRatio": {}, "volumeChangeRatio": {}, "emptyAfterDedupe": "fail"},
}


class FakeS3:
    """An in-memory bucket behind the boto3 calls the runner makes."""

    def __init__(self, objects):
        self.objects = dict(objects)
        self.exceptions = types.SimpleNamespace()

    def get_object(self, Bucket, Key, Range=None):
        if Key not in self.objects:
            raise ClientError("NoSuchKey")
        body = self.objects[Key]
        return {"Body": types.SimpleNamespace(read=lambda: body[:1024 * 1024] if Range else body)}

    def put_object(self, Bucket, Key, Body, ContentType=None):
        self.objects[Key] = Body

    def get_paginator(self, _name):
        objects = self.objects

        class Paginator:
            def paginate(self, Bucket, Prefix):
                return [{"Contents": [{"Key": k} for k in sorted(objects) if k.startswith(Prefix)]}]

        return Paginator()

    def copy(self, source, bucket, key):
        self.objects[key] = self.objects[source["Key"]]

    def delete_objects(self, Bucket, Delete):
        for entry in Delete["Objects"]:
            self.objects.pop(entry["Key"], None)


class FakeFrame:
    """Records writes as objects of the fake bucket; `files` maps a written URL suffix to bodies."""

    def __init__(self, s3, rows=None, files=None, count=0):
        self.s3, self.rows, self.files, self._count = s3, rows or [], files or {}, count

    def persist(self, *_):
        return self

    def unpersist(self):
        return self

    def createOrReplaceTempView(self, _name):
        pass

    def filter(self, _cond):
        return FakeFrame(self.s3, count=self._count)

    def count(self):
        return self._count

    def __getitem__(self, _name):
        return types.SimpleNamespace(isNotNull=lambda: None)

    def collect(self):
        return [types.SimpleNamespace(asDict=lambda row=row: row) for row in self.rows]

    def coalesce(self, _n):
        return self

    def drop(self, _column):
        return FakeFrame(self.s3, files={"latest": self.files.get("latest", [])})

    @property
    def write(self):
        frame = self

        class Writer:
            def mode(self, _m):
                return self

            def option(self, *_):
                return self

            def partitionBy(self, *_):
                self.partitioned = True
                return self

            def _write(self, url, kind):
                prefix = url.split(f"s3://{BUCKET}/", 1)[1]
                frame.s3.objects[f"{prefix}_SUCCESS"] = b""
                for relative in frame.files.get(kind, []):
                    frame.s3.objects[f"{prefix}{relative}"] = b"parquet"

            def parquet(self, url):
                self._write(url, "partitioned" if getattr(self, "partitioned", False) else "latest")

            def csv(self, url):
                self._write(url, "csv")

        return Writer()


class FakeSpark:
    def __init__(self, s3, metrics, structural=0, partitions=("dt=2024-05-02",)):
        self.s3, self.metrics, self.structural = s3, metrics, structural
        self.partitions = partitions
        self.statements = []
        spark = self

        class Reader:
            def schema(self, schema):
                spark.schema = schema
                return self

            def option(self, *_):
                return self

            def csv(self, url):
                spark.read_url = url
                return FakeFrame(s3, count=spark.structural)

        self.read = Reader()

    def sql(self, statement):
        self.statements.append(statement)
        if statement == "METRICS":
            return FakeFrame(self.s3, rows=[self.metrics])
        if statement == "OUTPUT":
            files = {
                "partitioned": [f"{p}/part-0000{i}-x.c000.snappy.parquet" for p in self.partitions for i in range(1)],
                "latest": ["part-00000-x.c000.snappy.parquet"],
            }
            return FakeFrame(self.s3, files=files)
        if "UNION ALL" in statement:
            return FakeFrame(self.s3, files={"csv": ["part-00000-r.csv"]})
        return FakeFrame(self.s3)


def bucket_with(csv_text, extra=None):
    objects = {"scripts/plans/orders.json": json.dumps(PLAN).encode(), ARGS["input_key"]: csv_text.encode()}
    objects.update(extra or {})
    return FakeS3(objects)


GOOD_METRICS = {"rows_typed": 10, "malformed_rows": 0, "clean_rows": 10, "distinct_rows": 10, "output_rows": 10}


class TransformRunTest(unittest.TestCase):
    def run_transform(self, s3, spark):
        return etl_runner.TransformRun(spark, etl_runner.Bucket(s3, BUCKET), ARGS).run()

    def test_reads_the_file_with_its_header_order_and_the_corrupt_record_column(self):
        s3 = bucket_with("qty,order_id\n1,a\n")
        spark = FakeSpark(s3, GOOD_METRICS)
        self.run_transform(s3, spark)
        self.assertEqual(spark.schema, ["qty", "order_id", h.CORRUPT_RECORD_COLUMN])
        self.assertEqual(spark.read_url, f"s3://{BUCKET}/load/orders/_staging/{ID}-input/input.csv")
        self.assertNotIn(f"load/orders/_staging/{ID}-input/input.csv", s3.objects)
        self.assertIn("SELECT DATE'2024-05-02' AS ingestion_date", spark.statements)
        order = [spark.statements.index(s) for s in ("TYPED", "CLEAN", "METRICS", "OUTPUT")]
        self.assertEqual(order, sorted(order))

    def test_a_rerun_replaces_the_inputs_files_in_every_partition_and_refreshes_latest(self):
        earlier = {
            f"load/orders/dt=2024-05-01/part-{ID}-0.parquet": b"old",
            f"load/orders/dt=2024-05-02/part-{ID}-0.parquet": b"old",
            f"load/orders/dt=2024-05-02/part-{ID}-1.parquet": b"old",
            "load/orders/dt=2024-05-02/part-ffffffffffffffff-0.parquet": b"other input",
            "load/orders/latest/part-ffffffffffffffff-0.parquet": b"other input",
        }
        s3 = bucket_with("order_id,qty\na,1\n", earlier)
        outcome = self.run_transform(s3, FakeSpark(s3, GOOD_METRICS))
        load = sorted(k for k in s3.objects if k.startswith("load/"))
        self.assertEqual(
            load,
            [
                f"load/orders/dt=2024-05-02/part-{ID}-0.parquet",
                "load/orders/dt=2024-05-02/part-ffffffffffffffff-0.parquet",
                f"load/orders/latest/part-{ID}-0.parquet",
            ],
        )
        self.assertEqual(s3.objects[f"load/orders/dt=2024-05-02/part-{ID}-0.parquet"], b"parquet")
        self.assertEqual(outcome["outputFiles"], [f"load/orders/dt=2024-05-02/part-{ID}-0.parquet"])
        self.assertEqual((outcome["status"], outcome["rowsOut"], outcome["rejectsKey"]), ("SUCCEEDED", 10, None))

    def test_a_crossed_fail_threshold_writes_rejects_but_nothing_under_load(self):
        s3 = bucket_with("order_id,qty\na,x\n")
        metrics = {"rows_typed": 10, "malformed_rows": 5, "clean_rows": 5, "distinct_rows": 5, "output_rows": 5}
        run = etl_runner.TransformRun(FakeSpark(s3, metrics, structural=1), etl_runner.Bucket(s3, BUCKET), ARGS)
        with self.assertRaises(h.QualityThresholdError) as caught:
            run.run()
        self.assertIn("malformedRowRatio 54.5% > fail 10.0% (6 of 11 rows malformed)", str(caught.exception))
        self.assertEqual([k for k in s3.objects if k.startswith("load/")], [])
        self.assertIn("logs/glue-jobs/orders/orders-2.rejects.csv", s3.objects)
        self.assertEqual([k for k in s3.objects if "_staging" in k], [])
        self.assertEqual((run.counted["rowsIn"], run.counted["rejectsKey"]), (11, "logs/glue-jobs/orders/orders-2.rejects.csv"))

    def test_a_key_with_glob_characters_is_read_through_a_plain_copy(self):
        args = {**ARGS, "input_key": "extract/orders[1]*{a,b}?.csv"}
        s3 = FakeS3({"scripts/plans/orders.json": json.dumps(PLAN).encode(), args["input_key"]: b"order_id,qty\na,1\n"})
        spark = FakeSpark(s3, GOOD_METRICS)
        etl_runner.TransformRun(spark, etl_runner.Bucket(s3, BUCKET), args).run()
        self.assertNotRegex(spark.read_url, r"[\[\]*?{}]")
        self.assertEqual([k for k in s3.objects if "_staging" in k], [])

    def test_a_header_that_does_not_match_fails_before_spark_reads(self):
        s3 = bucket_with("order_id,amount\na,1\n")
        spark = FakeSpark(s3, GOOD_METRICS)
        with self.assertRaises(h.HeaderMismatchError):
            self.run_transform(s3, spark)
        self.assertFalse(hasattr(spark, "read_url"))

    def test_a_dataset_without_a_deployed_plan_is_a_config_error(self):
        s3 = bucket_with("order_id,qty\n")
        del s3.objects["scripts/plans/orders.json"]
        with self.assertRaises(h.ConfigError):
            self.run_transform(s3, FakeSpark(s3, GOOD_METRICS))

    def test_previous_success_feeds_the_volume_check(self):
        last = {**h.empty_counts(), "formatVersion": 1, "status": "SUCCEEDED", "engine": "duckdb", "dataset": "orders", "inputKey": "k",
                "executionName": "orders-1", "jobRunId": "j", "ingestionDate": "2024-05-01", "startedAt": "s", "finishedAt": "f",
                "durationMs": 1, "rowsOut": 4, "outputPrefix": "load/orders/", "latestPrefix": "load/orders/latest/", "outputFiles": [],
                "rejectsKey": None, "previousRun": None, "qualityFailures": [], "error": None}
        s3 = bucket_with("order_id,qty\na,1\n", {h.last_run_report_key("orders"): json.dumps(last).encode()})
        outcome = self.run_transform(s3, FakeSpark(s3, GOOD_METRICS))
        self.assertEqual(outcome["previousRun"], {"executionName": "orders-1", "rowsOut": 4})


class BucketTest(unittest.TestCase):
    def test_missing_keys_read_as_none_and_empty_objects_as_empty_text(self):
        class EmptyRange(FakeS3):
            def get_object(self, Bucket, Key, Range=None):
                if Key == "empty" and Range:
                    raise ClientError("InvalidRange")
                return super().get_object(Bucket, Key, Range)

        bucket = etl_runner.Bucket(EmptyRange({"empty": b""}), BUCKET)
        self.assertIsNone(bucket.read_text("missing"))
        self.assertEqual(bucket.read_text("empty", 1024), "")


if __name__ == "__main__":
    unittest.main()
