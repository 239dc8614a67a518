"""Interop commands: `export case|csv|xlsx|skos`, `import case FILE`, `crosswalk`.

The export commands join the `export` group that qualframe.cli.framework creates (found by name in
the app's registered groups), so `qualframe export --help` lists every format in one place.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from qualframe.cli.output import console, err_console, fail, print_json
from qualframe.dataset import load

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary instead of text.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Write to this file instead of stdout.")]
BaseOpt = Annotated[str | None, typer.Option(
    "--base-url", help="Public base URL for the URIs in the file (default $QUALFRAME_BASE_URL or "
                       "http://localhost:8000).")]
FrameworkOpt = Annotated[str | None, typer.Option(
    "--framework", help="An imported CASE framework from the store (id or CFDocument UUID); default: "
                        "the shipped framework.")]
DbOpt = Annotated[str | None, typer.Option(
    "--database", help="Store URL (default $QUALFRAME_DATABASE_URL or the SQLite file in ./var).")]


def _write(data: bytes, output: Path | None, fmt: str, json_out: bool) -> None:
    """Write an export to a file (reporting what was written) or to stdout."""
    if output is None:
        if fmt == "xlsx" and sys.stdout.isatty():
            fail("XLSX is a binary format: give -o FILE.xlsx (or redirect stdout)", 2)
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"{output}: cannot write: {exc.strerror or exc}", 2)
    summary = {"format": fmt, "path": str(output), "bytes": len(data),
               "sha256": hashlib.sha256(data).hexdigest()}
    if json_out:
        print_json(summary)
    else:
        err_console.print(f"wrote {escape(str(output))} ({len(data):,} bytes, {fmt})", highlight=False)


def _case_package(framework: str | None, base: str | None, database: str | None) -> dict[str, Any]:
    from qualframe.interop.case import build_package

    if framework is None or framework == load().id:
        return build_package(load(), base)
    from qualframe.store import case as case_store

    try:
        pkg = case_store.export_package(framework, database)
    except case_store.CaseStoreError as exc:
        fail(str(exc), 2)
    return pkg


def export_case(output: OutOpt = None, base_url: BaseOpt = None, framework: FrameworkOpt = None,
                database: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The framework as a 1EdTech CASE v1.1 package (CFPackage JSON)."""
    from qualframe.interop.case import dumps

    pkg = _case_package(framework, base_url, database)
    _write(dumps(pkg).encode("utf-8"), output, "case", json_out)


def export_csv(output: OutOpt = None, json_out: JsonOpt = False) -> None:
    """One CSV row per descriptor: ids, area, NQF/SQF level, column, Kazakh text, unofficial ru/en, lines."""
    from qualframe.interop.tables import to_csv

    _write(to_csv(load()).encode("utf-8"), output, "csv", json_out)


def export_xlsx(output: OutOpt = None, json_out: JsonOpt = False) -> None:
    """The CSV's rows as an Excel workbook, plus an "about" sheet with the legal status."""
    from qualframe.interop.tables import to_xlsx

    _write(to_xlsx(load()), output, "xlsx", json_out)


def export_skos(output: OutOpt = None, base_url: BaseOpt = None, json_out: JsonOpt = False) -> None:
    """SKOS in JSON-LD: areas, levels and descriptors as concepts; levels ordered; crosswalk mappings."""
    from qualframe.interop.skos import dumps_skos

    _write(dumps_skos(load(), base_url).encode("utf-8"), output, "skos", json_out)


def import_case(
    file: Annotated[Path, typer.Argument(help="A CASE v1.0 or v1.1 package (JSON file)")],
    max_size: Annotated[int, typer.Option("--max-size", help="Refuse files larger than this many bytes.")] = 0,
    check: Annotated[bool, typer.Option("--check", help="Only validate and report; do not write the store.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Replace an earlier import of the same document.")] = False,
    database: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Validate a CASE package and load it into the store as another framework (all or nothing)."""
    from qualframe.interop.case_import import MAX_BYTES, read_package

    parsed = read_package(file, max_size or MAX_BYTES)
    rep = parsed.report
    result: dict[str, Any] = {"report": rep.to_dict(), "imported": None}
    if parsed.package is not None and not check:
        from qualframe.store import case as case_store

        try:
            result["imported"] = case_store.import_package(parsed, database, replace=replace).to_dict()
        except case_store.CaseStoreError as exc:
            result["store_error"] = str(exc)
    if json_out:
        print_json(result)
    else:
        _print_report(rep, result)
    if not rep.ok or result.get("store_error"):
        raise typer.Exit(1)


def _print_report(rep: Any, result: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(rep.file)}[/] ({rep.size:,} bytes, sha256 {rep.sha256[:12]}…)")
    if rep.case_version:
        console.print(f"CASE {rep.case_version} package: {escape(rep.title or '(untitled)')} "
                      f"{escape(f'[{rep.document_identifier}]')}", highlight=False)
    if rep.stats:
        console.print(", ".join(f"{v} {k}" for k, v in rep.stats.items()))
    for i in rep.errors:
        console.print(f"[bold red]error[/] {escape(i.path)}: {escape(i.message)}", highlight=False)
    for line in rep.omitted():
        console.print(f"[bold red]error[/] {escape(line)}", highlight=False)
    for i in rep.warnings:
        times = f" (×{i.count}, first at {i.path})" if i.count > 1 else f" (at {i.path})"
        console.print(f"[yellow]warning[/] {escape(i.message)}{escape(times)}", highlight=False)
    if not rep.ok:
        console.print(f"[bold red]not imported[/]: {rep.error_count} error(s); nothing was written")
    elif result.get("store_error"):
        console.print(f"[bold red]not imported[/]: {escape(result['store_error'])}")
    elif result.get("imported"):
        imp = result["imported"]
        verb = "unchanged" if not imp.get("written") else "imported"
        console.print(f"[green]{verb}[/] as framework [bold]{imp['framework_id']}[/] "
                      f"({imp['items']} items, {imp['associations']} associations)")
    else:
        console.print("[green]valid[/] (checked only; the store was not written)")


def crosswalk(
    area: Annotated[str | None, typer.Option(help="Only this area, e.g. 3.1")] = None,
    level: Annotated[str | None, typer.Option(help="Only rows at this SQF code, NQF level or row id")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Indicative crosswalks of each level row to EQF, e-CF and SFIA, with sources and caveats."""
    from qualframe.interop.crosswalk import crosswalk_table

    fw = load()
    if area:
        try:
            fw.area(area)
        except KeyError as exc:
            fail(str(exc.args[0]), 2)
    data = crosswalk_table(fw, area, level)
    if level and not data["rows"]:
        fail(f"no level row matches {level!r}" + (f" in area {area}" if area else ""), 2)
    if json_out:
        print_json(data)
        return
    t = Table(title="Crosswalks (indicative, not law)", title_justify="left")
    for col in ("row", "NQF", "SQF", "EQF", "e-CF", "SFIA"):
        t.add_column(col)
    for r in data["rows"]:
        cw = r["crosswalks"]

        def cell(hits: list[dict[str, Any]]) -> str:
            return ", ".join(f"{h['label']}" for h in hits) or "—"
        t.add_row(r["row_id"], str(r["nqf_level"]), r["sqf_level"] or "—", cell(cw["eqf"]), cell(cw["ecf"]),
                  cell(cw["sfia"]))
    console.print(t)
    for c in data["crosswalks"]:
        console.print(f"[bold]{escape(c['title'])}[/] — {c['status']}, confidence {c['confidence']}")
        for cav in c["caveats"]:
            console.print(f"  • {escape(cav)}")
        for s in c["sources"]:
            console.print(f"  source: {escape(s['title'])}" + (f" <{s['url']}>" if s.get("url") else ""))


def _export_group(app: typer.Typer) -> typer.Typer:
    """The `export` sub-app registered by qualframe.cli.framework, or a new one if it is not there."""
    for g in app.registered_groups:
        if g.name == "export" and g.typer_instance is not None:
            return g.typer_instance
    export = typer.Typer(help="Export the framework in other formats.", no_args_is_help=True)
    app.add_typer(export, name="export")
    return export


def register(app: typer.Typer) -> None:
    export = _export_group(app)
    export.command("case")(export_case)
    export.command("csv")(export_csv)
    export.command("xlsx")(export_xlsx)
    export.command("skos")(export_skos)
    imp = typer.Typer(help="Import frameworks published by other tools.", no_args_is_help=True)
    imp.command("case")(import_case)
    app.add_typer(imp, name="import")
    app.command("crosswalk")(crosswalk)
