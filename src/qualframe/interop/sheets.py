"""Reading an uploaded spreadsheet, CSV or XLSX: the steps every row-per-record import shares.

Pure (no database). The callers (`catalogue_io`, `assessment_io`) own their columns, limits, messages for
the header and the row checks; this module only turns bytes into a header and numbered rows, safely:

* `decode`: CSV encoding. A BOM decides (UTF-8, UTF-16 LE/BE); else UTF-16 without BOM when the NUL bytes
  sit on one side (UTF-8 would accept them); else strict UTF-8; else charset-normalizer restricted to the
  Cyrillic single-byte code pages Excel writes here (cp1251 for Russian, kz1048 for Kazakh), cp1251 when
  it cannot tell;
* `csv_table`: the header and the data rows with the line each starts on; a row the csv module cannot
  read is reported in its place and reading goes on;
* `first_sheet`: XLSX through openpyxl in read-only mode, first sheet, cached values; the archive's
  uncompressed size is checked first, so a zip bomb is refused before it is inflated.

File-level problems are raised with the caller's error class (`error`), so each import keeps its own; their
messages are :class:`Text` (English in the API and the CLI, the page's language on a page).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from qualframe.model.messages import N_, Text

ErrorFactory = Callable[[str], Exception]
Row = tuple[int, Sequence[Any] | None, str | None]
"""(line, cells, problem): the cells, or None with why the line could not be read."""

_CYRILLIC_CODEPAGES = ["cp1251", "kz1048"]


def is_xlsx(data: bytes, filename: str = "") -> bool:
    """Whether the upload is a workbook (a ZIP archive, or named .xlsx) rather than CSV text."""
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def decode(data: bytes, error: ErrorFactory = ValueError) -> tuple[str, str]:
    """(text, encoding name) of a CSV file; see the module docstring for the order of the checks."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise error(Text(N_("the file starts with a %(enc)s byte-order mark but is not valid %(enc)s "
                                    "(byte %(byte)s)"), enc=enc, byte=exc.start)) from None
    # UTF-16 without a BOM first: its ASCII half is NUL bytes, which UTF-8 would accept
    sample = data[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        # a text file has no NUL bytes; UTF-16 has them on one side (the ASCII characters' high byte)
        if max(odd, even) > len(sample) // 32 and min(odd, even) * 10 < max(odd, even):
            enc = "utf-16-le" if odd > even else "utf-16-be"
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    enc = _guess_codepage(data)
    return data.decode(enc, errors="replace"), enc


def _guess_codepage(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # declared as a dependency; cp1251 is what Russian Excel writes
        return "cp1251"
    best = from_bytes(data[:65536], cp_isolation=_CYRILLIC_CODEPAGES).best()
    return best.encoding if best is not None else "cp1251"


def csv_table(text: str, delimiter: str, error: ErrorFactory, *, empty: str,
              unreadable: str) -> tuple[list[str], Iterator[Row]]:
    """(header, data rows) of CSV text.

    The caller words the file-level messages: `empty` when there is no line at all, `unreadable` (a format
    string, the csv error in ``{}``) when the header line cannot be read. A later line that cannot be read
    comes as (line, None, reason) and the rows after it are still read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise error(empty) from None
    except csv.Error as exc:
        raise error(unreadable.format(exc)) from None

    def rows() -> Iterator[Row]:
        last = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte, an unterminated quote at the end
                yield last + 1, None, f"cannot be read as CSV: {exc}"
                last = reader.line_num
                continue
            start, last = last + 1, reader.line_num
            yield start, row, None

    return header, rows()


@dataclass(frozen=True, slots=True)
class Sheet:
    """The first sheet of a workbook: where its header is (for messages), the header and the data rows."""

    where: str
    header: Sequence[Any]
    rows: Iterator[Row]


@contextmanager
def first_sheet(data: bytes, max_inflated: int, error: ErrorFactory) -> Iterator[Sheet]:
    """Open an XLSX upload's first sheet; the workbook is closed when the block ends, however it ends.

    Raises `error` for a file that is not a ZIP archive, inflates beyond `max_inflated` bytes, cannot be
    opened by openpyxl, has no sheet or an empty first sheet."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            inflated = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise error(Text(N_("the file is not a valid XLSX workbook (not a ZIP archive)"))) from None
    if inflated > max_inflated:
        raise error(Text(N_("the workbook inflates to %(size)s bytes; at most %(limit)s"), size=f"{inflated:,}",
                         limit=f"{max_inflated:,}"))
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise error(Text(N_("the workbook cannot be opened: %(error)s"),  # openpyxl's own (English) words
                         error=f"{type(exc).__name__}: {str(exc)[:200]}")) from None
    try:
        if not wb.worksheets:
            raise error(Text(N_("the workbook has no sheet")))
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise error(Text(N_("the first sheet is empty")))
        yield Sheet(Text(N_("sheet %(title)s, row 1"), title=repr(ws.title)), header,
                    ((n, row, None) for n, row in enumerate(it, start=2)))
    finally:
        wb.close()


__all__ = ["ErrorFactory", "Row", "Sheet", "csv_table", "decode", "first_sheet", "is_xlsx"]
