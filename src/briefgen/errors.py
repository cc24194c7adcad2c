"""User-facing errors: one line that says what is wrong and what to do, exit code non-zero."""

from __future__ import annotations

import click


class BriefgenError(click.ClickException):
    """Base class: an error the user can fix. Shown without a traceback."""

    exit_code = 1


class ConfigError(BriefgenError):
    """`mkdocs.yml` or a file it points to is missing or invalid."""

    exit_code = 2

    @classmethod
    def invalid(
        cls, key: str, expected: str, received: object, where: str = "mkdocs.yml"
    ) -> ConfigError:
        """An error naming the key, what was expected and what was received."""
        return cls(f"{where}: '{key}' must be {expected}, got {received!r}")


class ProjectNotFound(BriefgenError):
    """No `mkdocs.yml` in the working folder."""

    exit_code = 2


class IngestError(BriefgenError):
    """An article could not be read (encoding, empty, binary...). Names the file."""

    def __init__(self, path: str, problem: str, fix: str = ""):
        message = f"{path}: {problem}"
        if fix:
            message += f"; {fix}"
        super().__init__(message)
        self.path = path


class BriefFileError(BriefgenError):
    """A brief file in `briefings/` cannot be parsed. Names the file and the field."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}; fix the file by hand or delete it to regenerate it")
        self.path = path


class EmptyIssueError(BriefgenError):
    """A digest issue with no briefs: there is nothing to send."""


class CheckFailed(BriefgenError):
    """`briefgen check` found problems (already listed above the message)."""
