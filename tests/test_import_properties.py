"""Property tests of the CASE importer on generated hostile packages (hypothesis, derandomised).

Each generated package mixes a shape (flat, deep chain, chain of diamonds, wide fan-out) with random
extra isChildOf edges (self-loops, cycles, second parents), duplicate identifiers, control characters
and huge strings. The importer must give the verdict an independent oracle gives, and its graph work
(`ImportReport.work`, a count of steps, not a clock) must stay within a constant times the input.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import case_gen as g
from qualframe.interop import limits
from qualframe.interop.case_import import parse_package_bytes
from qualframe.interop.common import has_controls

WORK_FACTOR = 6  # steps per item + association the structure checks may take
SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

CONTROL = "\x00\x01\x07\x1b\x7f\x85\x9f\ufdd0\ufffe\U0001fffe\U0010ffff"
TEXT = st.text(alphabet=st.sampled_from(list("aҚә =+-@\t\n") + list(CONTROL)), min_size=1, max_size=12)


def _shape(kind: str, n: int) -> list[tuple[int, int]]:
    if kind == "flat":
        return [(i, -1) for i in range(n)]
    if kind == "chain":
        return [(0, -1), *((i, i - 1) for i in range(1, n))]
    if kind == "fanout":
        return [(0, -1), *((i, 0) for i in range(1, n))]
    edges = [(0, -1), (1, -1)] if n > 1 else [(0, -1)]  # diamonds: two parents per item
    edges += [(i, p) for i in range(2, n) for p in (2 * (i // 2) - 2, 2 * (i // 2) - 1)]
    return edges


@st.composite
def hostile(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 60))
    kind = draw(st.sampled_from(["flat", "chain", "fanout", "diamonds"]))
    extra = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(-1, n - 1)), max_size=4))
    dup = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2))
    texts = draw(st.dictionaries(st.integers(0, n - 1), TEXT, max_size=8))
    huge = draw(st.sampled_from([0, 0, 50_000, 300_000]))
    if huge:
        texts[n - 1] = "ж" * huge
    return {"n": n, "edges": _shape(kind, n) + extra, "dup": [(a, b) for a, b in dup if a != b], "texts": texts}


def _oracle(n: int, edges: list[tuple[int, int]]) -> tuple[bool, int]:
    """(has a cycle or self-loop, number of items not under the document), by Kahn's algorithm on
    child → parent edges and a walk down from the document: independent of the importer's code."""
    if any(c == p for c, p in edges):
        return True, 0
    kids: dict[int, list[int]] = defaultdict(list)
    for c, p in edges:
        kids[p].append(c)
    parents_left = Counter(c for c, p in edges if p >= 0)  # Kahn: peel items whose item parents are gone
    frontier = [i for i in range(n) if parents_left[i] == 0]
    removed = 0
    while frontier:
        x = frontier.pop()
        removed += 1
        for c in kids.get(x, ()):
            parents_left[c] -= 1
            if parents_left[c] == 0:
                frontier.append(c)
    cyclic = removed < n
    reach, stack = set(), [-1]
    while stack:
        x = stack.pop()
        for c in kids.get(x, ()):
            if c not in reach:
                reach.add(c)
                stack.append(c)
    return cyclic, n - len(reach)


@SETTINGS
@given(hostile())
def test_importer_verdict_and_bounded_work(case: dict[str, Any]) -> None:
    n, edges = case["n"], case["edges"]
    pkg = g.package(n, edges, statements=case["texts"])
    for a, b in case["dup"]:
        pkg["CFItems"][a]["identifier"] = pkg["CFItems"][b]["identifier"]
    parsed = parse_package_bytes(g.to_bytes(pkg), "hostile.json")
    rep = parsed.report
    size = len(pkg["CFItems"]) + len(pkg["CFAssociations"])
    assert rep.work <= WORK_FACTOR * size + WORK_FACTOR
    cyclic, orphans = _oracle(n, edges)
    expect_ok = not cyclic and not case["dup"]
    assert rep.ok == expect_ok, [str(e) for e in rep.errors]
    if case["dup"]:
        assert any("duplicate identifier" in e.message for e in rep.errors)
    if cyclic and not case["dup"]:  # a duplicate id also leaves edges dangling, which may break the cycle
        assert any("cycle" in e.message for e in rep.errors)
    if not expect_ok:
        assert parsed.package is None
        return
    orphan_warnings = sum(w.count for w in rep.warnings if "not connected" in w.message)
    assert orphan_warnings == orphans
    dirty = sum(1 for t in case["texts"].values() if has_controls(t))
    assert sum(w.count for w in rep.warnings if "control" in w.message) == dirty
    assert not any(has_controls(i["fullStatement"]) for i in parsed.package["CFItems"])


@SETTINGS
@given(st.lists(st.integers(1, limits.AREA_CODE + 3), min_size=1, max_size=30), st.integers(0, 3))
def test_area_code_lengths_verdict(lengths: list[int], same: int) -> None:
    """Flat packages (every item an area): refused exactly when a code plus its '#k' suffix would not fit."""
    codes = {i: "c" * n for i, n in enumerate(lengths)}
    for i in range(min(same, len(lengths))):
        codes[i] = "d" * lengths[0]  # namesakes get '#2', '#3' … in the store
    pkg = g.flat(len(lengths), codes=codes)
    rep = parse_package_bytes(g.to_bytes(pkg)).report
    count = Counter(codes.values())
    fits = all(len(c) + (len(f"#{count[c]}") if count[c] > 1 else 0) <= limits.AREA_CODE for c in codes.values())
    assert rep.ok == fits, [str(e) for e in rep.errors]
    assert rep.work <= WORK_FACTOR * (2 * len(lengths)) + WORK_FACTOR
