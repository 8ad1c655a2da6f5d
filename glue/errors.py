"""The errors the Glue runner raises on purpose, by the names of core/errors.ts (the bottom
layer of glue/: it imports no other module of the runner)."""


class EtlError(Exception):
    """An error the runner raises on purpose; its class name is the stable error name.

    The classes claim the ``builtins`` module so that a traceback (and with it the Glue job run's
    error message) reads ``QualityThresholdError: ...`` rather than ``errors.Quality...``:
    the state machine's failure path reads the name from that prefix (core/outcome.ts).
    """

    __module__ = "builtins"

    @property
    def name(self):
        return type(self).__name__


class ConfigError(EtlError):
    """A plan or a job argument the runner cannot use."""

    __module__ = "builtins"


class HeaderMismatchError(EtlError):
    """The header does not match the dataset's columns (core/validation/header.ts)."""

    __module__ = "builtins"


class QualityThresholdError(EtlError):
    """A quality threshold configured as ``fail`` was crossed (core/quality.ts)."""

    __module__ = "builtins"


class MalformedCsvError(EtlError):
    """The CSV cannot be split into records reliably (an unterminated quote swallowed rows)."""

    __module__ = "builtins"


class TransformError(EtlError):
    """The engine failed while reading, transforming or writing."""

    __module__ = "builtins"


class LatestStateConflictError(EtlError):
    """Every attempt to publish the dataset's new state lost the race for its manifest to other runs."""

    __module__ = "builtins"


def describe_error(exc):
    """``{name, message}`` of an error; anything not raised on purpose is a TransformError."""
    if isinstance(exc, EtlError):
        return {"name": exc.name, "message": str(exc)}
    return {"name": "TransformError", "message": str(exc) or type(exc).__name__}
