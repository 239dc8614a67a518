"""Errors the ingester raises: each names the file, the line where there is one, and what is wrong."""

from __future__ import annotations


class IngestError(Exception):
    """The source cannot be turned into a framework; nothing is written when this is raised."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}"
