"""The quality thresholds of a run (core/quality.ts), worded as core words them."""

from decimal import ROUND_HALF_UP, Decimal

_CHECKS = ("malformedRowRatio", "duplicateRatio", "volumeChangeRatio")


def _ratio(part, whole):
    return 0 if whole == 0 else part / whole


def _to_fixed(value, digits):
    """JavaScript's ``Number.prototype.toFixed``: the exact binary value, ties rounded up."""
    return str(Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _percent(value):
    return f"{_to_fixed(value * 100, 3 if 0 < value < 0.01 else 1)}%"


def _number(value):
    """A count as JavaScript prints it (``12``, not ``12.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def _plural(count, word):
    """``row`` for one, ``rows`` otherwise (core's ``plural``)."""
    return word if count == 1 else f"{word}s"


def _rows(count):
    """``1 row``, ``12 rows`` (core's ``rows``)."""
    return f"{_number(count)} {_plural(count, 'row')}"


def quality_ratios(counts, previous_rows_out):
    well_formed = counts["rowsIn"] - counts["malformedRows"]
    return {
        "malformedRowRatio": _ratio(counts["malformedRows"], counts["rowsIn"]),
        "duplicateRatio": _ratio(counts["exactDuplicates"] + counts["keyDuplicates"], well_formed),
        "volumeChangeRatio": None if previous_rows_out is None or previous_rows_out == 0 else abs(counts["rowsOut"] - previous_rows_out) / previous_rows_out,
    }


def evaluate_quality(counts, previous_rows_out, quality):
    """Every threshold the counts cross, ``fail`` before ``warn`` (as core's ``evaluateQuality``)."""
    findings = []
    ratios = quality_ratios(counts, previous_rows_out)
    duplicates = counts["exactDuplicates"] + counts["keyDuplicates"]
    describe = {
        "malformedRowRatio": f"{_number(counts['malformedRows'])} of {_rows(counts['rowsIn'])} malformed",
        "duplicateRatio": f"{_number(duplicates)} duplicate {_plural(duplicates, 'row')} removed of {_number(counts['rowsIn'] - counts['malformedRows'])}",
        "volumeChangeRatio": f"{_rows(counts['rowsOut'])} out against {_number(previous_rows_out or 0)} in the previous run",
    }
    for check in _CHECKS:
        value = ratios[check]
        if value is None:
            continue
        thresholds = quality.get(check) or {}
        warn, fail = thresholds.get("warn"), thresholds.get("fail")
        level = "fail" if fail is not None and value > fail else "warn" if warn is not None and value > warn else None
        if level:
            limit = fail if level == "fail" else warn
            findings.append({"check": check, "level": level, "message": f"{check} {_percent(value)} > {level} {_percent(limit or 0)} ({describe[check]})"})
    if counts["rowsOut"] == 0:
        findings.append(
            {
                "check": "emptyAfterDedupe",
                "level": quality.get("emptyAfterDedupe", "fail"),
                "message": f"no row left after removing malformed rows and duplicates ({_number(counts['rowsIn'])} read)",
            }
        )
    return sorted(findings, key=lambda f: 0 if f["level"] == "fail" else 1)


def quality_failures(counts, previous_rows_out, quality):
    """The messages of the ``fail`` findings: the transform stops before writing when any."""
    return [f["message"] for f in evaluate_quality(counts, previous_rows_out, quality) if f["level"] == "fail"]
