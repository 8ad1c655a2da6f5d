"""Where the records of a CSV file start and end, and on which line, found in its bytes as Spark's
CSV reader (univocity, ``multiLine``) splits them — so that the file can be read in byte ranges,
each by a task of its own, with the records and lines of one sequential read. No Spark, no AWS:
numpy over the code units of the file (bytes, or UTF-16 code units).

How univocity splits records (read from its ``CsvParser`` and ``AbstractCharInputReader``, and
checked against Spark's ``multiLine`` reader in glue/tests/test_csv_records_spark.py):

- The line separator is the first line break in its first buffer (1M characters): LF, CR LF or
  CR (``line_separator``). A record ends at that separator outside quotes. A lone LF in a CR LF
  file (or any LF in a CR file) ends a record too: univocity's own handling of one depends on where
  its buffer ends, so the reading every other engine gives is kept. A CR that is not a separator is
  text.
- A quote opens a quoted value only at the start of a field (the record's start, or right after a
  delimiter); anywhere else it is text. In a quoted value, two quotes are one (``doubleQuote``);
  with ``escapeChar`` a quote after an odd run of it is text; any other quote closes the value.
  What follows a closing quote up to the next delimiter or separator is text.
- Empty records are skipped; a record of spaces is not empty.

Across a range cut the only state is whether the cut is inside a quoted value. Ranges are cut
right after an LF, so no escape run, quote pair or CR LF straddles a cut, and a quote at a range's
start is at a field start. When every quote opening a value is at a field start (a well-formed
file), the state is the parity of the quotes before (vectorised); otherwise the quotes are walked
one by one (``_toggles``) from the first one that is not, window by window, back to the vectorised
reading once a window is well formed again.
"""

import numpy as np

LF = 0x0A
CR = 0x0D
OUT, IN = 0, 1
# Spark's CSV reader detects the line separator in univocity's first buffer, of this many characters.
DETECTION_CHARS = 1024 * 1024
# How much of a range a scan holds at once (more when one line is longer).
BLOCK_BYTES = 16 * 1024 * 1024
# Quotes checked at once while walking a file whose quotes are not all where RFC 4180 puts them.
_WINDOW = 4096


class Layout:
    """How the text's code units lie in its bytes: ``codec`` is the Python codec of the input
    (``utf-8``, ``cp1252``, ``utf-16-le``, ``utf-16-be``); every character the dialect names is
    one code unit (ASCII in the 8-bit codecs, the BMP in UTF-16)."""

    def __init__(self, codec):
        self.codec = codec
        self.unit = 2 if codec.startswith("utf-16") else 1
        self.dtype = np.dtype("<u2") if codec == "utf-16-le" else np.dtype(">u2") if codec == "utf-16-be" else np.dtype(np.uint8)

    def units(self, data):
        """The code units of ``data`` (a whole number of them)."""
        return np.frombuffer(data, self.dtype, len(data) // self.unit)

    def text(self, data):
        """The text of ``data``; bytes that do not decode become U+FFFD (as Java decodes them)."""
        return data.decode(self.codec, errors="replace")


class Dialect:
    """The characters that split records, from the plan's ``read`` (as ``spark_csv_options``
    hands them to Spark): ``escape`` is ``pair`` (a doubled quote), ``char`` (``escapeChar``) or
    ``none``."""

    def __init__(self, read):
        self.quote = ord(read["quoteChar"])
        self.delimiter = ord(read["delimiter"])
        self.delimiter_text = read["delimiter"]
        if read["escapeChar"] is not None:
            self.escape, self.escape_char = "char", ord(read["escapeChar"])
        else:
            self.escape, self.escape_char = ("pair" if read["doubleQuote"] else "none"), None


def skip_lines(units, count):
    """The index of the code unit after the first ``count`` lines of ``units`` (a line ends at LF:
    core's skipRows rule), or ``None`` when they do not all end in ``units``."""
    if count == 0:
        return 0
    feeds = np.flatnonzero(units == LF)
    return int(feeds[count - 1]) + 1 if len(feeds) >= count else None


def line_separator(units, layout):
    """The separator univocity detects at the start of the records (``units``, from there):
    ``lf``, ``crlf`` or ``cr`` — the first line break among its first 1M characters, else LF."""
    breaks = np.flatnonzero((units == LF) | (units == CR))
    if len(breaks) == 0:
        return "lf"
    first = int(breaks[0])
    chars = first
    if layout.codec == "utf-8":
        chars -= int(np.count_nonzero((units[:first] & 0xC0) == 0x80))
    if chars >= DETECTION_CHARS or units[first] == LF:
        return "lf"
    return "crlf" if first + 1 < len(units) and units[first + 1] == LF else "cr"


def _escaped(units, quotes, escape_char):
    """Which of ``quotes`` follow an odd run of the escape character (text, not quotes)."""
    after = np.zeros(len(quotes), bool)
    inner = quotes > 0
    after[inner] = units[quotes[inner] - 1] == escape_char
    if not after.any():
        return after
    escapes = np.flatnonzero(units == escape_char)
    run_starts = escapes[np.diff(escapes, prepend=-2) != 1]
    candidates = quotes[after]
    runs = candidates - run_starts[np.searchsorted(run_starts, candidates - 1, side="right") - 1]
    after[np.flatnonzero(after)] = runs % 2 == 1
    return after


class _Scan:
    """One block's characters that matter: its quotes (those that are quotes), whether each is at
    a field start, its separators, delimiters and line breaks (indices of code units)."""

    def __init__(self, units, dialect, mode):
        self.size = len(units)
        quotes = np.flatnonzero(units == dialect.quote)
        if dialect.escape == "char" and len(quotes):
            quotes = quotes[~_escaped(units, quotes, dialect.escape_char)]
        self.quotes = quotes
        starts = np.ones(len(quotes), bool)
        inner = quotes > 0
        before = units[quotes[inner] - 1]
        at_start = (before == dialect.delimiter) | (before == LF)
        if mode == "cr":
            at_start |= before == CR
        starts[inner] = at_start
        self.field_start = starts
        self.pair = dialect.escape == "pair"
        # Where a quote closing a value is followed by the escape character (NUL without one),
        # univocity reads on as text to the next delimiter or line break, drops it, and is still
        # in the quoted value.
        self.escape_after = None
        if not self.pair and len(quotes):
            after = np.minimum(quotes + 1, self.size - 1)
            escape_code = dialect.escape_char if dialect.escape == "char" else 0
            self.escape_after = (quotes + 1 < self.size) & (units[after] == escape_code)
            if not self.escape_after.any():
                self.escape_after = None
        # Without an escape, univocity takes a quote right after the opening quote (or after a
        # quote it so took) for text, but where the opening quote's pair ends the value at once
        # (a delimiter or LF right after it: its fast path).
        self.glued = None
        if dialect.escape == "none" and len(quotes) > 1:
            glued = np.zeros(len(quotes), bool)
            glued[1:] = quotes[1:] == quotes[:-1] + 1
            if glued.any():
                self.glued = glued
                after = units[np.minimum(quotes + 1, self.size - 1)]
                self.ends_value = (quotes + 1 < self.size) & ((after == dialect.delimiter) | (after == LF))
        self.closing_misread = self.escape_after if self.glued is None else self.glued if self.escape_after is None else self.glued | self.escape_after
        feeds = np.flatnonzero(units == LF)
        returns = np.flatnonzero(units == CR)
        # A line break is LF, CR LF (counted once) or a lone CR, whatever the separator.
        lone = returns[(returns + 1 >= self.size) | (units[np.minimum(returns + 1, self.size - 1)] != LF)] if len(returns) else returns
        self.breaks = np.union1d(feeds, lone) if len(lone) else feeds
        self.separators = np.union1d(feeds, returns) if mode == "cr" else feeds
        self.returns = returns
        self.delimiters = np.flatnonzero(units == dialect.delimiter)
        self.stops = np.union1d(self.delimiters, self.separators) if self.escape_after is not None else None

    def toggles(self, state):
        """The quotes where the state flips, from ``state`` at the block's start; the state at its
        end; and whether any quote had to be walked (the file is not well formed there)."""
        quotes, starts = self.quotes, self.field_start
        count = len(quotes)
        if count == 0:
            return quotes, state, False
        first = _first_misplaced(quotes, starts, 0, count, state, self.pair, self.closing_misread)
        if first is None:
            return quotes, state ^ (count & 1), False
        parts = [quotes[:first]]
        k, state = first, state ^ (first & 1)
        # The opening quote of the value the walk is in, and the last quote taken for text right after it.
        opened = glued_to = quotes[first - 1] if state == IN and first > 0 else None
        while k < count:
            end = min(count, k + _WINDOW)
            # A window never ends inside a run of adjacent quotes (a pair would straddle it).
            while end < count and quotes[end] == quotes[end - 1] + 1:
                end += 1
            if _first_misplaced(quotes, starts, k, end, state, self.pair, self.closing_misread) is None:
                parts.append(quotes[k:end])
                state ^= (end - k) & 1
                opened = glued_to = quotes[end - 1] if state == IN else None
                k = end
                continue
            flips = []
            while k < end:
                if state == OUT:
                    if starts[k]:
                        state = IN
                        flips.append(quotes[k])
                        opened = glued_to = quotes[k]
                    k += 1
                elif self.glued is not None and glued_to is not None and quotes[k] == glued_to + 1 and not (glued_to == opened and self.ends_value[k]):
                    glued_to = quotes[k]
                    k += 1
                elif self.pair and k + 1 < count and quotes[k + 1] == quotes[k] + 1:
                    k += 2
                elif self.escape_after is not None and self.escape_after[k]:
                    stop = np.searchsorted(self.stops, quotes[k] + 2)
                    k = int(np.searchsorted(quotes, self.stops[stop], side="right")) if stop < len(self.stops) else count
                else:
                    state = OUT
                    flips.append(quotes[k])
                    opened = glued_to = None
                    k += 1
            parts.append(np.array(flips, dtype=quotes.dtype))
        return np.concatenate(parts), state, True


def _first_misplaced(quotes, starts, begin, end, state, pair, closing_misread=None):
    """The first quote of ``quotes[begin:end]`` that the parity reading takes for an opening
    quote and that is not at a field start (nor, with ``pair``, right after the quote it pairs
    with), or for a closing one univocity reads otherwise (``closing_misread``); ``None`` when
    there is none (the parity reading is univocity's)."""
    index = np.arange(end - begin)
    opening = ((index + state) & 1) == 0
    placed = starts[begin:end].copy()
    if pair and end - begin > 1:
        placed[1:] |= quotes[begin + 1 : end] == quotes[begin : end - 1] + 1
    misplaced = opening & ~placed
    if closing_misread is not None:
        misplaced |= ~opening & closing_misread[begin:end]
    misplaced = np.flatnonzero(misplaced)
    return None if len(misplaced) == 0 else begin + int(misplaced[0])


def _outside(positions, flips, state):
    """Which ``positions`` (no quote among them) are outside quoted values."""
    return ((np.searchsorted(flips, positions) + state) & 1) == 0


def blocks(read, start, end, layout, block_bytes=BLOCK_BYTES):
    """``(offset, bytes)`` of ``[start, end)`` read by ``read(start, end)``, each block ending right
    after an LF but the last (a line longer than a block makes a longer block)."""

    def chunks():
        position = start
        while position < end:
            chunk = read(position, min(end, position + block_bytes))
            if not chunk:
                return
            position += len(chunk)
            yield chunk

    yield from _line_blocks(chunks(), start, layout)


def stream_blocks(stream, skip, layout, block_bytes=BLOCK_BYTES):
    """The same blocks of a stream (a gzip input, decompressed) from byte ``skip`` on."""
    skipped = 0
    while skipped < skip:
        data = stream.read(min(block_bytes, skip - skipped))
        if not data:
            return
        skipped += len(data)
    yield from _line_blocks(iter(lambda: stream.read(block_bytes), b""), skip, layout)


def _line_blocks(chunks, offset, layout):
    """``chunks`` (bytes, the first at byte ``offset``) regrouped as ``(offset, bytes)`` blocks that
    end right after an LF, but the last; lazily, one block held at a time."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        cut = _after_last_feed(data, layout)
        if cut == 0:
            carry = data
            continue
        yield offset, data[:cut]
        offset += cut
        carry = data[cut:]
    if carry:
        yield offset, carry


def _after_last_feed(data, layout):
    """The byte after the last LF code unit of ``data`` (0: none)."""
    if layout.unit == 1:
        return data.rfind(b"\n") + 1
    feeds = np.flatnonzero(layout.units(data) == LF)
    return (int(feeds[-1]) + 1) * layout.unit if len(feeds) else 0


def next_line_start(read, position, end, layout, probe=64 * 1024):
    """The byte after the first LF at or after ``position`` (``end`` when there is none): where
    a range starts, computed alike by the task before it and the task it is."""
    while position < end:
        data = read(position, min(end, position + probe))
        if not data:
            break
        cut = _first_feed(data, layout)
        if cut is not None:
            return position + cut
        position += len(data) - len(data) % layout.unit
    return end


def _first_feed(data, layout):
    if layout.unit == 1:
        found = data.find(b"\n")
        return None if found < 0 else found + 1
    feeds = np.flatnonzero(layout.units(data) == LF)
    return None if len(feeds) == 0 else (int(feeds[0]) + 1) * layout.unit


def summarize(block_iter, dialect, mode, layout):
    """Pass 1 over one range: its line breaks, and for each state at its start (OUT, IN) the
    state at its end, the byte where its first record starts (``None``: none starts in it) and
    whether its quotes had to be walked. Small: the driver adds these up."""
    states = {OUT: OUT, IN: IN}
    first = {OUT: None, IN: None}
    walked = {OUT: False, IN: False}
    breaks = 0
    for offset, data in block_iter:
        if first[OUT] is None:
            first[OUT] = offset
        scan = _Scan(layout.units(data), dialect, mode)
        breaks += len(scan.breaks)
        for start in (OUT, IN):
            flips, end_state, walking = scan.toggles(states[start])
            walked[start] |= walking
            if first[start] is None:
                out = scan.separators[_outside(scan.separators, flips, states[start])]
                if len(out):
                    first[start] = offset + (int(out[0]) + 1) * layout.unit
            states[start] = end_state
    return {"breaks": breaks, "states": states, "first": first, "walked": walked}


def records(block_iter, state, start, limit, line, dialect, mode, layout):
    """Pass 2 over one range: ``(line, fields, open, text)`` of each record starting in
    ``[start, limit)`` (byte offsets; the blocks begin at ``start``, in state ``state``, on line
    ``line``). ``fields`` is univocity's field count; ``open`` whether a quote of the record is
    never closed (it runs to the end of the file); ``text`` the record as Spark's per-record
    parser is to read it: its separator and those inside its quoted values written
    LF (univocity normalises them so). Empty records are left out, as univocity skips them."""
    unit = layout.unit
    # The record the blocks are in: [line, fields so far, [its bytes]].
    pending = [line, 1, []] if state == OUT and start < limit else None
    for offset, data in block_iter:
        units = layout.units(data)
        scan = _Scan(units, dialect, mode)
        flips, end_state, _ = scan.toggles(state)
        separators = scan.separators[_outside(scan.separators, flips, state)]
        delimiters = scan.delimiters[_outside(scan.delimiters, flips, state)]
        fields_before = np.searchsorted(delimiters, separators).tolist()
        lines_before = np.searchsorted(scan.breaks, separators + 1).tolist()
        begin, fields_at_begin = 0, 0
        for position, fields_to, lines_to in zip(separators.tolist(), fields_before, lines_before, strict=True):
            if pending is not None:
                end = position
                if mode == "crlf" and end > begin and units[end - 1] == CR:
                    end -= 1
                pending[1] += fields_to - fields_at_begin
                pending[2].append(data[begin * unit : end * unit])
                record = _record(pending, False, True, mode, layout)
                if record is not None:
                    yield record
            begin, fields_at_begin = position + 1, fields_to
            if offset + begin * unit >= limit:
                return
            pending = [line + lines_to, 1, []]
        if pending is not None:
            pending[1] += len(delimiters) - fields_at_begin
            pending[2].append(data[begin * unit :])
        line += len(scan.breaks)
        state = end_state
    if pending is not None:
        record = _record(pending, state == IN, False, mode, layout)
        if record is not None:
            yield record


def _record(pending, unclosed, ended, mode, layout):
    """The record of ``pending`` (``None`` when empty: univocity skips it); ``ended``: a separator
    ends it (written LF after it: univocity reads a quote at a record's end otherwise than one
    at the input's end)."""
    line, fields, parts = pending
    data = b"".join(parts)
    if not data:
        return None
    text = layout.text(data)
    if mode == "crlf" and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    elif mode == "cr" and "\r" in text:
        text = text.replace("\r", "\n")
    return line, fields, unclosed, (text + "\n") if ended else text


def first_record_line(units, dialect, mode, line=1):
    """The line the first non-empty record of ``units`` (which start at a record start, on line
    ``line``) starts on; ``None`` when they hold none."""
    scan = _Scan(units, dialect, mode)
    flips, _, _ = scan.toggles(OUT)
    begin = 0
    for position in scan.separators[_outside(scan.separators, flips, OUT)].tolist():
        end = position - 1 if mode == "crlf" and position > begin and units[position - 1] == CR else position
        if end > begin:
            break
        begin = position + 1
    if begin >= len(units):
        return None
    return line + int(np.searchsorted(scan.breaks, begin))


def range_cuts(start, size, split_bytes, unit, max_ranges):
    """Where the ranges nominally start (``[start, …, size]``): about ``split_bytes`` each, at most
    ``max_ranges`` of them, on code-unit boundaries. Each is then cut right after an LF
    (``range_bounds``)."""
    count = max(1, min(max_ranges, -(-(size - start) // max(1, split_bytes))))
    step = -(-(size - start) // (count * unit)) * unit if size > start else 0
    return [start + k * step for k in range(count)] + [size]


def range_bounds(k, cuts, read, layout):
    """The bytes ``[begin, end)`` of range ``k``: from right after the first LF at or after its
    nominal start (the first range: from the records' start) to its next neighbour's start; the
    two tasks next to a cut find the same one."""
    size = cuts[-1]
    begin = cuts[0] if k == 0 else next_line_start(read, cuts[k], size, layout)
    end = size if k == len(cuts) - 2 else next_line_start(read, cuts[k + 1], size, layout)
    return begin, end


def summarize_range(k, cuts, read, dialect, mode, layout):
    """Pass 1 of range ``k`` (one task): ``summarize`` of its bytes with its bounds, ``None`` when
    it is empty (no LF in its share: its neighbour reads it)."""
    begin, end = range_bounds(k, cuts, read, layout)
    if begin >= end:
        return None
    return {**summarize(blocks(read, begin, end, layout), dialect, mode, layout), "start": begin, "end": end}


def plan_tasks(summaries, size, first_line):
    """The driver's sums over the ranges' summaries (in order): the pass-2 tasks, one per range
    that holds a record start, each with its state and line at the start, the end of its last
    record's bytes (the next record start after it, else the end of the file) and ``limit``
    (where the next range's records start)."""
    spans, state, line = [], OUT, first_line
    for summary in summaries:
        if summary is None:
            continue
        spans.append({"start": summary["start"], "limit": summary["end"], "state": state, "line": line, "first": summary["first"][state]})
        line += summary["breaks"]
        state = summary["states"][state]
    tasks = []
    for i, span in enumerate(spans):
        if span["first"] is None or span["first"] >= span["limit"]:
            continue  # no record starts in it: the task before reads through it
        end = next((later["first"] for later in spans[i + 1 :] if later["first"] is not None), size)
        tasks.append({"stream": False, "start": span["start"], "limit": span["limit"], "end": end, "state": span["state"], "line": span["line"]})
    return tasks


def task_records(task, read, open_stream, dialect, mode, layout):
    """Pass 2 of one task: ``records`` of its range (``read(start, end)``), or of the whole
    decompressed stream (``open_stream()``: a gzip input)."""
    if not task["stream"]:
        yield from records(blocks(read, task["start"], task["end"], layout), task["state"], task["start"], task["limit"], task["line"], dialect, mode, layout)
        return
    import gzip

    with open_stream() as source:
        parts = stream_blocks(gzip.GzipFile(fileobj=source, mode="rb"), task["start"], layout)
        yield from records(parts, task["state"], task["start"], task["limit"], task["line"], dialect, mode, layout)
