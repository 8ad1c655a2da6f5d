"""glue/rejects.py against core/rejects.ts: the rejects file and the lines of its rows."""

import io
import unittest

from orders_plan import PATTERN_OF_3
from plan import DEFAULT_READ
from rejects import STRUCTURAL_REJECT_REASON, UNCLOSED_QUOTE_REASON, number_rejects, raw_record_fields, record_split_failure, reject_row, rejects_csv
from value_rules import SWALLOWED_RECORD_REASON


class RejectLinesTest(unittest.TestCase):
    """The same file and lines as test/unit/rejects.test.ts: the two runners number alike."""

    """The same file and lines as test/unit/rejects.test.ts: the two runners number alike."""
    TEXT = 'id,qty,notes\n1,1,"two\nlines"\n\n2,x,\n3,1,"three\r\nlines\nhere"\n4,,\n4,,\ntoo,few\n5,1,\n6,y,'

    def numbered(self, text, rejects):
        return [r["line"] for r in number_rejects(io.StringIO(text, newline=""), rejects)]

    def test_each_reject_gets_the_line_its_record_starts_on(self):
        rejects = [reject_row("r", "{}", fields) for fields in (["6", "y", ""], ["4", "", ""], ["2", "x", None], ["4", "", None], ["too", "few"])]
        self.assertEqual(self.numbered(self.TEXT, rejects), [5, 9, 10, 11, 13])

    def test_a_quote_nothing_closes_gets_the_line_where_it_opened(self):
        fields, unclosed = raw_record_fields('2,x,"never closed\n3,1,\n')
        rejects = [reject_row(STRUCTURAL_REJECT_REASON, "raw", fields, unclosed)]
        self.assertTrue(unclosed)
        self.assertEqual(self.numbered('id,qty,notes\n1,1,\n2,x,"never closed\n3,1,\n', rejects), [3])
        self.assertEqual(record_split_failure(rejects, PATTERN_OF_3), {"line": 3, "reason": UNCLOSED_QUOTE_REASON})

    def test_raw_text_holding_a_whole_record_after_a_line_break_cannot_be_split(self):
        raw = {"line": 4, "reject_reason": STRUCTURAL_REJECT_REASON, "record": '3,1,"open\n4,1,"x"'}
        self.assertEqual(record_split_failure([raw], PATTERN_OF_3), {"line": 4, "reason": f"the record {SWALLOWED_RECORD_REASON}"})

    def test_the_rejects_file_has_its_columns_and_an_empty_line_when_unknown(self):
        text = rejects_csv([{"line": None, "reject_reason": "a, b", "record": '{"x":"1"}', "fields": []}])
        self.assertEqual(text, 'line,reject_reason,record\n,"a, b","{""x"":""1""}"\n')


class DialectLinesTest(unittest.TestCase):
    """Rejects numbered in the plan's dialect, with lines above the header and without a header."""

    def test_rejects_are_numbered_as_lines_of_the_original_file(self):
        read = {**DEFAULT_READ, "delimiter": ";", "skipRows": 2}
        text = 'Title "open\n\nid;extra;qty\n1;a;"x\ny"\n2;b;bad\n'
        rejects = [reject_row("r", "{}", ["2", "bad"])]
        numbered = number_rejects(io.StringIO(text, newline=""), rejects, read, positions=[0, 2])
        self.assertEqual([r["line"] for r in numbered], [6])
        # The staged copy, written without the two lines: the same line.
        rejects = [reject_row("r", "{}", ["2", "bad"])]
        numbered = number_rejects(io.StringIO(text.split("\n", 2)[2], newline=""), rejects, read, positions=[0, 2], first_line=3)
        self.assertEqual([r["line"] for r in numbered], [6])

    def test_without_a_header_the_first_record_is_data(self):
        read = {**DEFAULT_READ, "header": False}
        rejects = [reject_row("r", "{}", ["1", "x"])]
        numbered = number_rejects(io.StringIO("\ufeff1,x\n2,3\n", newline=""), rejects, read)
        self.assertEqual([r["line"] for r in numbered], [1])

    def test_raw_records_are_split_in_the_dialect(self):
        read = {**DEFAULT_READ, "delimiter": "|", "quoteChar": "'"}
        self.assertEqual(raw_record_fields("a|'b|c'|d|e", read, positions=[0, 1, 3]), (["a", "b|c", "e"], False))
        self.assertEqual(raw_record_fields("a|'open", read), (["a", "open"], True))
