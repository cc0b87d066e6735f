"""The one exception family users see: each error is a message and an exit code, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PapershelfError(Exception):
    """Base of every error caused by the user's input rather than by a bug."""

    exit_code = 1


class ConfigError(PapershelfError):
    """``site.yml`` is missing, malformed or holds a bad value; carries every problem at once."""

    exit_code = 3

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {problem}" for problem in problems))


class SeedsError(PapershelfError):
    """The seeds folder is missing or holds no dump."""

    exit_code = 4


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a dump, located by file and line (line 0: the file as a whole)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


class ParseError(PapershelfError):
    """One or more dumps cannot be read at all (not text, empty, no records)."""

    exit_code = 5

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class StrictModeError(PapershelfError):
    """``--strict`` was given and the build produced warnings."""

    exit_code = 6

    def __init__(self, warnings: list[Diagnostic]):
        self.warnings = warnings
        count = len(warnings)
        super().__init__(
            f"--strict: {count} warning{'s' if count != 1 else ''} turned into an error; "
            "nothing was written"
        )


class BuildError(PapershelfError):
    """The site cannot be produced: a missing asset, a template error, an unsafe output path."""

    exit_code = 7


class LinkCheckError(PapershelfError):
    """``papershelf check`` found links whose targets are missing; each names page and target."""

    exit_code = 8


class ServeError(PapershelfError):
    """``papershelf serve`` cannot listen (the port is taken, the host is not this machine)."""

    exit_code = 9


class OutputFolderError(PapershelfError):
    """The output folder is not papershelf's to replace: it holds something else, or it is (or
    holds) the site folder, an input, the home folder or a repository. Nothing was touched."""

    exit_code = 10


class NewSiteError(PapershelfError):
    """``papershelf new`` cannot start a shelf there: the folder holds files, or cannot be written."""

    exit_code = 11
