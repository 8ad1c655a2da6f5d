"""How an input's bytes become what Spark reads (core/input-decoding.ts): gzip told by its
bytes, the declared encoding and its byte-order mark, the ``skipRows`` lines above the header, and
the options of Spark's CSV reader for the plan's dialect."""

import codecs
import io
import zlib

from errors import TransformError

CORRUPT_RECORD_COLUMN = "_corrupt_record"

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
# What the header probe may inflate a gzip input's first bytes to (a bound, not a need).
MAX_INFLATED_HEAD = 16 * 1024 * 1024


def is_gzip(head):
    """Whether an input's first bytes are gzip's (compression is detected, whatever the name)."""
    return head[:2] == GZIP_MAGIC


def inflate_head(head):
    """The first bytes of a gzip input, decompressed as far as they go."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, MAX_INFLATED_HEAD)
    except zlib.error as exc:
        raise TransformError(f"the input starts as gzip (1f 8b) but does not decompress: {exc}") from exc


def text_encoding(encoding, head):
    """How the declared ``encoding`` reads a file whose (decompressed) text starts with ``head``:
    ``(Python codec, Spark charset, byte-order mark length)``.

    ``iso-8859-1`` is read as windows-1252 (WHATWG's rule, as Node's TextDecoder reads it);
    both Java and Python decode the 5 bytes windows-1252 leaves undefined to U+FFFD. ``utf-16``:
    the byte-order mark decides, none means little-endian — Java's ``UTF-16`` reads a file with
    no mark as big-endian, so Spark is given the byte order itself (``UTF-16LE``/``UTF-16BE``,
    whose readers drop a leading mark as univocity's BOM detection does). A UTF-8 byte-order
    mark is always dropped: Spark's reader does for UTF-8, not for windows-1252 (the runner
    then stages the file without it).
    """
    if encoding == "utf-16":
        if head[:2] == b"\xfe\xff":
            return "utf-16-be", "UTF-16BE", 2
        return "utf-16-le", "UTF-16LE", 2 if head[:2] == b"\xff\xfe" else 0
    bom = len(UTF8_BOM) if head[:3] == UTF8_BOM else 0
    if encoding in ("windows-1252", "iso-8859-1"):
        return "cp1252", "windows-1252", bom
    return "utf-8", "UTF-8", bom


def spark_csv_options(read, charset):
    """The options of Spark's CSV reader for the plan's dialect ``read`` and the file's charset.

    Spark has one escape character: a doubled quote (``doubleQuote``) is the quote escaping
    itself; ``escapeChar`` (a backslash) takes its place; neither: no escaping (NUL). Records may
    span lines (quoted line breaks), which also reads UTF-16 right (line-based reading does not)."""
    escape = read["escapeChar"] if read["escapeChar"] is not None else read["quoteChar"] if read["doubleQuote"] else "\u0000"
    return {
        "sep": read["delimiter"],
        "quote": read["quoteChar"],
        "escape": escape,
        "header": read["header"],
        "encoding": charset,
        "multiLine": True,
        "enforceSchema": True,
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": CORRUPT_RECORD_COLUMN,
    }


def decode_head(head, codec, bom):
    """The text of an input's first (decompressed) bytes, its byte-order mark dropped; a
    character the probe cut in two is left out, bytes that do not decode become U+FFFD."""
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head[bom:], final=False)


def skip_text_lines(text, count):
    """``text`` without its first ``count`` lines (a line ends at LF, so CR LF counts once: the
    rule of core's skipRows)."""
    position = 0
    for _ in range(count):
        found = text.find("\n", position)
        if found < 0:
            return ""
        position = found + 1
    return text[position:]


_SKIP_CHUNK = 1024 * 1024


def _line_feed(codec):
    """The bytes of LF in ``codec`` (its code unit's width)."""
    return {"utf-16-le": b"\n\x00", "utf-16-be": b"\x00\n"}.get(codec, b"\n")


def _next_line_feed(data, position, lf):
    """Where the first LF code unit at or after ``position`` (aligned) is in ``data``, else -1."""
    found = data.find(lf, position)
    while found != -1 and (found - position) % len(lf):
        found = data.find(lf, found + 1)
    return found


class SkippedLines(io.RawIOBase):
    """The bytes of ``source`` (a binary stream of text in ``codec``) without its first ``drop``
    bytes (a byte-order mark) and then its first ``lines`` lines, streamed (a line ends at LF, so
    CR LF counts once: core's skipRows rule; a code unit of UTF-16 is two bytes).

    Why the runner stages such a copy for ``skipRows``: Spark 3.5's CSV reader has no option to
    skip lines, and dropping its first records instead would be wrong wherever a line above the
    header is blank (Spark skips blank lines) or holds a quote (it would swallow the lines after
    it): only physical lines are what every engine skips alike.
    """

    def __init__(self, source, lines, codec, drop=0):
        super().__init__()
        self.source = source
        self.lines = lines
        self.codec = codec
        self.drop = drop
        self.left = None

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left is None:
            self.left = self._skip()
        if self.left:
            size = min(len(buffer), len(self.left))
            buffer[:size] = self.left[:size]
            self.left = self.left[size:]
            return size
        data = self.source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _skip(self):
        """Reads past what is skipped; returns the bytes read beyond it."""
        lf = _line_feed(self.codec)
        data = b""
        while len(data) < self.drop:
            chunk = self.source.read(_SKIP_CHUNK)
            if not chunk:
                return b""
            data += chunk
        position = self.drop
        remaining = self.lines
        while remaining > 0:
            found = _next_line_feed(data, position, lf)
            if found < 0:
                # No line feed in what was read: keep a code unit cut in two, read on.
                position += (len(data) - position) // len(lf) * len(lf)
                data, position = data[position:], 0
                chunk = self.source.read(_SKIP_CHUNK)
                if not chunk:
                    return b""
                data += chunk
                continue
            position = found + len(lf)
            remaining -= 1
        return data[position:]
