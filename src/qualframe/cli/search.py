"""`qualframe search` and `qualframe match`: find descriptors, place a job on the framework.

Both take one text argument or, with --jsonl FILE ("-" for stdin), a file of {"id", "text"} lines
and print one JSON result line per input line. A malformed line is reported in place, with its line
number, on stdout (as {"line", "error"}) and on stderr; the other lines are still processed and the
exit code is 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from qualframe.cli.output import console, err_console, fail, print_json
from qualframe.model import SourceSpan
from qualframe.search.inputs import SEARCH_MAX_CHARS

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
JsonlOpt = Annotated[
    Path | None,
    typer.Option("--jsonl", help='Batch mode: a JSONL file of {"id", "text"} lines ("-" for stdin); '
                                 "prints one JSON line per input line.", dir_okay=False, allow_dash=True),
]
COLUMN_LABEL = {"competences": "competences", "skills": "abilities & skills", "knowledge": "knowledge"}


def _read_lines(path: Path) -> Iterator[str]:
    if str(path) == "-":
        yield from sys.stdin
        return
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            yield from fh
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")


def _batch(path: Path, fn: Callable[[str], dict[str, Any]], prime: Callable[[list[str]], None]) -> None:
    from qualframe.search.batch import process_lines

    errors = 0
    for out in process_lines(_read_lines(path), fn, prime=prime):
        if "error" in out:
            errors += 1
            err_console.print(f"[bold red]error:[/] {escape(str(path))}: {escape(out['error'])}", highlight=False)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if errors:
        raise typer.Exit(1)


def _run(one: Callable[[str], dict[str, Any]], text: str, jsonl: Path | None,
         prime: Callable[[list[str]], None], json_out: bool, show: Callable[[dict[str, Any]], None]) -> None:
    """One text, or a JSONL batch; ValueError (bad input or options) becomes a clear error and exit 1."""
    try:
        if jsonl is not None:
            one("warm up")  # validate the options once, before reading the file
            _batch(jsonl, one, prime)
            return
        res = one(text)
    except ValueError as exc:
        fail(str(exc))
    if json_out:
        print_json(res)
        return
    show(res)


def _text_arg(text: str | None, jsonl: Path | None, what: str) -> str:
    """The text argument; "-" reads it from stdin (a long vacancy does not fit in an argument)."""
    if jsonl is not None and text is not None:
        fail(f"give either a {what} or --jsonl FILE, not both")
    if jsonl is None and text is None:
        fail(f"missing {what} (or --jsonl FILE)")
    if text == "-":
        return sys.stdin.read()
    return text or ""


def search(
    query: Annotated[str | None, typer.Argument(help="What to look for, in Kazakh (Cyrillic or Latin), "
                                                      'Russian or English; "-" reads stdin.',
                                                 show_default=False)] = None,
    lang: Annotated[str, typer.Option("--lang", help="Query language: auto, kk, ru or en.")] = "auto",
    area: Annotated[str | None, typer.Option("--area", help="Only this area (3.1, 3.2, 3.3).")] = None,
    column: Annotated[str | None, typer.Option("--column", help="Only competences, skills or knowledge.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many results.")] = 10,
    jsonl: JsonlOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the framework's descriptors (hybrid: stemmed BM25 + multilingual embeddings)."""
    from qualframe.search.engine import prime
    from qualframe.search.engine import search as run

    def one(q: str) -> dict[str, Any]:
        return run(q, lang=lang, area=area, column=column, limit=limit)

    text = _text_arg(query, jsonl, "QUERY")
    _run(one, text, jsonl, lambda texts: prime(texts, lang), json_out, _print_search)


def _print_search(res: dict[str, Any]) -> None:
    lang = res["lang"]
    if res.get("truncated"):
        console.print(f"[yellow]query truncated to {SEARCH_MAX_CHARS:,} characters (longer texts: qualframe match)[/]")
    if not res["results"]:
        console.print("no results")
        return
    for n, r in enumerate(res["results"], start=1):
        level = r["sqf_level"] or "—"
        console.print(
            f"[bold]{n}.[/] [cyan]{r['descriptor_id']}[/]  area {r['area']}, NQF {r['nqf_level']}, SQF {level}, "
            f"{COLUMN_LABEL[r['column']]}  [dim]score {r['score']:.3f}, source {SourceSpan.from_dict(r['source'])}[/]",
            highlight=False)
        console.print(f"   {escape(r['text'])}", highlight=False)
        tr = r["translations"].get(lang) if lang in ("ru", "en") else None
        if tr:
            console.print(f"   [dim]{lang}: {escape(tr)} (unofficial translation)[/]", highlight=False)
    if any(r["sqf_level"] is None for r in res["results"]):
        console.print("[dim]SQF —: no SQF code printed for that row in the source[/]")


def match(
    text: Annotated[str | None, typer.Argument(help="A vacancy, position description or learning outcome "
                                                     '(kk, ru or en); "-" reads stdin.', show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many suggestions.")] = 5,
    jsonl: JsonlOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Suggest the area, NQF level and SQF level of a job, with confidence and evidence."""
    from qualframe.match.engine import match as run
    from qualframe.match.engine import prime

    def one(t: str) -> dict[str, Any]:
        return run(t, limit=limit)

    _run(one, _text_arg(text, jsonl, "TEXT"), jsonl, prime, json_out, _print_match)


def _print_match(res: dict[str, Any]) -> None:
    import qualframe
    from qualframe import translations

    fw = qualframe.load()
    lang = res["lang"]
    if res.get("truncated"):
        console.print("[yellow]text truncated to 20,000 characters[/]")
    sig = res.get("signals", {})
    cues = ", ".join(f"{c['cue']} ({c['text']})" for c in sig.get("level_cues", []))
    doms = ", ".join(f"{c['area']}: {c['text']}" for c in sig.get("domain_cues", []))
    console.print(f"[dim]language: {lang}; domain cues: {escape(doms or 'none')}; "
                  f"level cues: {escape(cues or 'none')}[/]", highlight=False)
    for n, s in enumerate(res["suggestions"], start=1):
        title = (translations.text(f"area.{s['area']}.title", lang, fw) if lang != "kk" else None) \
            or fw.area(s["area"]).title["kk"]
        sqf = s["sqf_level"] or "— (not printed)"
        console.print(f"[bold]{n}. area {s['area']}, NQF level {s['nqf_level']}, SQF {sqf}[/] "
                      f"(row {s['row_id']})  confidence [bold]{s['confidence']:.0%}[/]", highlight=False)
        console.print(f"   [dim]{escape(title)}[/]", highlight=False)
        for ev in s["evidence"]:
            console.print(f"   {COLUMN_LABEL[ev['column']]:>18} [cyan]{ev['descriptor_id']}[/] "
                          f"[dim]{ev['score']:.3f}[/]  {escape(_short(ev['text']))}", highlight=False)
    if lang != "kk":
        console.print("[dim]Evidence quoted in an unofficial translation; only the Kazakh text is official.[/]")


def _short(text: str, n: int = 110) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def register(app: typer.Typer) -> None:
    app.command()(search)
    app.command()(match)
