"""glue/input_decoding.py against core/input-decoding.ts: compression, encoding, lines above the header, Spark's reader options."""

import io
import unittest

from errors import TransformError
from header import parse_header_record
from input_decoding import SkippedLines, decode_head, inflate_head, is_gzip, skip_text_lines, spark_csv_options, text_encoding
from plan import DEFAULT_READ


class InputDecodingTest(unittest.TestCase):
    def test_spark_gets_one_escape_character(self):
        options = spark_csv_options(DEFAULT_READ, "UTF-8")
        self.assertEqual((options["sep"], options["quote"], options["escape"], options["header"], options["multiLine"]), (",", '"', '"', True, True))
        self.assertEqual(spark_csv_options({**DEFAULT_READ, "escapeChar": "\\", "doubleQuote": False}, "UTF-8")["escape"], "\\")
        self.assertEqual(spark_csv_options({**DEFAULT_READ, "doubleQuote": False}, "UTF-8")["escape"], "\u0000")

    def test_gzip_is_told_by_its_bytes_and_its_head_inflated(self):
        import gzip

        packed = gzip.compress(b"order_id,quantity\n" * 1000)
        self.assertTrue(is_gzip(packed) and not is_gzip(b"order_id"))
        self.assertTrue(inflate_head(packed[:200]).startswith(b"order_id,quantity\norder_id"))
        with self.assertRaises(TransformError):
            inflate_head(b"\x1f\x8bnot gzip at all")

    def test_the_encoding_and_its_byte_order_mark(self):
        self.assertEqual(text_encoding("utf-8", b"\xef\xbb\xbfa"), ("utf-8", "UTF-8", 3))
        self.assertEqual(text_encoding("iso-8859-1", b"a"), ("cp1252", "windows-1252", 0))
        self.assertEqual(text_encoding("utf-16", b"\xff\xfea\x00"), ("utf-16-le", "UTF-16LE", 2))
        self.assertEqual(text_encoding("utf-16", b"\xfe\xff\x00a"), ("utf-16-be", "UTF-16BE", 2))
        self.assertEqual(text_encoding("utf-16", b"a\x00"), ("utf-16-le", "UTF-16LE", 0), "no mark: little-endian")
        self.assertEqual(decode_head("x€\n".encode("utf-16-le")[:-1], "utf-16-le", 0), "x€", "a unit cut by the probe is left out")
        self.assertEqual(decode_head(b"\x80\x81", "cp1252", 0), "€\ufffd", "an undefined byte is U+FFFD, as Java reads it")

    def test_the_header_is_the_first_record_after_the_skipped_lines(self):
        text = skip_text_lines('Title "open\r\n\nOrder ID;"Qty";Notes\r\n1;2;3\r\n', 2)
        self.assertEqual(parse_header_record(text, {**DEFAULT_READ, "delimiter": ";"}), ["Order ID", "Qty", "Notes"])
        self.assertEqual(skip_text_lines("a\rb\nc\n", 1), "c\n", "a lone CR ends no line")
        self.assertEqual(skip_text_lines("a\n", 3), "")

    def skipped(self, data, lines, codec="utf-8", drop=0, chunk=None):
        source = io.BytesIO(data)
        if chunk:  # a stream that gives a few bytes at a time
            read = source.read
            source.read = lambda size=-1: read(min(chunk, size) if size and size > 0 else chunk)
        return SkippedLines(source, lines, codec, drop).read()

    def test_skipped_lines_are_streamed_whatever_the_chunks(self):
        data = b'Title "x\r\n\r\nid,qty\r\n1,2\r\n'
        for chunk in (None, 1, 2, 3):
            with self.subTest(chunk=chunk):
                self.assertEqual(self.skipped(data, 2, chunk=chunk), b"id,qty\r\n1,2\r\n")
                self.assertEqual(self.skipped(b"\xef\xbb\xbfid\n", 0, drop=3, chunk=chunk), b"id\n")
        self.assertEqual(self.skipped(b"one line, no end", 1), b"")
        self.assertEqual(self.skipped(data, 0), data)

    def test_skipped_lines_in_utf16_are_code_units(self):
        # U+0A0A is the bytes 0a 0a: not a line feed in UTF-16.
        text = "T\u0a0a\u0d0a\r\nid\nx€\n"
        for codec, bom in (("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")):
            for chunk in (None, 1, 3):
                with self.subTest(codec=codec, chunk=chunk):
                    self.assertEqual(self.skipped(bom + text.encode(codec), 1, codec, drop=2, chunk=chunk), "id\nx€\n".encode(codec))
