"""Turning the published text of an SQF order into the domain model."""

from qualframe.ingest.errors import IngestError
from qualframe.ingest.parser import IngestReport, parse
from qualframe.ingest.source import SourceText, decode_source, read_source

__all__ = ["IngestError", "IngestReport", "SourceText", "decode_source", "parse", "read_source"]
