"""JSONL batch processing for search and match: one result line per input line, errors in place.

Input lines are JSON objects {"id": ..., "text": "..."}; "id" is optional and echoed back. A line
that is not valid JSON, is not an object, has no string "text", or whose text is rejected (empty)
yields {"id": ..., "line": N, "error": "line N: ..."} at its place and the rest is processed. Blank
lines are skipped. Results carry "line" too, so output can be joined back to input by line number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def process_lines(lines: Iterable[str], fn: Callable[[str], dict[str, Any]],
                  prime: Callable[[list[str]], None] | None = None, chunk: int = 16) -> Iterator[dict[str, Any]]:
    """Apply `fn` to the "text" of every JSONL line; never raises for bad content.

    With `prime`, lines are read `chunk` at a time and `prime` gets their texts first (the engines
    embed them in one batched call), then results are produced in input order.
    """
    if prime is None:
        yield from _process(enumerate(lines, start=1), fn)
        return
    buf: list[tuple[int, str]] = []
    for item in enumerate(lines, start=1):
        buf.append(item)
        if len(buf) >= chunk:
            yield from _primed(buf, fn, prime)
            buf = []
    if buf:
        yield from _primed(buf, fn, prime)


def _primed(buf: list[tuple[int, str]], fn: Callable[[str], dict[str, Any]],
            prime: Callable[[list[str]], None]) -> Iterator[dict[str, Any]]:
    texts = []
    for _, raw in buf:
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            texts.append(obj["text"])
    if texts:
        prime(texts)
    yield from _process(buf, fn)


def _process(numbered: Iterable[tuple[int, str]], fn: Callable[[str], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for n, raw in numbered:
        line = raw.strip()
        if not line:
            continue
        item_id: Any = None
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            yield {"id": None, "line": n, "error": f"line {n}: invalid JSON: {msg}"}
            continue
        if not isinstance(obj, dict):
            yield {"id": None, "line": n, "error": f"line {n}: expected a JSON object with \"text\", "
                                                   f"got {type(obj).__name__}"}
            continue
        item_id = obj.get("id")
        text = obj.get("text")
        if not isinstance(text, str):
            what = "missing" if text is None else f"not a string ({type(text).__name__})"
            yield {"id": item_id, "line": n, "error": f"line {n}: \"text\" is {what}"}
            continue
        try:
            result = fn(text)
        except ValueError as exc:
            yield {"id": item_id, "line": n, "error": f"line {n}: {exc}"}
            continue
        yield {"id": item_id, "line": n, **result}
