"""glue/'s modules import only downward, as core/ does: each may import those below it here, none
above, so a pure module never pulls in Spark, boto3 or the runner."""

import ast
import unittest
from pathlib import Path

GLUE = Path(__file__).resolve().parents[1]

# Bottom first. The pure twins of core/ (no Spark, no AWS), then the S3 calls, the Glue seam, the
# entry point and the local Spark engine's worker (which is not shipped).
LAYERS = [
    "errors",
    "value_rules",
    "naming",
    "quality",
    "plan",
    "header",
    "input_decoding",
    "csv_records",
    "rejects",
    "run_report",
    "output_files",
    "s3_bucket",
    "split_read",
    "job_context",
    "etl_runner",
    "local_worker",
]
PURE = LAYERS[: LAYERS.index("output_files") + 1]


def imported(module):
    """The top-level names of every module ``module`` imports, wherever in it."""
    tree = ast.parse((GLUE / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


class ModuleLayersTest(unittest.TestCase):
    def test_every_module_of_glue_has_its_layer(self):
        self.assertEqual(sorted(p.stem for p in GLUE.glob("*.py")), sorted(LAYERS))

    def test_each_module_imports_only_those_below_it(self):
        for rank, module in enumerate(LAYERS):
            with self.subTest(module=module):
                above = imported(module) & set(LAYERS[rank:])
                self.assertEqual(above, set(), f"{module} imports {sorted(above)}, which are not below it")

    def test_the_twins_of_core_import_neither_spark_nor_aws(self):
        for module in PURE:
            with self.subTest(module=module):
                self.assertEqual(imported(module) & {"pyspark", "awsglue", "boto3", "botocore"}, set())
