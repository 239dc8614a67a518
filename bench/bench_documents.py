"""Documents: what one certificate PDF costs, the worst case the renderer accepts, and baking an SVG badge.

1. PDF render of one certificate (kk and ru; real row 3.1-07, credential signed with a fresh key, credential
   embedded, PDF/A-3b): median and max wall time over a few runs after one warm-up (the first render loads
   the fonts). The web app runs these through the admission limiter; the median says how many per second
   one core renders.
2. Worst case: the longest row of the framework (most descriptor text) with the holder's and centre's names at
   their limits, one render (the page limit keeps it bounded).
3. Bake and unbake of the OB 3.0 SVG badge: median per operation.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE.parent / "tests"))

RUNS = int(os.environ.get("QUALFRAME_BENCH_PDF_RUNS", "5"))


def _timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    from qualframe.documents.pdf import available

    reason = available()
    if reason:
        print(f"   skipped: {reason}")
        return
    from credentials_helpers import centre_ring, kek
    from qualframe.credentials.badge import badge_svg, unbake_svg
    from qualframe.credentials.certificate import CertificateDisplay, render_certificate_pdf
    from qualframe.credentials.openbadge import issue_credential
    from qualframe.dataset import load
    from test_documents import NUMBER, REGISTER_URL, _credential

    fw = load()
    ring = centre_ring()
    cred = issue_credential(_credential(ring.active.did), ring.signer(kek()), created="2025-03-01T10:00:00Z")
    display = CertificateDisplay(number=NUMBER, register_url=REGISTER_URL, framework_id=fw.id,
                                 framework_title=fw.title["kk"], area=fw.area("3.1"), row=fw.row("3.1-07"))
    render_certificate_pdf(cred, display, "kk")  # warm-up: fonts, CSS parser
    for lang in ("kk", "ru"):
        times = _timed(lambda lang=lang: render_certificate_pdf(cred, display, lang), RUNS)
        size = len(render_certificate_pdf(cred, display, lang))
        print(f"   PDF certificate ({lang}, row 3.1-07): median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms over {RUNS} runs; {size / 1024:.0f} KiB; "
              f"{1 / statistics.median(times):.1f} per second per core")

    area, row = max(((a, r) for a, r in fw.rows()), key=lambda ar: sum(len(d.text) for d in ar[1].descriptors))
    chars = sum(len(d.text) for d in row.descriptors)
    worst = replace(display, area=area, row=row, holder_name="Ә" * 200, centre_names={"kk": "Қ" * 300})
    t = time.perf_counter()
    pdf = render_certificate_pdf(cred, worst, "kk")
    print(f"   worst case (row {row.id}, {chars} characters of descriptors, 200-letter name): "
          f"{(time.perf_counter() - t) * 1000:.0f} ms, {len(pdf) / 1024:.0f} KiB")

    args = {"level": "ҰБШ 6 · СБШ 62", "number": NUMBER, "title": cred["name"], "centre": cred["issuer"]["name"]}
    bake = _timed(lambda: badge_svg(cred, **args), 200)
    svg = badge_svg(cred, **args)
    unbake = _timed(lambda: unbake_svg(svg), 200)
    print(f"   SVG badge: bake median {statistics.median(bake) * 1e6:.0f} µs, unbake median "
          f"{statistics.median(unbake) * 1e6:.0f} µs ({len(svg.encode()) / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
