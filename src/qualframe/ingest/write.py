"""Writing ingest results: all files appear together or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from qualframe.dataset import dumps
from qualframe.ingest.errors import IngestError
from qualframe.ingest.parser import IngestReport
from qualframe.model import Framework


def write_outputs(fw: Framework, report: IngestReport, out_dir: str | Path) -> list[Path]:
    """Write `<id>.json` and `<id>.report.json` into out_dir atomically (temp files, then rename)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IngestError(f"cannot create output directory: {exc.strerror or exc}", str(out)) from None
    payloads = {
        out / f"{fw.id}.json": dumps(fw),
        out / f"{fw.id}.report.json": json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n",
    }
    temps: list[tuple[str, Path]] = []
    try:
        for target, text in payloads.items():
            fd, tmp = tempfile.mkstemp(prefix=".qualframe-", dir=out)
            temps.append((tmp, target))
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise IngestError(f"cannot write output: {exc.strerror or exc}", str(out)) from None
    return list(payloads)
