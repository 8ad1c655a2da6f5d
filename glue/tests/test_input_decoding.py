"""glue/input_decoding.py against core/input-decoding.ts: compression, encoding, lines above the header, Spark's reader options."""

import unittest

from errors import TransformError
from header import parse_header_record
from input_decoding import decode_head, inflate_head, is_gzip, skip_text_lines, spark_csv_options, text_encoding
from plan import DEFAULT_READ


class InputDecodingTest(unittest.TestCase):
    def test_spark_gets_one_escape_character(self):
        # Each record is one string, its separator LF; the split read leaves the header out.
        options = spark_csv_options(DEFAULT_READ)
        self.assertEqual((options["sep"], options["quote"], options["escape"], options["header"], options["lineSep"]), (",", '"', '"', False, "\n"))
        self.assertEqual(spark_csv_options({**DEFAULT_READ, "escapeChar": "\\", "doubleQuote": False})["escape"], "\\")
        self.assertEqual(spark_csv_options({**DEFAULT_READ, "doubleQuote": False})["escape"], "\u0000")

    def test_gzip_is_told_by_its_bytes_and_its_head_inflated(self):
        import gzip

        packed = gzip.compress(b"order_id,quantity\n" * 1000)
        self.assertTrue(is_gzip(packed) and not is_gzip(b"order_id"))
        self.assertTrue(inflate_head(packed[:200]).startswith(b"order_id,quantity\norder_id"))
        with self.assertRaises(TransformError):
            inflate_head(b"\x1f\x8bnot gzip at all")

    def test_the_encoding_and_its_byte_order_mark(self):
        self.assertEqual(text_encoding("utf-8", b"\xef\xbb\xbfa"), ("utf-8", 3))
        self.assertEqual(text_encoding("iso-8859-1", b"a"), ("cp1252", 0))
        self.assertEqual(text_encoding("utf-16", b"\xff\xfea\x00"), ("utf-16-le", 2))
        self.assertEqual(text_encoding("utf-16", b"\xfe\xff\x00a"), ("utf-16-be", 2))
        self.assertEqual(text_encoding("utf-16", b"a\x00"), ("utf-16-le", 0), "no mark: little-endian")
        self.assertEqual(decode_head("x€\n".encode("utf-16-le")[:-1], "utf-16-le", 0), "x€", "a unit cut by the probe is left out")
        self.assertEqual(decode_head(b"\x80\x81", "cp1252", 0), "€\ufffd", "an undefined byte is U+FFFD, as Java reads it")

    def test_the_header_is_the_first_record_after_the_skipped_lines(self):
        text = skip_text_lines('Title "open\r\n\nOrder ID;"Qty";Notes\r\n1;2;3\r\n', 2)
        self.assertEqual(parse_header_record(text, {**DEFAULT_READ, "delimiter": ";"}), ["Order ID", "Qty", "Notes"])
        self.assertEqual(skip_text_lines("a\rb\nc\n", 1), "c\n", "a lone CR ends no line")
        self.assertEqual(skip_text_lines("a\n", 3), "")
