"""glue/output_files.py: the keys of the files a run publishes, named as the DuckDB transform names them."""

import unittest

from output_files import latest_file_keys, partition_file_keys, stale_input_files, table_file_keys


class OutputFilesTest(unittest.TestCase):
    ID = "3a97e1921584727e"

    def test_staged_partition_files_get_input_named_keys_numbered_per_partition(self):
        staging = "load/_staging/orders/id/"
        staged = [
            f"{staging}_SUCCESS",
            f"{staging}dt=2024-05-02/part-00001-abc.c000.snappy.parquet",
            f"{staging}dt=2024-05-01/part-00000-abc.c000.snappy.parquet",
            f"{staging}dt=2024-05-01/part-00001-abc.c000.snappy.parquet",
        ]
        self.assertEqual(
            [dest for _, dest in partition_file_keys(staged, staging, "load/orders/", self.ID)],
            [
                f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet",
                f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet",
                f"load/orders/dt=2024-05-02/part-{self.ID}-0.parquet",
            ],
        )

    def test_state_files_are_numbered_in_their_version(self):
        staging = "load/_staging/orders/id/latest/"
        staged = [f"{staging}part-2.snappy.parquet", f"{staging}_SUCCESS", f"{staging}part-1.snappy.parquet"]
        pairs = latest_file_keys(staged, staging, "load/latest/orders/versions/v/")
        self.assertEqual(
            pairs,
            [
                (f"{staging}part-1.snappy.parquet", "load/latest/orders/versions/v/part-0.parquet"),
                (f"{staging}part-2.snappy.parquet", "load/latest/orders/versions/v/part-1.parquet"),
            ],
        )

    def test_the_tables_files_are_its_partitions_parquet_files(self):
        keys = [
            "load/orders/dt=2024-05-02/part-b-0.parquet",
            "load/orders/dt=2024-05-01/part-a-0.parquet",
            "load/orders/dt=2024-05-01/_SUCCESS",
            "load/orders/dt=2024-05-01/.part-a-0.parquet.crc",
            "load/orders/other/part-a-0.parquet",
            "load/latest/orders/versions/v/part-0.parquet",
        ]
        self.assertEqual(table_file_keys(keys, "load/orders/"), ["load/orders/dt=2024-05-01/part-a-0.parquet", "load/orders/dt=2024-05-02/part-b-0.parquet"])

    def test_only_this_inputs_files_not_rewritten_are_stale(self):
        existing = [
            f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet",
            f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet",
            f"load/orders/dt=2024-04-30/part-{self.ID}-0.parquet",
            "load/orders/dt=2024-05-01/part-ffffffffffffffff-0.parquet",
            f"load/latest/orders/versions/v/part-{self.ID}-0.parquet",
        ]
        kept = [f"load/orders/dt=2024-05-01/part-{self.ID}-0.parquet"]
        self.assertEqual(
            stale_input_files(existing, kept, "load/orders/", self.ID),
            [f"load/orders/dt=2024-04-30/part-{self.ID}-0.parquet", f"load/orders/dt=2024-05-01/part-{self.ID}-1.parquet"],
        )
