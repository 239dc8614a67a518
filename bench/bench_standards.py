"""Professional standards: export time and register search latency.

1. DOCX (python-docx) and PDF (WeasyPrint, shipped fonts) export of a standard with 10 profession cards
   and 200 items (functions, skills, abilities, knowledge), kk; target <= 2 s for DOCX.
2. Checks of that standard: the structural/OKED/ladder checks, and the level-distance check with the search
   engine cold (one search per distinct item text) and warm (cached by text).
3. The register with 500 published standards (in-process, SQLite): building its BM25 index once, then the
   latency of a search, a filtered listing and a worst-case query (2,000 characters, the engine's limit).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from common import fmt_ms, timeit  # noqa: E402

N_STANDARDS = int(os.environ.get("QUALFRAME_BENCH_STANDARDS", "500"))


def big_standard(fw, sid: str = "ps-bench000", cards: int = 10, per_card: int = 20) -> dict:
    """`cards` cards on consecutive rows of area 3.1; per card 2 functions x 2 skills x (2 abilities +
    2 knowledge) + 4 skills' names... = `per_card` items (functions + skills + abilities + knowledge)."""
    from qualframe.standards import document as D
    from qualframe.standards.framework import row_info

    doc = D.new_document(sid, fw.id)
    D.edit_element(doc, "passport", 1, {"name": {"kk": "Бағдарламалық қамтамасыз етуді әзірлеу",
                                                 "ru": "Разработка программного обеспечения"}, "oked": ["62.01"]})
    rows = [r.id for a, r in fw.rows() if a.code in ("3.1", "3.3")][:cards]
    texts = [d.text for _, _, d in fw.descriptors()]
    k = 0
    for i, rid in enumerate(rows):
        card = D.card_from_row(doc, row_info(fw, rid), {"name": {"kk": f"Кәсіп {i}", "ru": f"Профессия {i}"}})
        items = 0
        while items < per_card:
            f = D.add_element(doc, card["id"], "function", {"name": {"kk": texts[k % len(texts)][:200], "ru": "ф"}})
            s = D.add_element(doc, f["id"], "skill", {"name": {"kk": texts[(k + 1) % len(texts)][:200], "ru": "н"}})
            for j in range(3):
                D.add_element(doc, s["id"], "ability", {"text": {"kk": texts[(k + 2 + j) % len(texts)], "ru": "у"}})
                D.add_element(doc, s["id"], "knowledge", {"text": {"kk": texts[(k + 5 + j) % len(texts)], "ru": "з"}})
            items += 8
            k += 7
    return doc


def main() -> None:
    from qualframe.dataset import load
    from qualframe.standards import checks as C
    from qualframe.standards import document as D
    from qualframe.standards import render, suggest

    fw = load()
    doc = big_standard(fw)
    n_items = sum(1 for e, _, _ in D.walk(doc) if e["kind"] in C.ITEM_KINDS)
    meta = {"org": "bench", "sid": "ps-bench000", "code": "PS-ICT-31-2026-0001", "status": "published",
            "published": "2026-01-01T00:00:00Z", "org_name": "Bench", "number": 1}
    print(f"standard: {len(doc['cards'])} cards, {n_items} items, {D.count_elements(doc)} elements")
    print("DOCX export (kk):", fmt_ms(timeit(lambda: render.build_docx(doc, meta, "kk"), repeat=5, warmup=1)))
    try:
        from qualframe.documents.pdf import available, render_pdf

        if available() is None:
            html = render.build_html(doc, meta, "kk")
            samples = timeit(lambda: render_pdf(html, max_pages=400, pdf_variant=None), repeat=3, warmup=1)
            print("PDF export (kk):", fmt_ms(samples))
        else:
            print("PDF export: skipped,", available())
    except ImportError as exc:
        print("PDF export: skipped,", exc)
    print("checks without search:", fmt_ms(timeit(lambda: C.run_checks(doc, fw), repeat=10)))
    t0 = time.perf_counter()
    C.level_distance(doc, suggest.closest)
    print(f"level-distance check, cold (one search per distinct text, model load included): "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    print("level-distance check, warm (cached by text):",
          fmt_ms(timeit(lambda: C.level_distance(doc, suggest.closest), repeat=10)))

    # --- the register with N published standards ---
    import tempfile

    from qualframe.standards.register import Register
    from qualframe.store import Store, prepare
    from qualframe.store import accounts as acc
    from qualframe.store import standards as st

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        prepare(store)
        actor = acc.Actor("cli:bench")
        with acc.audited(store, actor) as tx:
            acc.create_org(tx, "bench", "standards-body", {"kk": "Bench"})
        small = [big_standard(fw, f"ps-{i:08x}", cards=2, per_card=8) for i in range(10)]
        t0 = time.perf_counter()
        for i in range(N_STANDARDS):
            d = small[i % 10]
            d["passport"]["name"]["kk"] = f"Стандарт {i} " + ("пошта байланысы" if i % 50 == 0 else "бағдарламалау")
            out = st.create(store, actor, "bench", fw.id, doc=dict(d))
            for step in ("submit", "approve", "publish"):
                st.transition(store, actor, "bench", out["sid"], step, lambda _d: 0, lambda _d: "3.1")
        print(f"{N_STANDARDS} standards created and published in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        reg = Register.build(st.published(store))
        print(f"register index built in {(time.perf_counter() - t0) * 1000:.0f} ms ({len(reg.entries)} entries)")
        print("register search 'пошта байланысы':", fmt_ms(timeit(lambda: reg.search("пошта байланысы"), repeat=50)))
        print("register filter level=5, area=3.1:", fmt_ms(timeit(lambda: reg.search(area="3.1", level=5), repeat=50)))
        worst = ("бағдарламалау әзірлеу тестілеу " * 80)[:2000]
        print("register search, 2,000-character query:", fmt_ms(timeit(lambda: reg.search(worst), repeat=20)))
        store.close()


if __name__ == "__main__":
    main()
