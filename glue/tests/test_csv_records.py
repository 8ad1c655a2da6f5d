"""glue/csv_records.py, without Spark: the records and lines of a file, and the same records and
lines from its byte ranges, whatever the cuts (quoted line breaks, doubled quotes, escapes, CR LF
and stray quotes across them). test_split_read_spark.py holds the reading to Spark's own."""

import random
import unittest

from csv_records import Dialect, Layout, blocks, line_separator, plan_tasks, range_cuts, records, skip_lines, stream_blocks, summarize_range, task_records
from plan import DEFAULT_READ


def _read_of(data):
    return lambda start, end: data[start:end]


def read_whole(data, read=DEFAULT_READ, codec="utf-8", start=0, line=1):
    """``(line, fields, open, text)`` of every record, from one sequential read."""
    layout, dialect = Layout(codec), Dialect(read)
    mode = line_separator(layout.units(data[start:]), layout)
    return list(records(blocks(_read_of(data), start, len(data), layout), 0, start, len(data), line, dialect, mode, layout))


def read_in_ranges(data, split, read=DEFAULT_READ, codec="utf-8", start=0, line=1, block_bytes=None):
    """The same from ranges of about ``split`` bytes: pass 1, the driver's sums, pass 2 (what
    split_read distributes over Spark's tasks, run one after the other)."""
    layout, dialect = Layout(codec), Dialect(read)
    mode = line_separator(layout.units(data[start:]), layout)
    cuts = range_cuts(start, len(data), split, layout.unit, 10_000)
    summaries = [summarize_range(k, cuts, _read_of(data), dialect, mode, layout) for k in range(len(cuts) - 1)]
    tasks = plan_tasks(summaries, len(data), line)
    found = [record for task in tasks for record in task_records(task, _read_of(data), None, dialect, mode, layout)]
    return found, len(tasks)


class LinesTest(unittest.TestCase):
    # The file of the differential case "rejects after blank lines and multi-line values".
    TEXT = 'id,qty,notes\n1,1,"two\nlines"\n\n2,x,\n3,1,"three\r\nlines\nhere"\n4,,\n4,,\ntoo,few\n5,1,\n6,y,\n'

    def test_each_record_gets_the_line_it_starts_on_blank_lines_and_quoted_breaks_counted(self):
        found = read_whole(self.TEXT.encode())
        starts = [(1, "id"), (2, "1"), (5, "2"), (6, "3"), (9, "4"), (10, "4"), (11, "too"), (12, "5"), (13, "6")]
        self.assertEqual([(line, text.split(",")[0]) for line, _, _, text in found], starts)
        self.assertEqual([fields for _, fields, _, _ in found], [3, 3, 3, 3, 3, 3, 2, 3, 3])
        self.assertEqual(found[1][3], '1,1,"two\nlines"\n', "a record is given with its separator, LF")

    def test_crlf_is_one_line_break_and_the_separator_inside_quotes_is_written_lf(self):
        found = read_whole(b'a,b\r\n1,"x\r\ny"\r\n\r\n2,\r\n')
        self.assertEqual([(line, text) for line, _, _, text in found], [(1, "a,b\n"), (2, '1,"x\ny"\n'), (5, "2,\n")])

    def test_a_lone_cr_is_a_line_and_text_where_lf_separates(self):
        found = read_whole(b"a,b\n1,x\ry\n2,z\n")
        self.assertEqual([(line, text) for line, _, _, text in found], [(1, "a,b\n"), (2, "1,x\ry\n"), (4, "2,z\n")])

    def test_records_start_after_the_lines_above_the_header(self):
        data = b'Title "open\n\nid;qty\n1;2\n'
        start = skip_lines(Layout("utf-8").units(data), 2)
        found = read_whole(data, {**DEFAULT_READ, "delimiter": ";"}, start=start, line=3)
        self.assertEqual([(line, fields, text) for line, fields, _, text in found], [(3, 2, "id;qty\n"), (4, 2, "1;2\n")])

    def test_a_quote_nothing_closes_runs_to_the_end_as_one_open_record(self):
        found = read_whole(b'a,b\n1,"open\n2,x\n3,y\n')
        self.assertEqual(found[-1], (2, 2, True, '1,"open\n2,x\n3,y\n'))

    def test_the_separator_is_the_first_line_break(self):
        layout = Layout("utf-8")
        detected = [line_separator(layout.units(text), layout) for text in (b"a\nb\r\n", b"a\r\nb\n", b"a\rb", b"ab", b"a\r\r\n")]
        self.assertEqual(detected, ["lf", "crlf", "cr", "lf", "cr"])

    def test_quotes_outside_field_starts_are_text(self):
        # Where univocity reads a quote as text (checked against Spark in test_split_read_spark.py)
        found = read_whole(b'a,b\n1,ab"c\n2,"abc"x\n3, "sp\n4,q\n')
        self.assertEqual([line for line, *_ in found], [1, 2, 3, 4, 5])


class RangesTest(unittest.TestCase):
    ALPHABET = ["a", "b", ",", ",", '"', '"', "\n", "\n", "\r\n", " ", "\\", "é", "\r"]

    def random_files(self, seed, count):
        rng = random.Random(seed)
        for _ in range(count):
            crlf = rng.random() < 0.5
            body = "".join(rng.choice(self.ALPHABET) for _ in range(rng.randint(0, 120)))
            escape = rng.choice(["pair", "pair", "char", "none"])
            read = {**DEFAULT_READ, "escapeChar": "\\" if escape == "char" else None, "doubleQuote": escape == "pair"}
            yield ("a,b,c" + ("\r\n" if crlf else "\n") + body), read

    def test_every_cut_gives_the_records_and_lines_of_one_read(self):
        for text, read in self.random_files(20261207, 300):
            for codec in ("utf-8", "utf-16-le", "cp1252"):
                data = text.encode(codec, errors="replace")
                whole = read_whole(data, read, codec)
                for split in (1, 2, 5, 13):
                    with self.subTest(text=text, read=read, codec=codec, split=split):
                        self.assertEqual(read_in_ranges(data, split, read, codec)[0], whole)

    def test_a_range_that_holds_no_record_start_is_read_by_the_task_before(self):
        data = b'id,notes\n1,"' + b"long\n" * 50 + b'"\n2,x\n'
        found, tasks = read_in_ranges(data, 16)
        self.assertEqual(found, read_whole(data))
        self.assertEqual([line for line, *_ in found], [1, 2, 53])
        self.assertEqual(tasks, 2, "the first range and the last: those inside the quoted value have no task")

    def test_many_quotes_out_of_place_are_walked_alike_in_every_range(self):
        # Inch marks: a quote in every unquoted value (a file RFC 4180 would refuse, Spark reads).
        data = b"id,size\n" + b"".join(b'%d,%d" screen\n' % (n, n) for n in range(5000)) + b'9,"a ""quoted"" one"\n'
        self.assertEqual(read_in_ranges(data, 997)[0], read_whole(data))
        self.assertEqual(len(read_whole(data)), 5002)

    def test_a_stream_and_byte_ranges_make_the_same_blocks(self):
        # A gzip input is read as a stream (one task), a plain one by ranges: the blocks match.
        import io

        data = b'id,notes\n1,"a\nb"\n' + b"x" * 40 + b"\n2,y\n3,z"
        for block_bytes in (1, 5, 16, 1000):
            with self.subTest(block_bytes=block_bytes):
                ranged = list(blocks(_read_of(data), 3, len(data), Layout("utf-8"), block_bytes))
                streamed = list(stream_blocks(io.BytesIO(data), 3, Layout("utf-8"), block_bytes))
                self.assertEqual(streamed, ranged)
                self.assertEqual(b"".join(block for _, block in ranged), data[3:])
                self.assertTrue(all(block.endswith(b"\n") for _, block in ranged[:-1]))
