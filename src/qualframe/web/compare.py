"""What changes from one level row to another: descriptors paired by similarity, with word-level diffs.

Rows of a framework rarely share identical sentences across levels; most descriptors are rewritten
with a few words changed ("under guidance" → "independently"). Pairing each descriptor of the second
row with its most similar one in the first, per column, shows those changes directly.

The cost is bounded: all pairs only for small columns, candidate pairs (equal texts, shared rare words)
for large ones, and a cap on the words per descriptor and on the diff work per column.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import chain
from typing import Literal

from qualframe.model import COLUMNS, Descriptor, LevelRow

PAIR_THRESHOLD = 0.3
Kind = Literal["same", "changed", "added", "removed"]
_TOKEN = re.compile(r"\S+")

# Bounds that keep one comparison near-linear in the number of descriptors (two imported rows of 1,500
# descriptors each took 30.8 s when every pair went through SequenceMatcher):
ALL_PAIRS_MAX = 400  # a column pair with at most this many pairs is scored all against all (the shipped rows)
MAX_WORDS = 200  # words of one descriptor that take part in scoring and diffs (shipped: at most 71)
CANDIDATES = 4  # per descriptor of b: the descriptors of a sharing most of its rarest words
RARE_WORDS = 8  # the rarest words of a descriptor that look for candidates
MAX_POSTING = 64  # a word in more descriptors of a than this finds candidates only among its first 64
# SequenceMatcher costs up to len(a) * len(b) per pair of word lists: the work of one column is capped
# at this many word-pairs; pairs beyond it are scored by shared words and diffed as a whole.
WORK_BUDGET = 2_000_000


@dataclass(frozen=True)
class Change:
    kind: Kind
    a: Descriptor | None
    b: Descriptor | None
    similarity: float
    diff: tuple[tuple[str, str], ...]  # ("=", "words"), ("-", "only in a"), ("+", "only in b")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, _words(a.lower())[:MAX_WORDS], _words(b.lower())[:MAX_WORDS],
                           autojunk=False).ratio()


def word_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    wa, wb = _words(a), _words(b)
    out: list[tuple[str, str]] = []
    if len(wa) > MAX_WORDS or len(wb) > MAX_WORDS:
        return _coarse_diff(a, b)
    sm = SequenceMatcher(None, [w.lower() for w in wa], [w.lower() for w in wb], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out.append(("=", " ".join(wb[j1:j2])))
        else:
            if i2 > i1:
                out.append(("-", " ".join(wa[i1:i2])))
            if j2 > j1:
                out.append(("+", " ".join(wb[j1:j2])))
    return tuple(out)


def _coarse_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    return (("-", a), ("+", b))


class _Budget:
    def __init__(self, work: int) -> None:
        self.left = work

    def take(self, a: list[str], b: list[str]) -> bool:
        cost = max(1, len(a)) * max(1, len(b))
        if cost > self.left:
            return False
        self.left -= cost
        return True


def _all_pairs(la: list[list[str]], lb: list[list[str]]) -> list[tuple[float, int, int]]:
    return [(SequenceMatcher(None, x, y, autojunk=False).ratio(), i, j)
            for i, x in enumerate(la) for j, y in enumerate(lb)]


def _candidate_pairs(a: tuple[Descriptor, ...], b: tuple[Descriptor, ...], la: list[list[str]],
                     lb: list[list[str]]) -> list[tuple[float, int, int]]:
    """Scores for the pairs worth looking at: equal texts, then for each descriptor of b the few of a
    that share most of its rarest words, scored by shared distinct words (Dice). Linear in the
    descriptors, times the small constants above (the loops hand their inner work to C: set
    operations, Counter over chained lists)."""
    scores: list[tuple[float, int, int]] = []
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, x in enumerate(a):
        by_text[x.text].append(i)
    sets_a = [frozenset(w) for w in la]
    sets_b = [frozenset(w) for w in lb]
    df = Counter(chain.from_iterable(chain(sets_a, sets_b)))
    voters = frozenset(w for w, n in df.items() if n <= MAX_POSTING)  # a common word tells nothing apart
    postings: dict[str, list[int]] = defaultdict(list)
    for i, ws in enumerate(sets_a):
        for w in ws & voters:
            postings[w].append(i)
    rank = {w: (df[w], w) for w in postings}.__getitem__
    taken: Counter[str] = Counter()  # equal texts pair in order: the k-th in b with the k-th in a
    for j, y in enumerate(b):
        same = by_text.get(y.text, ())
        if taken[y.text] < len(same):
            scores.append((1.0, same[taken[y.text]], j))
            taken[y.text] += 1
            continue
        sb = sets_b[j]
        rare = sorted(sb & postings.keys(), key=rank)[:RARE_WORDS]
        shared = Counter(chain.from_iterable(postings[w] for w in rare))
        nb = len(sb)
        for i, _ in shared.most_common(CANDIDATES):
            sa = sets_a[i]
            scores.append((2 * len(sa & sb) / (len(sa) + nb), i, j))
    return scores


def _fast_diff(wa: list[str], wb: list[str], budget: _Budget, la: list[str] | None = None,
               lb: list[str] | None = None) -> tuple[tuple[tuple[str, str], ...], int]:
    """(word diff, words matched) of two word lists: common prefix and suffix around one replaced middle
    (linear), or SequenceMatcher on the middles when they share words and the budget allows. `la` and
    `lb` are the lists lower-cased, when the caller has them already."""
    la = [w.lower() for w in wa] if la is None else la
    lb = [w.lower() for w in wb] if lb is None else lb
    p = 0
    while p < len(la) and p < len(lb) and la[p] == lb[p]:
        p += 1
    q = 0
    while q < len(la) - p and q < len(lb) - p and la[-1 - q] == lb[-1 - q]:
        q += 1
    ma, mb = la[p:len(la) - q], lb[p:len(lb) - q]
    out: list[tuple[str, str]] = [("=", " ".join(wb[:p]))] if p else []
    matched = p + q
    if ma and mb and not set(ma).isdisjoint(mb) and budget.take(ma, mb):
        sm = SequenceMatcher(None, ma, mb, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                out.append(("=", " ".join(wb[p + j1:p + j2])))
                matched += j2 - j1
            else:
                if i2 > i1:
                    out.append(("-", " ".join(wa[p + i1:p + i2])))
                if j2 > j1:
                    out.append(("+", " ".join(wb[p + j1:p + j2])))
    else:
        if ma:
            out.append(("-", " ".join(wa[p:len(wa) - q])))
        if mb:
            out.append(("+", " ".join(wb[p:len(wb) - q])))
    if q:
        out.append(("=", " ".join(wb[len(wb) - q:])))
    return tuple(out), matched


def compare_column(a: tuple[Descriptor, ...], b: tuple[Descriptor, ...]) -> list[Change]:
    """Pair descriptors greedily by similarity (best first); unpaired ones are added or removed.

    Small columns (every shipped row) score all pairs with SequenceMatcher, as always; larger ones only
    candidate pairs (equal texts, shared rare words) by shared words, and their diffs are linear
    (prefix, suffix, one middle) unless the middles share words. Words per descriptor and SequenceMatcher
    work per column are capped (MAX_WORDS, WORK_BUDGET), so the cost stays near-linear.
    """
    la = [_words(x.text.lower())[:MAX_WORDS] for x in a]
    lb = [_words(y.text.lower())[:MAX_WORDS] for y in b]
    budget = _Budget(WORK_BUDGET)
    pair_work = sum(len(x) for x in la) * sum(len(y) for y in lb)
    small = len(a) * len(b) <= ALL_PAIRS_MAX and pair_work <= WORK_BUDGET // 4
    scores = _all_pairs(la, lb) if small else _candidate_pairs(a, b, la, lb)
    scores.sort(reverse=True)
    pair_of_b: dict[int, tuple[int, float]] = {}
    used_a: set[int] = set()
    for score, i, j in scores:
        if score < PAIR_THRESHOLD:
            break
        if i in used_a or j in pair_of_b:
            continue
        used_a.add(i)
        pair_of_b[j] = (i, score)
    out: list[Change] = []
    for j, y in enumerate(b):
        if j in pair_of_b:
            i, score = pair_of_b[j]
            x = a[i]
            if x.text == y.text:
                out.append(Change("same", x, y, 1.0, (("=", y.text),)))
            elif small and budget.take(la[i], lb[j]):
                out.append(Change("changed", x, y, round(score, 3), word_diff(x.text, y.text)))
            else:
                # la/lb are these words lower-cased: lower() never moves a word boundary
                full_a, full_b = _words(x.text), _words(y.text)
                wa, wb = full_a[:MAX_WORDS], full_b[:MAX_WORDS]
                diff, matched = _fast_diff(wa, wb, budget, la[i], lb[j])
                if len(wa) < len(full_a) or len(wb) < len(full_b):
                    diff = _coarse_diff(x.text, y.text)  # a diff of cut texts would misquote them
                sim = 2 * matched / (len(wa) + len(wb)) if wa or wb else 1.0
                out.append(Change("changed", x, y, round(sim, 3), diff))
        else:
            out.append(Change("added", None, y, 0.0, (("+", y.text),)))
    for i, x in enumerate(a):
        if i not in used_a:
            out.append(Change("removed", x, None, 0.0, (("-", x.text),)))
    return out


def compare_rows(a: LevelRow, b: LevelRow) -> dict[str, list[Change]]:
    return {c: compare_column(a.column(c), b.column(c)) for c in COLUMNS}
