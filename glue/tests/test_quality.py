"""glue/quality.py against core/quality.ts: the thresholds a run's counts cross, worded alike."""

import unittest

from orders_plan import ORDERS_QUALITY
from quality import _percent, _to_fixed, evaluate_quality, quality_failures, quality_ratios


def counts(rows_in, malformed=0, exact=0, by_key=0, rows_out=None):
    out = rows_in - malformed - exact - by_key if rows_out is None else rows_out
    return {"rowsIn": rows_in, "malformedRows": malformed, "exactDuplicates": exact, "keyDuplicates": by_key, "rowsOut": out}


class QualityTest(unittest.TestCase):
    def test_fail_findings_come_first_with_core_wording(self):
        findings = evaluate_quality(counts(1000, malformed=150, exact=10, by_key=5), 400, ORDERS_QUALITY)
        # Expected values from core/quality.ts evaluateQuality() on the same input.
        self.assertEqual(
            findings,
            [
                {"check": "malformedRowRatio", "level": "fail", "message": "malformedRowRatio 15.0% > fail 10.0% (150 of 1000 rows malformed)"},
                {"check": "volumeChangeRatio", "level": "warn", "message": "volumeChangeRatio 108.7% > warn 50.0% (835 rows out against 400 in the previous run)"},
            ],
        )
        self.assertEqual(quality_failures(counts(1000, malformed=150), 400, ORDERS_QUALITY), [findings[0]["message"]])

    def test_one_row_is_worded_as_core_words_it(self):
        # Expected values from core/quality.ts evaluateQuality() on the same inputs: "1 duplicate row", "1 row out", "1 of 1 row".
        self.assertEqual(
            [f["message"] for f in evaluate_quality(counts(2, exact=1), 4, ORDERS_QUALITY)],
            [
                "duplicateRatio 50.0% > warn 10.0% (1 duplicate row removed of 2)",
                "volumeChangeRatio 75.0% > warn 50.0% (1 row out against 4 in the previous run)",
            ],
        )
        self.assertEqual(
            [f["message"] for f in evaluate_quality(counts(1, malformed=1), None, ORDERS_QUALITY)],
            [
                "malformedRowRatio 100.0% > fail 10.0% (1 of 1 row malformed)",
                "no row left after removing malformed rows and duplicates (1 read)",
            ],
        )

    def test_empty_after_dedupe_takes_the_configured_level(self):
        quality = {**ORDERS_QUALITY, "duplicateRatio": {"warn": 0.2}, "emptyAfterDedupe": "warn"}
        findings = evaluate_quality(counts(3, by_key=3), None, quality)
        self.assertEqual([f["check"] for f in findings], ["duplicateRatio", "emptyAfterDedupe"])
        self.assertEqual(findings[1]["message"], "no row left after removing malformed rows and duplicates (3 read)")
        self.assertEqual(quality_failures(counts(3, by_key=3), None, quality), [])

    def test_no_volume_check_without_a_previous_run(self):
        self.assertIsNone(quality_ratios(counts(10), None)["volumeChangeRatio"])
        self.assertIsNone(quality_ratios(counts(10), 0)["volumeChangeRatio"])

    def test_percent_rounds_like_javascript_to_fixed(self):
        # (0.125).toFixed(2) === '0.13' in JavaScript; Python's format() would give '0.12'.
        self.assertEqual(_to_fixed(0.125, 2), "0.13")
        self.assertEqual(_to_fixed(1.005, 2), "1.00")
        self.assertEqual(_percent(0.00015), "0.015%")
        self.assertEqual(_percent(0.5), "50.0%")
