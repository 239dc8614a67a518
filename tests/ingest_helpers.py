"""Shared helpers for the ingest tests: the real seed text and ways to build variants of it."""

from __future__ import annotations

from pathlib import Path

from qualframe.dataset import data_dir
from qualframe.ingest import decode_source, parse

SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "ict-sqf-2013.kk.txt"
SHIPPED_SEED = data_dir() / "ict-sqf-2013.kk.txt"


def seed_text() -> str:
    """The authoritative seed (from ../shared when present, else the shipped copy)."""
    path = SHARED_SEED if SHARED_SEED.exists() else SHIPPED_SEED
    return path.read_text(encoding="utf-8")


def parse_text(text: str):
    return parse(decode_source(text.encode("utf-8"), "variant.txt"))
