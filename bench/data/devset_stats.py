"""Counts for the labelled development sets (jobs.jsonl, paraphrases.jsonl), printed as plain tables.

The README pastes this output; tests/test_devsets.py checks that the pasted copy is still current, so
the documented counts cannot drift from the data. `--baseline` adds a naive character-4-gram score as a
floor that any real search engine should beat.

    .venv/bin/python bench/data/devset_stats.py [--baseline]
"""

from __future__ import annotations

import collections
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent
JOBS = DATA / "jobs.jsonl"
PARAPHRASES = DATA / "paraphrases.jsonl"
AREAS = ("3.1", "3.2", "3.3")
LANGS = ("kk", "ru", "en")
LEVELS = tuple(range(1, 9))


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """One JSON object per non-empty line; a bad line is reported with its file and line number."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path.name} line {n}: not valid JSON ({e.msg})") from None
    return out


def _lang_label(rec: dict[str, Any]) -> str:
    return f"kk-{rec['script']}" if rec["lang"] == "kk" else rec["lang"]


def _row(label: str, cells: list[object], width: int = 6) -> str:
    return f"{label:<14}" + "".join(f"{c!s:>{width}}" for c in cells)


def jobs_report(jobs: list[dict[str, Any]]) -> list[str]:
    lines = [f"jobs.jsonl: {len(jobs)} texts"]
    by_lang = collections.Counter(_lang_label(j) for j in jobs)
    lines.append("  by language: " + ", ".join(f"{k} {by_lang[k]}" for k in sorted(by_lang)))
    by_kind = collections.Counter(f"{j['kind']}/{j['style']}" for j in jobs)
    lines.append("  by kind/style: " + ", ".join(f"{k} {by_kind[k]}" for k in sorted(by_kind)))
    market = sum(1 for j in jobs if j["kind"] == "vacancy" and j["style"] == "market")
    lines.append(f"  market-style vacancies: {market}/{len(jobs)} = {100 * market / len(jobs):.0f}%")
    lines.append("  area x NQF level (gold nqf_level):")
    lines.append("  " + _row("area", [*LEVELS, "total"]))
    for area in AREAS:
        per = collections.Counter(j["nqf_level"] for j in jobs if j["area"] == area)
        lines.append("  " + _row(area, [per[lv] for lv in LEVELS] + [sum(per.values())]))
    lines.append("  area x language:")
    lines.append("  " + _row("area", list(LANGS), 6))
    for area in AREAS:
        per = collections.Counter(j["lang"] for j in jobs if j["area"] == area)
        lines.append("  " + _row(area, [per[lg] for lg in LANGS], 6))
    widths = collections.Counter(len(j.get("acceptable_levels") or [j["nqf_level"]]) for j in jobs)
    lines.append("  acceptable_levels width: " + ", ".join(f"{k} level(s) {widths[k]}" for k in sorted(widths)))
    return lines


def paraphrases_report(paras: list[dict[str, Any]], column_of: dict[str, str], level_of: dict[str, int]) -> list[str]:
    lines = [f"paraphrases.jsonl: {len(paras)} texts"]
    by_lang = collections.Counter(p["lang"] for p in paras)
    lines.append("  by language: " + ", ".join(f"{k} {by_lang[k]}" for k in sorted(by_lang)))
    with_alt = sum(1 for p in paras if p.get("also_ok"))
    lines.append(f"  with also_ok alternatives: {with_alt}")
    lines.append("  area x column of the target descriptor:")
    cols = ("competences", "skills", "knowledge")
    lines.append("  " + _row("area", ["comp", "skill", "know"], 7))
    for area in AREAS:
        per = collections.Counter(
            column_of[p["descriptor_id"]] for p in paras if p["descriptor_id"].startswith(area + "-")
        )
        lines.append("  " + _row(area, [per[c] for c in cols], 7))
    lines.append("  area x NQF level of the target descriptor:")
    lines.append("  " + _row("area", list(LEVELS)))
    for area in AREAS:
        per = collections.Counter(
            level_of[p["descriptor_id"]] for p in paras if p["descriptor_id"].startswith(area + "-")
        )
        lines.append("  " + _row(area, [per[lv] for lv in LEVELS]))
    return lines


def _grams(text: str, n: int = 4) -> collections.Counter[str]:
    t = " " + re.sub(r"\W+", " ", text.lower()) + " "
    return collections.Counter(t[i : i + n] for i in range(len(t) - n + 1))


def _cos(a: collections.Counter[str], b: collections.Counter[str]) -> float:
    num = sum(v * b.get(k, 0) for k, v in a.items())
    den = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return num / den if den else 0.0


def baseline_report(jobs: list[dict[str, Any]], paras: list[dict[str, Any]]) -> list[str]:
    """Nearest descriptor by character-4-gram cosine, against Kazakh for kk and the project's
    unofficial translation for ru/en (Kazakh where a translation is missing)."""
    import qualframe
    from qualframe import translations

    fw = qualframe.load()
    rows = {d.id: (area.code, row.nqf_level) for area in fw.areas for row in area.levels for d in row.descriptors}
    index: dict[str, dict[str, collections.Counter[str]]] = {}
    for lang in LANGS:
        index[lang] = {}
        for _, _, d in fw.descriptors():
            text = d.text if lang == "kk" else (translations.text(d.id, lang, fw) or d.text)
            index[lang][d.id] = _grams(text)

    def ranked(text: str, lang: str) -> list[str]:
        q = _grams(text)
        return sorted(index[lang], key=lambda i: -_cos(q, index[lang][i]))

    top1 = top5 = 0
    for p in paras:
        ok = {p["descriptor_id"], *p.get("also_ok", [])}
        r = ranked(p["text"], p["lang"])
        top1 += r[0] in ok
        top5 += bool(ok & set(r[:5]))
    area_hit = level_exact = level_ok = 0
    for j in jobs:
        area, level = rows[ranked(j["text"], j["lang"])[0]]
        area_hit += area == j["area"]
        level_exact += level == j["nqf_level"]
        level_ok += level in (j.get("acceptable_levels") or [j["nqf_level"]])
    n, m = len(paras), len(jobs)
    return [
        "naive char-4-gram baseline (nearest single descriptor):",
        f"  paraphrases: top-1 {top1}/{n}, top-5 {top5}/{n}",
        f"  jobs: area {area_hit}/{m}, level exact {level_exact}/{m}, level acceptable {level_ok}/{m}",
    ]


def report(baseline: bool = False) -> str:
    import qualframe

    fw = qualframe.load()
    column_of = {d.id: d.column for _, _, d in fw.descriptors()}
    level_of = {d.id: row.nqf_level for area in fw.areas for row in area.levels for d in row.descriptors}
    jobs, paras = load_jsonl(JOBS), load_jsonl(PARAPHRASES)
    lines = [*jobs_report(jobs), "", *paraphrases_report(paras, column_of, level_of)]
    if baseline:
        lines += ["", *baseline_report(jobs, paras)]
    return "\n".join(lines)


def main() -> None:
    print(report(baseline="--baseline" in sys.argv[1:]))


if __name__ == "__main__":
    main()
