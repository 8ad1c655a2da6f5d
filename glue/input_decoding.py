"""How an input's bytes become what Spark reads (core/input-decoding.ts): gzip told by its
bytes, the declared encoding and its byte-order mark, the ``skipRows`` lines above the header, and
the options of Spark's CSV parser for the plan's dialect."""

import codecs
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
    ``(Python codec, byte-order mark length)``.

    ``iso-8859-1`` is read as windows-1252 (WHATWG's rule, as Node's TextDecoder reads it);
    Python decodes the 5 bytes windows-1252 leaves undefined to U+FFFD, as Java does. ``utf-16``:
    the byte-order mark decides, none means little-endian (as core reads it; Java's ``UTF-16``
    would read big-endian). A byte-order mark is never part of the text (every reader drops it).
    """
    if encoding == "utf-16":
        if head[:2] == b"\xfe\xff":
            return "utf-16-be", 2
        return "utf-16-le", 2 if head[:2] == b"\xff\xfe" else 0
    bom = len(UTF8_BOM) if head[:3] == UTF8_BOM else 0
    if encoding in ("windows-1252", "iso-8859-1"):
        return "cp1252", bom
    return "utf-8", bom


def spark_csv_options(read):
    """The options of Spark's CSV parser for the records of the plan's dialect ``read``, each
    record one string (glue/split_read.py: its quoted line breaks written LF, the header left out).

    Spark has one escape character: a doubled quote (``doubleQuote``) is the quote escaping
    itself; ``escapeChar`` (a backslash) takes its place; neither: no escaping (NUL)."""
    escape = read["escapeChar"] if read["escapeChar"] is not None else read["quoteChar"] if read["doubleQuote"] else "\u0000"
    return {
        "sep": read["delimiter"],
        "quote": read["quoteChar"],
        "escape": escape,
        "header": False,
        "lineSep": "\n",
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
