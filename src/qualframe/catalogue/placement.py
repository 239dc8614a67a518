"""What placing a position means: the text given to the match engine and what is kept of its answer.

The job (store/catalogue_jobs.py) feeds positions in batches to the match engine exactly as the JSONL
batch mode does (`prime` the batch's embeddings in one call, then `match` each text); this module
holds the pure parts so that the web pages, the CLI and the job agree on them.
"""

from __future__ import annotations

import hashlib
from typing import Any

SUGGESTIONS_KEPT = 3  # suggestions (with their evidence) stored per position
EVIDENCE_KEPT = 6
LOW_CONFIDENCE = 0.4  # below this the review filter "low confidence" lists the position
BATCH = 16  # positions per batch: the JSONL mode's chunk (one embedding call per batch)


def position_text(title: str, description: str) -> str:
    """Title first: the engine reads a text's first sentence as the job title."""
    title, description = (title or "").strip(), (description or "").strip()
    if title and description:
        return f"{title}.\n{description}"
    return title or description


def text_hash(title: str, description: str) -> str:
    """Changes exactly when the placed text changes (a re-upload with new duties is placed again)."""
    return hashlib.sha256(position_text(title, description).encode("utf-8")).hexdigest()


def keep(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The part of a match result stored with the position: the top suggestions and their evidence."""
    out = []
    for s in result.get("suggestions", [])[:SUGGESTIONS_KEPT]:
        out.append({"row_id": s["row_id"], "area": s["area"], "nqf_level": s["nqf_level"],
                    "sqf_level": s["sqf_level"], "confidence": s["confidence"],
                    "evidence": [{k: e[k] for k in ("column", "descriptor_id", "text", "score") if k in e}
                                 for e in s.get("evidence", [])[:EVIDENCE_KEPT]]})
    return out
