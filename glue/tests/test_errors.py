"""glue/errors.py against core/errors.ts (test/unit/errors.test.ts checks the names): what a failed run reports."""

import unittest

from errors import QualityThresholdError, describe_error


class ErrorsTest(unittest.TestCase):
    def test_unexpected_errors_are_transform_errors(self):
        self.assertEqual(describe_error(ValueError("boom")), {"name": "TransformError", "message": "boom"})

    def test_error_classes_print_without_a_module_prefix(self):
        import traceback

        line = traceback.format_exception_only(QualityThresholdError, QualityThresholdError("x"))[-1]
        self.assertEqual(line, "QualityThresholdError: x\n")
