"""Errors the library raises on purpose; the CLI maps each to an exit code."""

from __future__ import annotations


class DedupError(Exception):
    """Base class for every error `dedup` reports to the user on purpose."""

    exit_code = 1


class ConfigError(DedupError, ValueError):
    """An option has a value outside its documented range; `option` names the Config field."""

    exit_code = 2

    def __init__(self, message: str, option: str | None = None) -> None:
        self.option = option
        super().__init__(message)


class InputError(DedupError):
    """An input cannot be read as asked; names the file and, where known, the line."""

    exit_code = 2

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class OutputError(DedupError):
    """The output location is unsafe or cannot be written."""

    exit_code = 2


class ResourceError(DedupError):
    """The scan would need more memory than this process may use (see dedup.budget)."""

    exit_code = 4


class SparkJobError(DedupError):
    """A Spark job failed (a Java or Python-worker exception, a lost cluster, executors
    without dedup's dependencies); the message is the failure's one line."""

    exit_code = 4
