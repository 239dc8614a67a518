"""Shared set-up of the certificate tests: a recognition centre with an assessor token, a programme, and
passed (or failed) assessments made through the real API."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts_helpers import cli_actor, make_token
from credentials_helpers import TEST_SECRET, valid_iin
from qualframe.store import accounts as acc

IIN = valid_iin()
ROW = "3.1-07"


@pytest.fixture
def kek_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALFRAME_SECRET_KEY", TEST_SECRET.decode())
    monkeypatch.delenv("QUALFRAME_SECRET_KEY_FILE", raising=False)


def make_centre(store: Any, slug: str = "kazcert", *, valid_from: date = date(2024, 1, 1),
                valid_to: date = date(2035, 12, 31), email: str | None = None, role: str = "assessor") -> str:
    """A recognition centre, a member with `role`, and an API token for them (returned)."""
    email = email or f"assessor@{slug}.kz"
    with acc.audited(store, cli_actor()) as tx:
        acc.create_org(tx, slug, "recognition-centre", {"kk": f"{slug.upper()} орталығы", "en": slug.title()},
                       accreditation_number=f"KZ-RC-{slug[:4].upper()}", valid_from=valid_from, valid_to=valid_to)
        if acc.find_user(tx.conn, email) is None:
            acc.create_user(tx, email, None, password="correct horse battery")
        acc.add_member(tx, slug, email, role)
    token, _ = make_token(store, email, slug, role)
    return token


def centre_with_programme(client: Any) -> dict[str, Any]:
    """kazcert (with an assessor's token) and a programme on ROW, on the app behind `client`: what the centre
    fixtures of the certificate web tests hand to each test."""
    store = client.app.state.qf.store
    token = make_centre(store)
    return {"client": client, "store": store, "token": token, "programme": make_programme(client, token)}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def make_programme(client: Any, token: str, slug: str = "kazcert", **kw: Any) -> dict[str, Any]:
    body = {"row_id": ROW, "title": "Бағдарламалық қамтамасыз етуді әзірлеуші, СБШ 62",
            "methods": ["test", "practical", "interview"], "pass_rules": {"skills": 2}, **kw}
    r = client.post(f"/api/v1/orgs/{slug}/programmes", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def results(programme: dict[str, Any], failed: int = 0, column: str = "competences") -> dict[str, Any]:
    """A result per covered descriptor: all met, except the first `failed` of `column`."""
    out = {}
    for col, ids in programme["descriptors"].items():
        for i, d in enumerate(ids):
            out[d] = {"met": not (col == column and i < failed), "evidence": f"task {i + 1} of {col}"}
    return out


def assess(client: Any, token: str, programme: dict[str, Any], *, slug: str = "kazcert", failed: int = 0,
           on: str = "2026-01-15", iin: str | None = IIN, name: str = "Әлия Сәрсенбаева") -> dict[str, Any]:
    body = {"programme_id": programme["id"], "candidate_name": name, "assessed_on": on,
            "assessors": ["Бекзат Оразов"], "results": results(programme, failed), "iin": iin}
    r = client.post(f"/api/v1/orgs/{slug}/assessments", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()


def certify(client: Any, token: str, assessment: dict[str, Any], slug: str = "kazcert",
            consent: str = "masked") -> Any:
    return client.post(f"/api/v1/orgs/{slug}/assessments/{assessment['id']}/certificate",
                       json={"holder_consent": consent}, headers=bearer(token))
