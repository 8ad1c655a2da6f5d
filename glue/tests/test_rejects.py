"""glue/rejects.py against core/rejects.ts: the reasons' wording, the file's spelling (as DuckDB's
COPY writes the local engines' rejects files) and the reject past which a file cannot be split."""

import unittest

from orders_plan import PATTERN_OF_3
from rejects import UNCLOSED_QUOTE_REASON, field_count_reason, record_split_failure, rejects_csv
from value_rules import SWALLOWED_RECORD_REASON


def reject(line, reason, record, unclosed=False):
    return {"line": line, "reject_reason": reason, "record": record, "unclosed": unclosed}


class RejectReasonsTest(unittest.TestCase):
    def test_a_record_of_another_number_of_fields_is_worded_as_core_words_it(self):
        # core/rejects.ts REJECT_REASONS.fieldCount and UNCLOSED_QUOTE_REASON, verbatim
        self.assertEqual(field_count_reason(2, 11), "record: 2 fields, expected 11")
        self.assertEqual(field_count_reason(1, 3), "record: 1 field, expected 3")
        self.assertEqual(UNCLOSED_QUOTE_REASON, "a quote opens a value that nothing closes (an unterminated quote)")


class RecordSplitFailureTest(unittest.TestCase):
    def test_a_quote_nothing_closes_is_where_the_file_stops_splitting(self):
        rejects = [reject(9, field_count_reason(2, 3), "a,b"), reject(3, UNCLOSED_QUOTE_REASON, '2,x,"never closed\n3,1,', unclosed=True)]
        self.assertEqual(record_split_failure(rejects, PATTERN_OF_3), {"line": 3, "reason": UNCLOSED_QUOTE_REASON})

    def test_raw_text_holding_a_whole_record_after_a_line_break_cannot_be_split(self):
        raw = reject(4, field_count_reason(5, 3), '3,1,"open\n4,1,"x"')
        self.assertEqual(record_split_failure([raw], PATTERN_OF_3), {"line": 4, "reason": f"the record {SWALLOWED_RECORD_REASON}"})

    def test_a_value_holding_swallowed_rows_keeps_its_reason(self):
        value = reject(7, f"notes {SWALLOWED_RECORD_REASON}", '{"notes":"a\\n4,1,x"}')
        self.assertEqual(record_split_failure([value, reject(2, "quantity: empty", "{}")], PATTERN_OF_3), {"line": 7, "reason": value["reject_reason"]})
        self.assertIsNone(record_split_failure([reject(2, "quantity: empty", "{}")], PATTERN_OF_3))


class RejectsFileTest(unittest.TestCase):
    def test_values_are_quoted_as_duckdb_quotes_them(self):
        # What DuckDB 1.5's COPY (FORMAT csv, HEADER, QUOTE '"', ESCAPE '"') writes for the same rows
        # (handlers/transform/duckdb-rejects.ts): a delimiter, quote, CR, LF or '#' quotes a value,
        # and so does the empty text; spaces, tabs and other delimiters do not.
        rows = [
            reject(4, "record: 2 fields, expected 3", "too,few"),
            reject(5, "quantity: not an integer", '{"order_id":"ORD-5","quantity":"x"}'),
            reject(6, "a\rb", "a\nb"),
            reject(7, "#tag", " lead\ttab;|"),
            reject(8, "r", ""),
        ]
        self.assertEqual(
            rejects_csv(rows),
            "line,reject_reason,record\n"
            '4,"record: 2 fields, expected 3","too,few"\n'
            '5,quantity: not an integer,"{""order_id"":""ORD-5"",""quantity"":""x""}"\n'
            '6,"a\rb","a\nb"\n'
            '7,"#tag", lead\ttab;|\n'
            '8,r,""\n',
        )
