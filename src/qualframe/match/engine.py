"""Place free text (a vacancy, a position description, a learning outcome) on the framework.

The method follows EQF referencing practice: a level is judged by all three columns together (best
fit), the area by its domain, and levels are ordered. For every level row of every area it combines

* row fit: how well the text matches the row's descriptors, column by column (best descriptor per
  column, competences weighted most), each descriptor scored like search does (embeddings of the
  kk/ru/en text plus BM25 over stems);
* domain fit of the area: similarity to the area's title, its OKED activity names and a few plain
  descriptions of its organisations; framework domain words (OKED/title terms) found in the text;
  and market-vocabulary domain cues (``cues.DOMAIN_CUES``);
* occupational fit: similarity of the text's first sentence (in a vacancy, the job title) to typical
  job titles placed on that (area, level) (``prototypes``), which is what bridges "senior backend
  developer" and the framework's wording;
* ordinal level cues: autonomy/responsibility, seniority titles, years of experience, team size,
  education, and for a learning outcome the level of its programme (``cues``), each a target level
  with a weight; a row is penalised by its weighted distance from them (levels are ordered);

and smooths row fit over neighbouring levels (adjacent levels share much of their wording).
Confidence is a softmax over row scores with a fixed temperature. Weights were set on the odd ids of
``bench/data/jobs.jsonl`` and checked on the even ids (``bench/bench_match.py`` prints both halves);
the cue vocabulary was extended after reading failures of both halves, so the even half is not a
clean held-out set any more.

Input policy: empty text -> ValueError; more than 20,000 characters -> the first 20,000 are used and
the result says ``"truncated": true``. Only the title (``TITLE_TOKENS``) and a digest (title plus the
sentences richest in cues, at most ``DIGEST_TOKENS`` model tokens) are embedded, which keeps a match
within a few tens of milliseconds whatever the length; BM25 reads the whole (truncated) text and the
cues its first ``CUE_SCAN`` characters (for Latin-script Kazakh, half of them in the transliteration
and half in the original spelling, so the text is not scanned twice). Every step is linear in the
length of the text and the embedder never sees more than its token budget, so the worst input of the
maximum size costs a small multiple of an ordinary one (``bench/bench_adversarial.py``).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qualframe.match.cues import cue_count, domain_signals, level_signals
from qualframe.match.prototypes import Prototype, prototype_passages, prototypes
from qualframe.search.analyze import analyze
from qualframe.search.embed import QueryEmbedder, get_model, passage_vectors
from qualframe.search.engine import lexical_scores, query_terms, semantic_scores, semantic_text
from qualframe.search.index import SearchIndex, get_index
from qualframe.search.inputs import MATCH_MAX_CHARS, check_limit, clean_text
from qualframe.search.lang import detect

__all__ = ["MATCH_MAX_CHARS", "Params", "match", "warm"]

COLUMNS = ("competences", "skills", "knowledge")
MAX_LIMIT = 30
DIGEST_TOKENS = 40
TITLE_TOKENS = 16
CUE_SCAN = 5_000  # characters of a long text read for cues (a vacancy is ~1-3k)
DIGEST_SCAN = 2_500  # characters searched for digest sentences


@dataclass(frozen=True)
class Params:
    """Weights of the row score; see the module docstring for what each term means."""

    col_weights: tuple[float, float, float] = (0.45, 0.3, 0.25)  # competences, skills, knowledge
    lex_weight: float = 0.5  # BM25 share in a descriptor's score (search uses 0.1: long texts share more words)
    w_row: float = 1.0  # row fit (z-score over rows)
    smooth: float = 0.25  # share of the neighbours' row fit
    w_area_sem: float = 1.0  # domain prototypes similarity (z over areas)
    w_area_lex: float = 0.6  # framework domain terms found in the text
    w_area_cue: float = 2.4  # market domain cues
    w_occ: float = 1.0  # occupation exemplar similarity (z over exemplars)
    w_cue: float = 1.0  # ordinal level cues (per unit of cue weight)
    cue_cap: float = 3.0  # total cue weight counted at most
    cue_offset: float = -0.5  # shift of every cue's level (calibrates the cue scale to the framework's)
    temperature: float = 0.7  # softmax temperature for confidence (minimises the log-loss on the dev set)


DEFAULT = Params()


@dataclass
class MatchModel:
    """Precomputed structure of the framework for matching (built once per process)."""

    idx: SearchIndex
    rows: list[dict[str, Any]]  # row_id, area, nqf_level, sqf_level, docs per column
    protos: list[Prototype]
    proto_vecs: np.ndarray
    area_terms: dict[str, dict[str, float]]  # term -> {area: weight}
    areas: tuple[str, ...]
    build_seconds: float = 0.0
    row_area: np.ndarray = field(default_factory=lambda: np.zeros(0))
    row_level: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # Precomputed index arrays, so scoring a text is vectorised:
    domain_protos: dict[str, np.ndarray] = field(default_factory=dict)  # area -> prototype indices
    row_occupations: list[np.ndarray] = field(default_factory=list)  # row -> its (area, level) exemplars
    row_neighbours: list[np.ndarray] = field(default_factory=list)  # row -> rows one level away, same area


def _area_terms(idx: SearchIndex, typo_oked: set[str]) -> dict[str, dict[str, float]]:
    """Domain terms of each area, derived from the framework's own text in all three languages.

    * title and OKED activity names: a term that names one area only, and is not common in the
      descriptors of the other areas, weighs 1 (so "services", "activity" or "management" do not
      count, nor does an OKED code flagged as a typo, 3.1's 92.12, whose name belongs to 3.2);
    * descriptor wording: a term used by at least 3 descriptors, 80 % or more of them in one area
      ("пошта"/"postal" in 3.3, "құрастыру"/"assembly" in 3.2), weighs 1/2.
    """
    per_area: dict[str, set[str]] = {}
    for a in idx.areas:
        terms: set[str] = set()
        for lang in ("kk", "ru", "en"):
            terms.update(analyze(a.title.get(lang) or "", lang))
            for code, names in a.oked:
                if f"oked:{a.code}:{code}" not in typo_oked:
                    terms.update(analyze(names.get(lang) or "", lang))
        per_area[a.code] = terms
    df: dict[str, dict[str, int]] = {}
    for d, dterms in zip(idx.docs, idx.doc_terms, strict=True):
        for t in set(dterms):
            df.setdefault(t, {}).setdefault(d.area, 0)
            df[t][d.area] += 1
    out: dict[str, dict[str, float]] = {}
    for code, terms in per_area.items():
        for t in terms:
            elsewhere = sum(n for a, n in df.get(t, {}).items() if a != code)
            if len(t) >= 3 and not t.isdigit() and elsewhere < 2 and \
                    sum(t in other for other in per_area.values()) == 1:
                out.setdefault(t, {})[code] = 1.0
    for t, by_area in df.items():
        total = sum(by_area.values())
        area, top = max(by_area.items(), key=lambda kv: kv[1])
        if total >= 3 and top / total >= 0.8 and len(t) >= 4 and not t.isdigit():
            out.setdefault(t, {}).setdefault(area, 0.5)
    return out


def build_model() -> MatchModel:
    import qualframe

    t0 = time.perf_counter()
    idx = get_index()
    fw = qualframe.load(idx.framework_id)
    protos = prototypes(fw)
    vecs, _origin = passage_vectors(f"{fw.id}.prototypes", prototype_passages(fw))
    rows = []
    for area, row in fw.rows():
        if not row.descriptors:
            continue  # 3.1 level 1 is printed with dashes: nothing to match against
        rows.append({
            "row_id": row.id, "area": area.code, "nqf_level": row.nqf_level, "sqf_level": row.sqf_level,
            "docs": {c: [idx.by_id[d.id] for d in row.column(c)] for c in COLUMNS},
        })
    typo = {e.target for e in fw.errata if e.kind == "oked-typo"}
    model = MatchModel(idx=idx, rows=rows, protos=protos, proto_vecs=vecs, area_terms=_area_terms(idx, typo),
                       areas=idx.area_codes)
    model.row_area = np.array([r["area"] for r in rows])
    model.row_level = np.array([r["nqf_level"] for r in rows], dtype=np.float32)
    model.domain_protos = {a: np.array([j for j, pr in enumerate(protos) if pr.kind == "domain" and pr.area == a],
                                       dtype=np.int64) for a in model.areas}
    model.row_occupations = [
        np.array([j for j, pr in enumerate(protos)
                  if pr.kind == "occupation" and pr.area == r["area"] and pr.level == r["nqf_level"]], dtype=np.int64)
        for r in rows]
    model.row_neighbours = [
        np.flatnonzero((model.row_area == r["area"]) & (np.abs(model.row_level - r["nqf_level"]) == 1))
        for r in rows]
    model.build_seconds = time.perf_counter() - t0
    return model


_model: MatchModel | None = None
_lock = threading.Lock()
embedder = QueryEmbedder(max_tokens=DIGEST_TOKENS, cache_size=512)


def get_match_model() -> MatchModel:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = build_model()
    return _model


# ------------------------------------------------------------------------------------------------
# Text digest

# Bounded repeats, and a bullet's leading space must start its whitespace run: unanchored, every
# position inside a long run of spaces was a new attempt that read the rest of the run.
_SENT = re.compile(r"(?<=[.!?;:])\s{1,64}|\n{1,64}|(?<!\s)\s{1,64}[•·▪●\-–—]\s{1,64}")


def title_of(text: str, max_chars: int = 140) -> str:
    """The first sentence or line, which in a vacancy or position description names the job."""
    first = _SENT.split(text.strip(), maxsplit=1)[0].strip()
    return first[:max_chars] if first else text[:max_chars]


def digest(text: str, max_tokens: int = DIGEST_TOKENS) -> str:
    """The part of `text` the embedder sees: its first sentence (usually the title) plus the
    sentences richest in domain and level cues, in their original order, within `max_tokens`."""
    m = get_model()
    if len(text) <= max_tokens * 2 or (len(text) <= max_tokens * 8 and m.token_count(text, True) <= max_tokens):
        return text  # short: the embedder's own cut (by tokens) is all it needs
    sents = [s.strip() for s in _SENT.split(text[:DIGEST_SCAN]) if s and s.strip()]
    if len(sents) <= 1:
        return sents[0] if sents else text  # nothing to rank: the embedder cuts it by tokens
    ranked = sorted(((10.0 if i == 0 else 0.0) + cue_count(s) - 0.001 * i, i, s) for i, s in enumerate(sents))
    ranked.reverse()
    chosen: list[tuple[int, str]] = []
    used, skipped = 1, 0
    for _score, i, s in ranked:
        # a sentence of more than 8 characters per token of budget cannot fit: do not count it
        n = m.token_count(s, False) - 1 if len(s) <= max_tokens * 8 else max_tokens + 1
        if used + n > max_tokens:
            if not chosen:
                chosen.append((i, s))  # a first sentence longer than the budget: the embedder cuts it
                break
            skipped += 1
            if skipped >= 3:
                break
            continue
        chosen.append((i, s))
        used += n
    chosen.sort()
    return " ".join(s for _, s in chosen)


# ------------------------------------------------------------------------------------------------
# Scoring


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


@dataclass
class Analysis:
    """Intermediate scores of one text; kept for the benchmark and for explanations."""

    lang: str
    doc_score: np.ndarray
    row_fit: np.ndarray
    area_score: dict[str, float]
    occ: np.ndarray
    cue_pref: np.ndarray
    row_score: np.ndarray
    level_cues: list[Any]
    domain_cues: list[Any]
    area_lex_terms: dict[str, list[str]]


def analyse(text: str, model: MatchModel, p: Params = DEFAULT) -> Analysis:
    idx = model.idx
    terms, lang, script = query_terms(text, "auto", True)
    lex = lexical_scores(idx, terms)
    # Latin-script Kazakh is read in Cyrillic by the embedder and the cue patterns alike; both read
    # only the head of the text, so only the head is transliterated.
    head = text[:CUE_SCAN]
    cyr = semantic_text(head, lang, script)
    dig, title = _embedding_inputs(cyr)
    q = embedder(dig)
    qt = q if title == dig else embedder(title, TITLE_TOKENS)
    cos = idx.vectors @ q
    doc_score = semantic_scores(cos) + p.lex_weight * lex

    # Row fit: best descriptor per column, columns weighted (competences most).
    cw = dict(zip(COLUMNS, p.col_weights, strict=True))
    fit = np.zeros(len(model.rows), dtype=np.float32)
    for i, r in enumerate(model.rows):
        num = den = 0.0
        for c in COLUMNS:
            ids = r["docs"][c]
            if ids:
                num += cw[c] * float(doc_score[ids].max())
                den += cw[c]
        fit[i] = num / den if den else 0.0
    fit_z = _z(fit)
    # Smooth over neighbouring levels of the same area (levels are ordered).
    smoothed = fit_z.copy()
    for i, nb in enumerate(model.row_neighbours):
        if len(nb):
            smoothed[i] = (1 - p.smooth) * fit_z[i] + p.smooth * float(fit_z[nb].mean())

    # Domain: prototypes, framework domain terms, market cues.
    pcos = model.proto_vecs @ q
    ds = np.array([float(np.sort(pcos[model.domain_protos[a]])[-3:].mean()) if len(model.domain_protos[a]) else 0.0
                   for a in model.areas])
    ds_rel = (ds - ds.max()) / 0.01  # in units of 0.01 cosine, the typical margin between areas
    area_lex = dict.fromkeys(model.areas, 0.0)
    area_lex_terms: dict[str, list[str]] = {a: [] for a in model.areas}
    for t in terms:
        for a, w in model.area_terms.get(t, {}).items():
            area_lex[a] += w
            area_lex_terms[a].append(t)
    # Cues read the transliterated text and, for Latin-script Kazakh, the original spelling too
    # (informal ASCII spellings such as "pochta" or "tajiribe" do not always transliterate cleanly);
    # the two views share the CUE_SCAN budget.
    half = CUE_SCAN // 2
    cue_text = cyr if cyr == head else cyr[:half] + "\n" + head[:half]
    dcues = domain_signals(cue_text)
    area_cue = dict.fromkeys(model.areas, 0.0)
    for s in dcues:
        if s.area in area_cue:
            area_cue[s.area] += s.weight * (1.0 + 0.25 * (s.count - 1))
    area_score = {
        a: (p.w_area_sem * float(ds_rel[k]) + p.w_area_lex * float(np.log1p(area_lex[a]))
            + p.w_area_cue * float(np.log1p(area_cue[a])))
        for k, a in enumerate(model.areas)
    }

    # Occupation exemplars: best similarity per (area, level), z-scored over all exemplars.
    occ_z = _z(model.proto_vecs @ qt)
    floor = float(occ_z.min()) if len(occ_z) else 0.0
    occ = np.array([float(occ_z[js].max()) if len(js) else floor for js in model.row_occupations], dtype=np.float32)
    # Ordinal cues: weighted L1 distance from each cue's level.
    lcues = level_signals(cue_text)
    total_w = sum(s.weight for s in lcues)
    scale = min(total_w, p.cue_cap) / total_w if total_w else 0.0
    cue_pref = np.zeros(len(model.rows), dtype=np.float32)
    for s in lcues:
        cue_pref -= scale * s.weight * np.abs(model.row_level - (s.level + p.cue_offset))

    row_score = (p.w_row * smoothed + p.w_occ * occ + p.w_cue * cue_pref
                 + np.array([area_score[a] for a in model.row_area], dtype=np.float32))
    return Analysis(lang, doc_score, fit, area_score, occ, cue_pref, row_score, lcues, dcues, area_lex_terms)


def _embedding_inputs(cyr: str) -> tuple[str, str]:
    """(digest, title) of a text already in the embedder's script."""
    return digest(cyr), title_of(cyr)


def prime(texts: list[str]) -> None:
    """Embed the digests and titles of a batch of texts in two engine calls (JSONL batch mode)."""
    digs, titles = [], []
    for t in texts:
        try:
            clean, _ = clean_text(t, MATCH_MAX_CHARS, what="text")
        except ValueError:
            continue
        guess = detect(clean)
        dig, title = _embedding_inputs(semantic_text(clean[:CUE_SCAN], guess.lang, guess.script))
        digs.append(dig)
        if title != dig:
            titles.append(title)
    embedder.prime(digs)
    embedder.prime(titles, TITLE_TOKENS)


def _evidence(model: MatchModel, row: dict[str, Any], an: Analysis, lang: str) -> list[dict[str, Any]]:
    out = []
    for c in COLUMNS:
        ids = sorted(row["docs"][c], key=lambda i: -an.doc_score[i])[:2]
        for i in ids:
            d = model.idx.docs[i]
            out.append({"column": c, "descriptor_id": d.descriptor_id, "text": d.in_lang(lang),
                        "score": round(float(an.doc_score[i]), 4)})
    return out


def match(text: str, *, limit: int = 5) -> dict[str, Any]:
    """Suggest area, NQF level and SQF level for `text`, best first, with confidence and evidence.

    Returns {"lang", "truncated", "suggestions": [{"area", "nqf_level", "sqf_level", "row_id",
    "confidence", "evidence": [{"column", "descriptor_id", "text", "score"}]}], "signals": {...}}.
    Evidence texts are in the input's language (ru/en are unofficial translations). Raises
    ValueError for empty text or a bad limit.
    """
    clean, truncated = clean_text(text, MATCH_MAX_CHARS, what="text")
    limit = check_limit(limit, MAX_LIMIT)
    model = get_match_model()
    an = analyse(clean, model)
    s = an.row_score / DEFAULT.temperature
    conf = np.exp(s - s.max())
    conf /= conf.sum()
    order = np.argsort(-an.row_score, kind="stable")[:limit]
    suggestions = []
    for i in order:
        r = model.rows[int(i)]
        suggestions.append({
            "area": r["area"], "nqf_level": r["nqf_level"], "sqf_level": r["sqf_level"], "row_id": r["row_id"],
            "confidence": round(float(conf[i]), 4), "evidence": _evidence(model, r, an, an.lang),
        })
    return {
        "lang": an.lang,
        "truncated": truncated,
        "suggestions": suggestions,
        "signals": {
            "areas": {a: round(float(v), 3) for a, v in an.area_score.items()},
            "domain_cues": [{"area": d.area, "cue": d.name, "text": d.evidence} for d in an.domain_cues],
            "domain_terms": {a: ts for a, ts in an.area_lex_terms.items() if ts},
            "level_cues": [{"cue": c.name, "level": round(c.level, 1), "text": c.evidence} for c in an.level_cues],
        },
    }


def warm() -> dict[str, Any]:
    """Build the search index and the match model and load the embedder (server start-up)."""
    from qualframe.search.engine import warm as warm_search

    t0 = time.perf_counter()
    out = warm_search()
    model = get_match_model()
    embedder("warm up")
    return {**out, "match_model_s": round(model.build_seconds, 4), "total_s": round(time.perf_counter() - t0, 4)}
