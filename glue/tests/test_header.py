"""glue/header.py against core/validation/header.ts: the header row read and matched."""

import unittest

from errors import HeaderMismatchError
from header import match_header, normalize_header, parse_header_record
from orders_plan import ORDERS_COLUMNS


class HeaderTest(unittest.TestCase):
    def test_first_record_honours_quotes_and_quoted_newlines(self):
        text = '"order_id","qu""an\ntity",notes\n1,2,3\n'
        self.assertEqual(parse_header_record(text), ["order_id", 'qu"an\ntity', "notes"])

    def test_empty_text_has_no_header(self):
        self.assertEqual(parse_header_record(""), [])

    def test_normalize_strips_bom_and_spaces(self):
        self.assertEqual(normalize_header(["\ufefforder_id ", " quantity"]), ["order_id", "quantity"])

    def test_header_in_another_order_without_optional_column_matches(self):
        self.assertEqual(match_header(["quantity", "order_id"], "orders", ORDERS_COLUMNS), ["quantity", "order_id"])

    def test_mismatch_lists_repeated_unknown_and_missing_like_core(self):
        with self.assertRaises(HeaderMismatchError) as caught:
            match_header(["order_id", "order_id", "extra"], "orders", ORDERS_COLUMNS)
        self.assertEqual(
            str(caught.exception),
            'header does not match dataset "orders" (repeated: order_id; unknown: "extra"; missing: quantity); expected order_id,quantity,notes',
        )

    def test_the_header_is_matched_with_each_columns_source(self):
        columns = [{**ORDERS_COLUMNS[0], "source": "Order ID"}, {**ORDERS_COLUMNS[1], "source": "Qty"}, ORDERS_COLUMNS[2]]
        self.assertEqual(match_header(["Qty", "Extra", "Order ID"], "orders", columns, "ignore"), ["quantity", None, "order_id"])
        with self.assertRaises(HeaderMismatchError) as caught:
            match_header(["order_id", "Qty", "Extra"], "orders", columns)
        self.assertEqual(
            str(caught.exception),
            'header does not match dataset "orders" (unknown: "order_id", "Extra"; missing: Order ID); expected Order ID,Qty,notes',
        )
