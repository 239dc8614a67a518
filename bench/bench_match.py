"""Match (placing a job): quality on bench/data/jobs.jsonl and speed.

Quality: area top-1, exact NQF level, within one level, and "acceptable" (the top level is in the
item's acceptable_levels), for all items, for the odd ids (where the weights were set) and the even
ids (the check), by style (market / framework) and language; confidence calibration (mean top-1
confidence against the share of exactly right area+level, and the log-loss of the gold area+level);
and an ablation that removes one signal family at a time. Speed: warm median latency of one match
with an empty embedding cache, and batch throughput through the JSONL path.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import fmt_ms  # noqa: E402
from qualframe.match import engine  # noqa: E402
from qualframe.search.batch import process_lines  # noqa: E402


def _jobs() -> list[dict]:
    path = HERE / "data" / "jobs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _evaluate(items: list[dict], p: engine.Params) -> dict[str, float]:
    model = engine.get_match_model()
    n = area = exact = within = accept = 0
    confs, hits, nll = [], [], 0.0
    for j in items:
        an = engine.analyse(j["text"], model, p)
        s = an.row_score / p.temperature
        prob = np.exp(s - s.max())
        prob /= prob.sum()
        i = int(np.argmax(an.row_score))
        r = model.rows[i]
        n += 1
        area += r["area"] == j["area"]
        ok_area = r["area"] == j["area"]
        exact += r["nqf_level"] == j["nqf_level"]
        within += abs(r["nqf_level"] - j["nqf_level"]) <= 1
        accept += r["nqf_level"] in j.get("acceptable_levels", [j["nqf_level"]])
        confs.append(float(prob[i]))
        hits.append(ok_area and r["nqf_level"] == j["nqf_level"])
        gold = sum(float(prob[k]) for k, rr in enumerate(model.rows)
                   if rr["area"] == j["area"] and rr["nqf_level"] == j["nqf_level"])
        nll -= float(np.log(max(gold, 1e-9)))
    n = max(n, 1)
    return {"n": n, "area": area / n, "exact": exact / n, "within": within / n, "accept": accept / n,
            "conf": float(np.mean(confs)) if confs else 0.0, "hit": float(np.mean(hits)) if hits else 0.0,
            "nll": nll / n}


def _line(label: str, r: dict[str, float]) -> None:
    print(f"  {label:<30} area {r['area']:6.1%}  exact {r['exact']:6.1%}  within-1 {r['within']:6.1%}  "
          f"acceptable {r['accept']:6.1%}  (n={r['n']})")


def quality(items: list[dict]) -> None:
    p = engine.DEFAULT
    print("match quality (bench/data/jobs.jsonl; targets: area >= 95%, within one level >= 90%):")
    all_ = _evaluate(items, p)
    _line("all", all_)
    _line("odd ids (tuning half)", _evaluate([j for j in items if int(j["id"][1:]) % 2], p))
    _line("even ids (check half)", _evaluate([j for j in items if not int(j["id"][1:]) % 2], p))
    for style in ("market", "framework"):
        _line(f"style {style}", _evaluate([j for j in items if j.get("style") == style], p))
    for lang in ("kk", "ru", "en"):
        _line(f"lang {lang}", _evaluate([j for j in items if j["lang"] == lang], p))
    print(f"  calibration: mean top-1 confidence {all_['conf']:.2f} vs exactly right area+level "
          f"{all_['hit']:.2f}; log-loss of the gold area+level {all_['nll']:.2f} "
          f"(uniform guess: {np.log(len(engine.get_match_model().rows)):.2f})")
    print("ablation (all items; one signal family removed):")
    for label, change in [
        ("no row fit (descriptors)", {"w_row": 0.0}),
        ("no occupation exemplars", {"w_occ": 0.0}),
        ("no level cues", {"w_cue": 0.0}),
        ("no market domain cues", {"w_area_cue": 0.0}),
        ("no domain prototypes", {"w_area_sem": 0.0}),
        ("no OKED/title terms", {"w_area_lex": 0.0}),
        ("framework text only", {"w_occ": 0.0, "w_cue": 0.0, "w_area_cue": 0.0}),
    ]:
        _line(label, _evaluate(items, dataclasses.replace(p, **change)))


def speed(items: list[dict]) -> None:
    texts = [j["text"] for j in items]
    print(f"speed (2-core box; load average now {os.getloadavg()[0]:.1f}; target match <= 50 ms):")
    t0 = time.perf_counter()
    engine.warm()
    print(f"  warm-up (index + prototypes + model): {time.perf_counter() - t0:.2f} s")
    samples = []
    for t in texts:
        engine.embedder.clear()
        t0 = time.perf_counter()
        engine.match(t)
        samples.append(time.perf_counter() - t0)
    med_len = int(np.median([len(t) for t in texts]))
    print(f"  match, one job text (median {med_len} chars), embeddings not cached: {fmt_ms(samples)}")
    long_text = " ".join(texts)[:20_000]
    engine.embedder.clear()
    t0 = time.perf_counter()
    engine.match(long_text)
    print(f"  match, 20,000-character text: {(time.perf_counter() - t0) * 1000:.0f} ms")
    lines = [json.dumps({"id": j["id"], "text": j["text"]}, ensure_ascii=False) for j in items]
    for label, prime in (("one by one", None), ("embeddings batched 16 at a time", engine.prime)):
        engine.embedder.clear()
        t0 = time.perf_counter()
        n = sum(1 for _ in process_lines(lines, lambda t: engine.match(t), prime=prime))
        dt = time.perf_counter() - t0
        print(f"  batch, JSONL path, {n} job texts, {label}: {n / dt:.1f} texts/s")


def main() -> None:
    items = _jobs()
    quality(items)
    speed(items)


if __name__ == "__main__":
    main()
