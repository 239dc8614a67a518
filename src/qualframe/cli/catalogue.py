"""`qualframe catalogue import|export` and `qualframe worker`: an employer's job catalogue from the console.

`catalogue import SLUG FILE` reads the file (the same checks as the web upload), writes the positions and a
placement job in one audited transaction, and waits for the job with a progress bar. Unless
`--no-work`, it also places positions itself while it waits (a server's worker may share the job: the
job's lease decides who places which batch). `--no-wait` returns as soon as the job is queued.

`worker` runs placement workers against the database (extra workers next to `qualframe serve`, on this
or another machine sharing the PostgreSQL database).
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from qualframe.cli.output import console, fail, open_store, print_json

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (sqlite:///path or postgresql://...); default $QUALFRAME_DATABASE_URL, "
                 "else var/qualframe.db under $QUALFRAME_DATA_DIR or the current directory.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]

catalogue_app = typer.Typer(help="An employer's job catalogue: import (and place), export.", no_args_is_help=True)



def _store(db: str | None) -> Any:
    return open_store(db, load_framework=True)  # placement needs the framework loaded


@catalogue_app.command("import")
def import_(slug: Annotated[str, typer.Argument(help="The employer organisation's slug.")],
            file: Annotated[Path, typer.Argument(help="CSV or XLSX catalogue (see the template on the page).",
                                                 exists=True, dir_okay=False, readable=True)],
            db: DbOpt = None,
            wait: Annotated[bool, typer.Option("--wait/--no-wait", help="Wait for the placement job.")] = True,
            work: Annotated[bool, typer.Option("--work/--no-work",
                                               help="Place positions in this process while waiting.")] = True,
            json_out: JsonOpt = False) -> None:
    """Upload a job catalogue: positions are created or updated by key, then placed on the framework."""
    from qualframe.interop.catalogue_io import MAX_BYTES, CatalogueFileError, read_catalogue
    from qualframe.store import accounts as acc
    from qualframe.store import catalogue as cat
    from qualframe.store import catalogue_jobs as jobs

    if file.stat().st_size > MAX_BYTES:
        fail(f"{file}: {file.stat().st_size:,} bytes; at most {MAX_BYTES:,} bytes (5 MB)")
    try:
        parsed = read_catalogue(file.read_bytes(), file.name)
    except CatalogueFileError as exc:
        fail(f"{file}: {exc}")
    summary = parsed.summary()
    if not json_out:
        for e in parsed.errors:
            console.print(f"[yellow]{file.name}:{e.line}[/]: {e.reason}", highlight=False)
    if not parsed.lines:
        fail(f"{file}: no usable row ({parsed.error_count} bad)")
    with _store(db) as store:
        try:
            with acc.audited(store, acc.Actor.cli()) as tx:
                counts = cat.upsert_positions(tx, slug, parsed.lines, summary)
                job = cat.create_job(tx, slug, {**summary, **counts, "filename": file.name[:200]})
        except acc.AccountError as exc:
            fail(exc.message)
        if not json_out:
            console.print(f"{slug}: {counts['created']} new, {counts['updated']} updated, {counts['unchanged']} "
                          f"unchanged, {parsed.error_count} bad rows; placement job {job.id} ({job.total} to place)",
                          highlight=False)
        if job.active:
            jobs.enqueue(store.url, job.id)
        if wait and job.active:
            job = _wait(store, slug, job, work, quiet=json_out)
        if json_out:
            print_json({"upload": {**summary, **counts}, "job": job.to_dict()})
        elif not job.active:
            console.print(f"job {job.id}: {job.state}, {job.done} placed, {job.failed} failed of {job.total}",
                          highlight=False)
        if job.state == "failed":
            raise typer.Exit(1)


def _wait(store: Any, slug: str, job: Any, work: bool, quiet: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from qualframe.store import catalogue as cat
    from qualframe.store import catalogue_jobs as jobs

    worker = threading.Thread(target=jobs.run_job, args=(store.url, job.id), daemon=True) if work else None
    if worker:
        worker.start()
    with Progress(TextColumn("placing"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"),
                  TimeElapsedColumn(), console=console, disable=quiet, transient=False) as bar:
        task = bar.add_task("place", total=job.total, state=job.state)
        try:
            while True:
                with store.engine.connect() as conn:
                    job = cat.get_job(conn, slug, job.id)
                bar.update(task, completed=job.done + job.failed, total=job.total, state=job.state)
                if not job.active:
                    break
                time.sleep(0.25)
        except KeyboardInterrupt:
            console.print(f"stopped waiting; job {job.id} goes on (cancel it on the page or through the API)")
            raise typer.Exit(130) from None
    return job


@catalogue_app.command("export")
def export(slug: Annotated[str, typer.Argument(help="The employer organisation's slug.")],
           output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.xlsx or .csv).")],
           db: DbOpt = None) -> None:
    """Write the decided catalogue as XLSX (one sheet per area plus a summary) or CSV."""
    import qualframe
    from qualframe.interop.catalogue_io import export_csv, export_xlsx
    from qualframe.interop.common import UNOFFICIAL_NOTE, primary
    from qualframe.store import accounts as acc
    from qualframe.store import catalogue as cat

    with _store(db) as store, store.engine.connect() as conn:
        try:
            rows = cat.export_rows(conn, slug)
        except acc.AccountError as exc:
            fail(exc.message)
    if output.suffix.lower() == ".csv":
        output.write_bytes(export_csv(rows))
    else:
        fw = qualframe.load()
        output.write_bytes(export_xlsx(rows, {a.code: primary(a.title) for a in fw.areas},
                                       f"{fw.id}: {UNOFFICIAL_NOTE['en']}"))
    console.print(f"{len(rows)} positions written to {output}", highlight=False)


def worker(db: DbOpt = None,
           threads: Annotated[int, typer.Option(help="Worker threads in this process.", min=1, max=16)] = 1) -> None:
    """Run placement workers against the database until interrupted (Ctrl-C or SIGTERM)."""
    from qualframe.store import catalogue_jobs as jobs

    with _store(db) as store:
        w = jobs.Worker(store.url, threads).start()
        console.print(f"placement worker ({threads} thread{'s' if threads > 1 else ''}) on "
                      f"{store.engine.url.render_as_string(hide_password=True)}", highlight=False)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        w.stop(graceful=False)  # a batch in flight is not committed; its job resumes elsewhere


def register(app: typer.Typer) -> None:
    app.add_typer(catalogue_app, name="catalogue")
    app.command("worker")(worker)
