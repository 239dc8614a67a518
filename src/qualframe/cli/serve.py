"""`qualframe serve`: the web app and the HTTP API (what `make run` starts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from qualframe.cli.output import fail, print_json

# Measured on the 2-core box (bench/bench_web.py, several runs): one worker serves cached JSON at
# 9,000-22,000 req/s with p99 3-10 ms at 32 connections and answers its first request 0.9-1.7 s after
# start; two workers were not faster for cached reads (14,000-16,000 req/s, the load generator shares the
# cores), a little faster for uncached search, and slower to start (1.4-3.5 s). One worker is the default.
DEFAULT_WORKERS = 1


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (sqlite:///path or postgresql://...); default $QUALFRAME_DATABASE_URL, "
                     "else var/qualframe.db under $QUALFRAME_DATA_DIR or the current directory.")] = None,
    workers: Annotated[int, typer.Option(
        help="Worker processes (see bench/bench_web.py for measured figures).",
        min=1, max=16)] = DEFAULT_WORKERS,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    json_out: Annotated[bool, typer.Option("--json", help="Print the startup summary as JSON.")] = False,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run a placement-job worker thread in this "
                                         "process (more: `qualframe worker`).")] = True,
    ssl_certfile: Annotated[Path | None, typer.Option(
        "--ssl-certfile", help="Serve https with this certificate (PEM); needs --ssl-keyfile.")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option("--ssl-keyfile", help="The certificate's private key (PEM).")
                           ] = None,
) -> None:
    """Run the web app and the API; the database is created, migrated and loaded on first run."""
    import gc

    # Start-up allocates much and frees little, and the cyclic collector's passes over the growing heap cost
    # ~0.2 s of CPU before the first answer (bench/bench_startup.py); it is on again once that is sent.
    gc.disable()
    import uvicorn

    from qualframe.store import Store, StoreError, default_url, normalise_url, prepare
    from qualframe.web.startup import after_first_response

    after_first_response(gc.enable, "qualframe-gc")

    url = normalise_url(db) if db else default_url()
    try:
        store = Store(url)
        result = prepare(store)
    except StoreError as exc:
        fail(str(exc))
    except Exception as exc:  # e.g. a database server that is not reachable
        fail(f"cannot open the database {url.split('@')[-1]!r}: {exc.__class__.__name__}: {str(exc)[:300]}")
    shown_db = store.engine.url.render_as_string(hide_password=True)
    store.close()
    if (ssl_certfile is None) != (ssl_keyfile is None):
        fail("--ssl-certfile and --ssl-keyfile go together")
    for f in (ssl_certfile, ssl_keyfile):
        if f is not None and not f.is_file():
            fail(f"{f}: no such file")
    scheme = "https" if ssl_certfile else "http"
    summary = {"url": f"{scheme}://{host}:{port}/", "api": f"{scheme}://{host}:{port}/api/v1/",
               "database": shown_db, "migrated": result.migrated, "loaded": result.loaded,
               "framework": result.framework_id, "workers": workers, "job_worker": worker}
    if json_out:
        print_json(summary)
    else:
        # plain click output: Rich is not imported before the first answer
        typer.echo(f"qualframe serving on {typer.style(summary['url'], bold=True)} (API {summary['api']}, "
                   f"OpenAPI {summary['api']}openapi.json)")
        state = "loaded" if result.loaded else "up to date"
        typer.echo(f"database {shown_db}: framework {result.framework_id} {state}")
    # The workers re-open the store from the environment; the schema and data are ready now.
    os.environ["QUALFRAME_DATABASE_URL"] = url
    os.environ["QUALFRAME_PREPARE"] = "0"
    os.environ.setdefault("QUALFRAME_BASE_URL", f"{scheme}://{host}:{port}")  # URIs in CASE answers and exports
    if worker:
        def start_worker() -> None:
            from qualframe.store.catalogue_jobs import Worker

            Worker(url).start()  # daemon threads: they end with the server; an unfinished job resumes later

        # loading huey, peewee and psycopg would delay the first answer: the worker starts after it (or 10 s
        # after this point when no request comes, e.g. with several uvicorn workers this process answers none)
        after_first_response(start_worker, "qualframe-job-worker", timeout=10.0)
    uvicorn.run("qualframe.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                loop="uvloop", http="httptools", log_level=log_level, access_log=False, server_header=False,
                timeout_graceful_shutdown=5, ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
