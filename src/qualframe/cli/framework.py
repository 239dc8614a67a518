"""Commands that read the framework: info, levels, show, oked, errata, export grid, ingest."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from qualframe.cli.output import console, fail, print_json
from qualframe.dataset import load
from qualframe.model import COLUMNS, Area, Framework, LevelRow, lookup_oked

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

COLUMN_TITLES = {
    "competences": "Competences (жеке және кәсіби құзыреттіліктер)",
    "skills": "Abilities and skills (іскерлік және машықтар)",
    "knowledge": "Knowledge (білім)",
}
SOURCE_MARK = {"printed": "", "inferred": " (inferred)", "ambiguous": " (ambiguous)"}


def _fw() -> Framework:
    return load()


def _area(fw: Framework, code: str) -> Area:
    try:
        return fw.area(code)
    except KeyError as exc:
        fail(str(exc.args[0]))


def info_dict(fw: Framework) -> dict[str, Any]:
    lg = fw.legal
    return {
        "id": fw.id,
        "title": fw.title,
        "status": lg.status,
        "legal": lg.to_dict(),
        "areas": [{"code": a.code, "title": a.title, "rows": len(a.levels)} for a in fw.areas],
        "descriptors": sum(1 for _ in fw.descriptors()),
        "errata": len(fw.errata),
        "source_file": fw.source_file,
    }


def info(json_out: JsonOpt = False) -> None:
    """The framework and its legal status with dates."""
    fw = _fw()
    if json_out:
        print_json(info_dict(fw))
        return
    lg = fw.legal
    console.print(f"[bold]{escape(fw.title['kk'])}[/]  ({fw.id})")
    status = "[bold red]REPEALED[/]" if lg.status == "repealed" else "[green]in force[/]"
    console.print(f"Status: {status}")
    console.print(f"Approved: order No. {lg.order_number} of {lg.order_date} by {escape(lg.issuing_body['kk'])}")
    if lg.registration_number:
        console.print(
            f"Registered: Ministry of Justice No. {lg.registration_number} on {lg.registration_date}"
            + (f" (adilet {lg.adilet_id})" if lg.adilet_id else "")
        )
    if lg.repealed_by:
        rb = lg.repealed_by
        console.print(f"Repealed: order No. {rb['order_number']} of {rb['order_date']} by {escape(rb['issuing_body'])}")
    console.print(f"Legal basis: {escape(lg.legal_basis)}")
    console.print(f"Entry into force: {escape(lg.entry_into_force)}")
    console.print(f"Source language: {lg.source_language} (the only official text)")
    for a in fw.areas:
        console.print(f"  {a.code}  {escape(a.title['kk'])}  — {len(a.levels)} rows")
    console.print(f"{sum(1 for _ in fw.descriptors())} descriptors, {len(fw.errata)} errata")


def levels(
    area: Annotated[str | None, typer.Option(help="Only this area, e.g. 3.1")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The level table: each row's NQF and SQF level and how the level was determined."""
    fw = _fw()
    areas = [_area(fw, area)] if area else list(fw.areas)
    if json_out:
        print_json({"framework": fw.id, "areas": [
            {"code": a.code, "title": a.title, "levels": [_row_summary(r) for r in a.levels]} for a in areas
        ]})
        return
    for a in areas:
        t = Table(title=f"{a.code} {a.title['kk']}", title_justify="left", show_lines=False)
        for col in ("row", "NQF", "SQF", "level", "sub-level", "C/S/K", "lines"):
            t.add_column(col)
        for r in a.levels:
            t.add_row(
                r.id, str(r.nqf_level), r.sqf_level or "—", r.level_source,
                f"{r.sublevel or ''} {r.sublevel_kind or ''}".strip(),
                f"{len(r.competences)}/{len(r.skills)}/{len(r.knowledge)}", str(r.source),
            )
        console.print(t)


def _row_summary(r: LevelRow) -> dict[str, Any]:
    return {
        "id": r.id, "nqf_level": r.nqf_level, "sqf_level": r.sqf_level, "sublevel": r.sublevel,
        "sublevel_kind": r.sublevel_kind, "level_source": r.level_source,
        "level_evidence": r.level_evidence, "level_candidates": list(r.level_candidates),
        "counts": {c: len(r.column(c)) for c in COLUMNS}, "source": r.source.to_dict(),
    }


def show(
    area: Annotated[str, typer.Argument(help="Area code, e.g. 3.1")],
    level: Annotated[str, typer.Argument(help="SQF code (62), NQF level (6: all its sub-levels) or row id")],
    json_out: JsonOpt = False,
) -> None:
    """A level's descriptors, sub-levels included, with their source lines."""
    fw = _fw()
    a = _area(fw, area)
    rows = fw.find_rows(a.code, level)
    if not rows:
        known = ", ".join(r.label for r in a.levels)
        fail(f"area {a.code} has no level {level!r}; its rows are {known}")
    if json_out:
        print_json({"framework": fw.id, "area": a.code, "rows": [r.to_dict() for r in rows]})
        return
    for r in rows:
        sub = f", sub-level {r.sublevel} ({r.sublevel_kind})" if r.sublevel_kind else ""
        console.print(
            f"[bold]{a.code} · NQF {r.nqf_level} · SQF {r.sqf_level or '—'}{sub}[/]"
            f"  level {r.level_source}: {escape(r.explain_level())}  [{r.source}]"
        )
        for c in COLUMNS:
            console.print(f"  [underline]{COLUMN_TITLES[c]}[/]")
            if not r.column(c):
                console.print("    — (no requirement printed)")
            for d in r.column(c):
                console.print(f"    {d.order}. {escape(d.text)} [dim]({d.source}; {d.id})[/]")
        console.print()


def oked(
    code: Annotated[str, typer.Argument(help="OKED code, e.g. 62.01, 62.01.1 or 61")],
    json_out: JsonOpt = False,
) -> None:
    """Which area an OKED code belongs to (exact, through its parents, or as a parent), with errata."""
    fw = _fw()
    m = lookup_oked(fw, code)
    if json_out:
        print_json({
            "query": m.query, "code": m.code, "valid_syntax": m.valid_syntax,
            "nace2_name": m.nace2_name, "areas": m.areas,
            "matches": [
                {"area": h.area, "printed_code": h.printed, "name": h.name, "match": h.kind,
                 "via": h.via, "errata": list(h.errata)} for h in m.hits
            ],
            "errata": [e.to_dict() for e in m.errata],
        })
        if not m.valid_syntax:
            raise typer.Exit(2)
        return
    if not m.valid_syntax:
        fail(f"{code!r} is not an OKED code (expected digits like 62, 62.0, 62.01 or 62.01.1)", 2)
    if not m.hits:
        console.print(f"OKED {m.code}: not in any area of this framework"
                      + (f" ({m.nace2_name})" if m.nace2_name else ""))
        return
    for h in m.hits:
        how = {"exact": "printed in the annex", "parent": f"through its parent {h.via}",
               "child": f"as the parent of printed {h.printed}",
               "via_erratum": f"through an erratum reading of {h.printed} as {h.via}"}[h.kind]
        console.print(f"area [bold]{h.area}[/]: {h.printed} «{escape(h.name['kk'])}» — {how}")
    for e in m.errata:
        console.print(f"  [yellow]erratum {e.id} ({e.kind}):[/] {escape(e.explanation)}")


def errata(json_out: JsonOpt = False) -> None:
    """Every anomaly found in the source text, with evidence; the law's text is kept as printed."""
    fw = _fw()
    if json_out:
        print_json({"framework": fw.id, "errata": [e.to_dict() for e in fw.errata]})
        return
    for e in fw.errata:
        where = f" [{e.source}]" if e.source else ""
        console.print(f"[bold]{e.id}[/] {e.kind} · {e.target}{where}")
        console.print(f"    {escape(e.explanation)}")


class GridFormat(StrEnum):
    json = "json"
    csv = "csv"


def export_grid(
    fmt: Annotated[GridFormat, typer.Option("--format", "-f", help="json or csv")] = GridFormat.json,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write to a file instead of stdout")] = None,
) -> None:
    """The framework table: grid JSON (documented in the README) or CSV with one line per descriptor."""
    from qualframe.interop.grid import grid_csv, grid_json

    fw = _fw()
    text = grid_json(fw) if fmt == GridFormat.json else grid_csv(fw)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}", 2)


def ingest(
    source: Annotated[Path, typer.Argument(help="The order's text (UTF-8, published layout)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output directory")],
    framework_id: Annotated[str | None, typer.Option("--id", help="Framework id (default: derived)")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Parse an SQF order into the model; write <id>.json and a report; print the report."""
    from qualframe.ingest import IngestError, parse, read_source
    from qualframe.ingest.write import write_outputs

    try:
        fw, report = parse(read_source(source), framework_id)
        written = write_outputs(fw, report, out)
    except IngestError as exc:
        fail(str(exc), 2)
    if json_out:
        print_json({**report.to_dict(), "written": [str(p) for p in written]})
        return
    rd = report.to_dict()
    console.print(f"[bold]{fw.id}[/] from {escape(str(source))} (sha256 {report.sha256[:12]}…)")
    console.print(f"{report.statements} statements, {len(fw.areas)} areas, "
                  f"{sum(len(a.levels) for a in fw.areas)} rows, {report.descriptors} descriptors, "
                  f"{report.errata} errata")
    console.print(f"table paragraphs: {rd['table_paragraphs']} accounted for: {rd['table_paragraph_kinds']}")
    for a in fw.areas:
        hdr = "" if a.header_printed else " [yellow](header missing in source)[/]"
        console.print(f"[bold]{a.code}[/] {escape(a.title['kk'])}{hdr}")
        for r in a.levels:
            console.print(f"  {r.id}  NQF {r.nqf_level} SQF {r.sqf_level or '—':>3}  "
                          f"{r.level_source:<9} {escape(r.explain_level())}", soft_wrap=True)
    for w in report.warnings:
        console.print(f"[yellow]warning[/] line {w['line'] or '-'}: {escape(w['message'])}")
    for p in written:
        console.print(f"wrote {p}")


def register(app: typer.Typer) -> None:
    app.command()(info)
    app.command()(levels)
    app.command()(show)
    app.command()(oked)
    app.command()(errata)
    app.command()(ingest)
    export = typer.Typer(help="Export the framework in other formats.", no_args_is_help=True)
    export.command("grid")(export_grid)
    app.add_typer(export, name="export")
