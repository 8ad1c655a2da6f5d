"""The value rules the runner shares with core/value-rules.ts: the reject reason of a value
holding the rows an unterminated quote swallowed."""

SWALLOWED_RECORD_REASON = "holds a line break followed by a whole record (an unterminated quote?)"


def is_swallowed_record(reason):
    """True for the reject reason of a value holding rows an unterminated quote swallowed."""
    return reason.endswith(SWALLOWED_RECORD_REASON)
