"""Validate the labelled development sets in bench/data against the real shipped framework.

Search and placement figures are only as good as their gold labels, so every label is checked against
`qualframe.load()`: descriptor ids, areas, levels and OKED codes must exist; coverage promised in
bench/data/README.md must hold; the texts must be in the language they claim; paraphrases must not be
copies of the descriptor (or of the project's own translation of it); and the README's count tables
must be the current output of bench/data/devset_stats.py.
"""

from __future__ import annotations

import collections
import difflib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import qualframe
from qualframe import translations
from qualframe.model import Descriptor, Framework

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"

LANGS = {"kk", "ru", "en"}
KINDS = {"vacancy", "position", "learning_outcome"}
STYLES = {"framework", "market"}
BANDS = ((1, 2), (3, 4), (5, 6), (7, 8))
KAZAKH_CYRILLIC = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# Letters of the 2021 (ä ğ ı ñ ö q ş ū ü) and 2018 acute-accent (á ǵ ń ó ú ý) Kazakh Latin alphabets.
KAZAKH_LATIN = set("äğıñöqşūüáǵńóúýÄĞÑÖQŞŪÜÁǴŃÓÚÝ")
DESCRIPTOR_REF = re.compile(r"\b3\.[1-3]-\d{2}-[csk]\d+\b")
ROW_REF = re.compile(r"\b3\.[1-3]-\d{2}\b(?!-)")

JOB_KEYS = {"id", "lang", "kind", "style", "text", "area", "oked", "nqf_level", "rationale"}
JOB_OPTIONAL = {"acceptable_levels", "script"}
PARA_KEYS = {"id", "lang", "text", "descriptor_id", "note"}
PARA_OPTIONAL = {"also_ok"}


def _load(name: str) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:  # pragma: no cover - reported as a test failure
                pytest.fail(f"{name} line {n}: invalid JSON: {e.msg}")
    return out


def _fold(text: str) -> str:
    return " ".join(text.split())


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _norm(a), _norm(b)).ratio()


def _has_cyrillic(text: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in text)


@pytest.fixture(scope="module")
def fw() -> Framework:
    return qualframe.load()


@pytest.fixture(scope="module")
def descriptors(fw: Framework) -> dict[str, Descriptor]:
    return {d.id: d for _, _, d in fw.descriptors()}


@pytest.fixture(scope="module")
def where(fw: Framework) -> dict[str, tuple[str, int]]:
    """Descriptor id and row id → (area, NQF level)."""
    out: dict[str, tuple[str, int]] = {}
    for area in fw.areas:
        for row in area.levels:
            out[row.id] = (area.code, row.nqf_level)
            for d in row.descriptors:
                out[d.id] = (area.code, row.nqf_level)
    return out


@pytest.fixture(scope="module")
def jobs() -> list[dict[str, Any]]:
    return _load("jobs.jsonl")


@pytest.fixture(scope="module")
def paras() -> list[dict[str, Any]]:
    return _load("paraphrases.jsonl")


# ----------------------------------------------------------------------------------------- jobs


def test_job_records_are_well_formed(jobs: list[dict[str, Any]]) -> None:
    for j in jobs:
        keys = set(j)
        assert keys >= JOB_KEYS, f"{j.get('id')}: missing {sorted(JOB_KEYS - keys)}"
        assert keys <= JOB_KEYS | JOB_OPTIONAL, f"{j['id']}: unknown {sorted(keys - JOB_KEYS - JOB_OPTIONAL)}"
        assert re.fullmatch(r"j\d{3}", j["id"]), j["id"]
        assert j["lang"] in LANGS, j["id"]
        assert j["kind"] in KINDS, j["id"]
        assert j["style"] in STYLES, j["id"]
        assert isinstance(j["nqf_level"], int) and 1 <= j["nqf_level"] <= 8, j["id"]
        assert j["text"].strip() and j["rationale"].strip(), j["id"]
    ids = [j["id"] for j in jobs]
    assert len(ids) == len(set(ids)), [i for i, c in collections.Counter(ids).items() if c > 1]
    texts = [_fold(j["text"]).lower() for j in jobs]
    assert len(texts) == len(set(texts)), "two jobs have the same text"


def test_job_labels_exist_in_the_framework(fw: Framework, jobs: list[dict[str, Any]]) -> None:
    for j in jobs:
        area = fw.area(j["area"])
        acceptable = j.get("acceptable_levels", [j["nqf_level"]])
        assert j["nqf_level"] in acceptable, j["id"]
        assert acceptable == sorted(set(acceptable)), f"{j['id']}: acceptable_levels not sorted/unique"
        assert acceptable == list(range(acceptable[0], acceptable[-1] + 1)), f"{j['id']}: not contiguous"
        for level in acceptable:
            rows = area.rows_at(level)
            # A gold level must have descriptors to place a job on (level 1 of 3.1 is dashes only).
            assert any(r.descriptors for r in rows), f"{j['id']}: {j['area']} has no descriptors at {level}"


def test_job_area_follows_its_oked_code(fw: Framework, jobs: list[dict[str, Any]]) -> None:
    for j in jobs:
        match = qualframe.lookup_oked(fw, j["oked"])
        assert match.valid_syntax, f"{j['id']}: bad OKED code {j['oked']!r}"
        assert j["area"] in match.areas, f"{j['id']}: OKED {j['oked']} maps to {match.areas}, not {j['area']}"
        # The decisive hit (exact/parent before erratum readings) must be the labelled area.
        assert match.areas[0] == j["area"], f"{j['id']}: OKED {j['oked']} first maps to {match.areas[0]}"
        assert f"OKED {j['oked']}" in j["rationale"], f"{j['id']}: rationale does not name its OKED code"


def test_job_rationales_cite_descriptors_at_the_gold_level(
    jobs: list[dict[str, Any]], where: dict[str, tuple[str, int]]
) -> None:
    for j in jobs:
        acceptable = j.get("acceptable_levels", [j["nqf_level"]])
        cited = DESCRIPTOR_REF.findall(j["rationale"])
        assert cited, f"{j['id']}: rationale cites no descriptor id"
        for ref in cited + ROW_REF.findall(j["rationale"]):
            assert ref in where, f"{j['id']}: rationale cites unknown id {ref}"
            area, level = where[ref]
            assert area == j["area"], f"{j['id']}: cites {ref} from area {area}"
            assert level in acceptable, f"{j['id']}: cites {ref} at level {level}, outside {acceptable}"
        assert any(where[ref][1] == j["nqf_level"] for ref in cited), (
            f"{j['id']}: no cited descriptor is at the gold level {j['nqf_level']}"
        )


def test_job_counts_and_coverage(jobs: list[dict[str, Any]]) -> None:
    assert len(jobs) >= 72
    by_lang = collections.Counter(j["lang"] for j in jobs)
    for lang in LANGS:
        assert by_lang[lang] >= 20, f"only {by_lang[lang]} {lang} jobs"
    assert 3 <= sum(1 for j in jobs if j.get("script") == "Latn") <= 6
    for area in ("3.1", "3.2", "3.3"):
        levels = {j["nqf_level"] for j in jobs if j["area"] == area}
        for band in BANDS:
            assert levels & set(band), f"area {area} has no job at levels {band}"
    assert {j["nqf_level"] for j in jobs} == set(range(1, 9))
    # Every level that has descriptors in an area has at least one job there.
    for area, lo in (("3.1", 2), ("3.2", 1), ("3.3", 1)):
        assert {j["nqf_level"] for j in jobs if j["area"] == area} >= set(range(lo, 9)), area
    market = sum(1 for j in jobs if j["kind"] == "vacancy" and j["style"] == "market")
    assert market / len(jobs) >= 0.40
    assert {j["kind"] for j in jobs} == KINDS
    assert {j["style"] for j in jobs} == STYLES


def test_job_languages_are_what_they_claim(jobs: list[dict[str, Any]]) -> None:
    for j in jobs:
        _check_language(j["id"], j["lang"], j["text"], j.get("script"))
        assert (j["lang"] == "kk") == ("script" in j), f"{j['id']}: script is given for kk items only"


def test_market_jobs_do_not_copy_descriptor_wording(fw: Framework, jobs: list[dict[str, Any]]) -> None:
    """Market-style texts share no five-word run with any descriptor or its ru/en translation."""

    def grams(text: str) -> set[tuple[str, ...]]:
        ws = re.findall(r"\w+", text.lower())
        return {tuple(ws[i : i + 5]) for i in range(len(ws) - 4)}

    index: dict[str, set[tuple[str, ...]]] = {lang: set() for lang in LANGS}
    for _, _, d in fw.descriptors():
        index["kk"] |= grams(d.text)
        for lang in ("ru", "en"):
            index[lang] |= grams(translations.text(d.id, lang, fw) or "")
    for j in jobs:
        if j["style"] == "market":
            shared = grams(j["text"]) & index[j["lang"]]
            assert not shared, f"{j['id']}: copies descriptor wording {sorted(shared)[:2]}"


# ---------------------------------------------------------------------------------- paraphrases


def test_paraphrase_records_are_well_formed(paras: list[dict[str, Any]]) -> None:
    for p in paras:
        keys = set(p)
        assert keys >= PARA_KEYS, f"{p.get('id')}: missing {sorted(PARA_KEYS - keys)}"
        assert keys <= PARA_KEYS | PARA_OPTIONAL, f"{p['id']}: unknown {sorted(keys - PARA_KEYS - PARA_OPTIONAL)}"
        assert re.fullmatch(r"p\d{3}", p["id"]), p["id"]
        assert p["lang"] in LANGS, p["id"]
        assert p["text"].strip(), p["id"]
    ids = [p["id"] for p in paras]
    assert len(ids) == len(set(ids)), [i for i, c in collections.Counter(ids).items() if c > 1]
    texts = [_fold(p["text"]).lower() for p in paras]
    assert len(texts) == len(set(texts)), "two paraphrases have the same text"


def test_paraphrase_targets_exist(paras: list[dict[str, Any]], descriptors: dict[str, Descriptor]) -> None:
    for p in paras:
        assert p["descriptor_id"] in descriptors, f"{p['id']}: unknown {p['descriptor_id']}"
        also = p.get("also_ok", [])
        if "also_ok" in p:
            assert also, f"{p['id']}: also_ok, when given, must not be empty"
        assert len(also) == len(set(also)) and p["descriptor_id"] not in also, p["id"]
        for other in also:
            assert other in descriptors, f"{p['id']}: also_ok names unknown {other}"


def test_near_identical_descriptors_are_listed_as_also_ok(
    paras: list[dict[str, Any]], descriptors: dict[str, Descriptor]
) -> None:
    """A paraphrase of a descriptor repeated nearly word for word elsewhere must accept the repeats."""
    normed = {i: _norm(d.text) for i, d in descriptors.items()}

    def near(a: str, b: str) -> bool:
        sm = difflib.SequenceMatcher(None, a, b)  # cheap upper bounds first: the full ratio is slow
        return sm.real_quick_ratio() >= 0.9 and sm.quick_ratio() >= 0.9 and sm.ratio() >= 0.9

    for p in paras:
        target = normed[p["descriptor_id"]]
        ok = {p["descriptor_id"], *p.get("also_ok", [])}
        twins = [i for i, t in normed.items() if i not in ok and near(t, target)]
        assert not twins, f"{p['id']}: {p['descriptor_id']} is near-identical to {twins}; add them to also_ok"


def test_paraphrases_are_not_copies(
    fw: Framework, paras: list[dict[str, Any]], descriptors: dict[str, Descriptor]
) -> None:
    for p in paras:
        ok = [p["descriptor_id"], *p.get("also_ok", [])]
        for did in ok:
            kk = descriptors[did].text
            assert _fold(p["text"]) != _fold(kk), f"{p['id']}: identical to the Kazakh text of {did}"
            if p["lang"] == "kk":
                sim = _similarity(p["text"], kk)
                assert sim < 0.8, f"{p['id']}: {sim:.2f} similar to {did}, reword more"
            else:
                tr = translations.text(did, p["lang"], fw)
                if tr:  # the project's own unofficial translation would make the item trivial
                    sim = _similarity(p["text"], tr)
                    assert sim < 0.85, f"{p['id']}: {sim:.2f} similar to the {p['lang']} translation of {did}"


def test_paraphrase_languages_are_what_they_claim(paras: list[dict[str, Any]]) -> None:
    for p in paras:
        script = None
        if p["lang"] == "kk":
            script = "Cyrl" if _has_cyrillic(p["text"]) else "Latn"
        _check_language(p["id"], p["lang"], p["text"], script)


def test_paraphrase_counts_and_spread(
    paras: list[dict[str, Any]], descriptors: dict[str, Descriptor], where: dict[str, tuple[str, int]]
) -> None:
    assert len(paras) >= 48
    by_lang = collections.Counter(p["lang"] for p in paras)
    for lang in LANGS:
        assert by_lang[lang] >= 16, f"only {by_lang[lang]} {lang} paraphrases"
    for area in ("3.1", "3.2", "3.3"):
        mine = [p for p in paras if where[p["descriptor_id"]][0] == area]
        assert len(mine) >= 15, f"only {len(mine)} paraphrases in {area}"
        columns = collections.Counter(descriptors[p["descriptor_id"]].column for p in mine)
        assert min(columns[c] for c in qualframe.COLUMNS) >= 4, f"{area}: columns {dict(columns)}"
        levels = {where[p["descriptor_id"]][1] for p in mine}
        assert len(levels) >= 7, f"{area}: paraphrases cover levels {sorted(levels)} only"
        assert {p["lang"] for p in mine} == LANGS, area


# ------------------------------------------------------------------------------------- README


def _stats_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devset_stats", DATA / "devset_stats.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_counts_are_current() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    current = _stats_module().report(baseline=False)
    assert current in readme, "bench/data/README.md counts are stale: paste `devset_stats.py` output again"
    assert "held-out" in readme.lower()


# ------------------------------------------------------------------------------------- helpers


def _check_language(item: str, lang: str, text: str, script: str | None) -> None:
    letters = set(text)
    if lang == "ru":
        assert _has_cyrillic(text), f"{item}: ru text has no Cyrillic"
        bad = letters & KAZAKH_CYRILLIC
        assert not bad, f"{item}: ru text has Kazakh letters {sorted(bad)}"
    elif lang == "en":
        assert not _has_cyrillic(text), f"{item}: en text contains Cyrillic"
        assert re.search(r"[A-Za-z]{3}", text), f"{item}: en text has no Latin words"
    elif script == "Latn":
        assert not _has_cyrillic(text), f"{item}: kk Latin text contains Cyrillic"
        assert letters & KAZAKH_LATIN, f"{item}: kk Latin text has no Kazakh Latin letters"
    else:
        assert script in (None, "Cyrl"), f"{item}: unknown script {script!r}"
        assert letters & KAZAKH_CYRILLIC, f"{item}: kk text has no Kazakh-specific letters"
