"""The start-up floor of qualframe's stack: one table, one page, nothing of qualframe.

`bench_startup.py` spawns it as it spawns `qualframe serve` and times its first 200, so the figure next to
qualframe's says how much of the start-up is the libraries' own import and set-up on this machine: a Typer
command that imports uvicorn (uvloop, httptools), FastAPI, the SQLAlchemy ORM on SQLite, Jinja2 with the i18n
extension and Babel's date formatting, declares one table and serves one template page that reads it.

    python bench/startup_floor.py serve --db sqlite:///f.db --port 8001
"""

# no `from __future__ import annotations`: the ORM reads the local classes' Mapped[...] annotations
import typer

cli = typer.Typer(add_completion=False)


@cli.callback()
def _group() -> None:
    """Commands (one)."""


@cli.command()
def serve(db: str = typer.Option(...), port: int = typer.Option(8000)) -> None:
    """Serve one page on 127.0.0.1:PORT from one table of DB."""
    import datetime

    import uvicorn
    from babel.dates import format_date
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from jinja2 import Environment
    from sqlalchemy import String, create_engine, select
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    class Base(DeclarativeBase):
        pass

    class Item(Base):
        __tablename__ = "item"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))

    engine = create_engine(db)
    Base.metadata.create_all(engine)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    env.install_null_translations()  # type: ignore[attr-defined]
    page = env.from_string("<!doctype html><title>{{ _('floor') }}</title>"
                           "{% for i in items %}<p>{{ i.name }}</p>{% endfor %}<p>{{ day }}</p>")
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        with Session(engine) as s:
            items = s.scalars(select(Item)).all()
        return page.render(items=items, day=format_date(datetime.date.today(), locale="kk"))

    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning")


if __name__ == "__main__":
    cli()
