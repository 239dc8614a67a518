"""Generated reasons in the page language: credential verification reasons (proof, validity, status) on /verify,
the job-catalogue import's bad-row reasons on the job page, the hand-off form's field errors, the accounts'
invalid values (field and problem), a catalogue upload's whole-file errors and a decline's reason error on the
error page, in Kazakh and Russian; the API answers keep exactly the English sentences (the same bytes) they
always gave (on SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from markupsafe import escape

from accounts_helpers import csrf_from, make_token, make_user, web_login
from certificates_helpers import assess, centre_with_programme, certify, kek_env  # noqa: F401
from qualframe.catalogue import handoff
from qualframe.interop import catalogue_io as cio
from qualframe.web import i18n
from qualframe.web.errors import error_json

# --- credential verification --------------------------------------------------------------------------------

VERIFY_EN = {  # check -> the English reason, word for word as the API gave it before the reasons were translated
    "proof": "proof 0: created 'yesterday' is not an XSD dateTime",
    "validity": "validFrom: 'soon' is not an XSD dateTime",
    "status": "statusListCredential is missing",
}
VERIFY_PAGE = {
    "ru": ["доказательство 0: created 'yesterday' не является значением XSD dateTime",
           "validFrom: 'soon' не является значением XSD dateTime", "нет statusListCredential"],
    "kk": ["0 дәлелдеме: created 'yesterday' XSD dateTime пішімінде емес",
           "validFrom: 'soon' XSD dateTime пішімінде емес", "statusListCredential жоқ"],
}


@pytest.fixture
def broken_credential(make_client, kek_env) -> tuple[Any, dict[str, Any]]:  # noqa: F811
    """A real issued certificate with one fault of each kind: proof date, validity date, status entry."""
    centre = centre_with_programme(make_client())
    a = assess(centre["client"], centre["token"], centre["programme"])
    r = certify(centre["client"], centre["token"], a)
    assert r.status_code == 201, r.text
    vc = copy.deepcopy(r.json()["verifiableCredential"])
    proof = vc["proof"][0] if isinstance(vc["proof"], list) else vc["proof"]
    proof["created"] = "yesterday"
    vc["validFrom"] = "soon"
    del vc["credentialStatus"][0]["statusListCredential"]
    return centre["client"], vc


def test_verify_reasons_are_translated_on_the_page_and_english_in_the_api(broken_credential) -> None:
    client, vc = broken_credential
    api = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert api.status_code == 422
    errors = api.json()["errors"]
    for check, reason in VERIFY_EN.items():
        assert f"{check}: {reason}" in errors, (check, errors)
        assert reason in next(c for c in api.json()["result"]["checks"] if c["name"] == check)["reasons"]
    assert api.json()["result"]["proofs"][0]["reason"] == VERIFY_EN["proof"]

    token = csrf_from(client.get("/verify").text)
    for lang, sentences in VERIFY_PAGE.items():
        page = client.post(f"/verify?lang={lang}", data={"csrf_token": token, "credential": json.dumps(vc)})
        assert page.status_code == 422
        for sentence in sentences:
            assert str(escape(sentence)) in page.text, (lang, sentence)
        for english in VERIFY_EN.values():
            assert str(escape(english)) not in page.text, (lang, english)
    en = client.post("/verify?lang=en", data={"csrf_token": token, "credential": json.dumps(vc)}).text
    assert all(str(escape(english)) in en for english in VERIFY_EN.values())


def test_validity_reasons_keep_their_english_and_translate() -> None:
    from qualframe.credentials.jsonld import CREDENTIALS_V2
    from qualframe.credentials.verify import verify_credential

    doc = {"@context": [CREDENTIALS_V2], "type": ["VerifiableCredential"], "issuer": "did:example:centre",
           "credentialSubject": {"id": "did:example:holder"}, "validFrom": "2020-13-01T00:00:00Z",
           "validUntil": "soon"}
    reasons = verify_credential(doc).check("validity").reasons
    # a well-formed but impossible date keeps Python's own (English) words inside the sentence
    assert reasons == ["validFrom: month must be in 1..12", "validUntil: 'soon' is not an XSD dateTime"]
    ru = [r.render(i18n.translations("ru").gettext) for r in reasons]
    assert ru == ["validFrom: month must be in 1..12", "validUntil: 'soon' не является значением XSD dateTime"]


def test_status_index_errors_keep_their_english_and_translate() -> None:
    from qualframe.credentials.statuslist import StatusListError, parse_index

    with pytest.raises(StatusListError) as caught:
        parse_index("-3")
    reason = caught.value.args[0]
    assert str(caught.value) == "statusListIndex '-3' is not a non-negative decimal number"
    assert reason.render(i18n.translations("ru").gettext) == (
        "statusListIndex '-3' не является неотрицательным десятичным числом")


def _member(make_client, email: str, role: str) -> tuple[Any, dict[str, str]]:
    """A client of a fresh app and the API headers of `email`, a member of acme with `role`."""
    client = make_client()
    store = client.app.state.qf.store
    make_user(store, email, roles={"acme": [role]})
    token, _ = make_token(store, email, "acme")
    return client, {"Authorization": f"Bearer {token}"}


# --- the job catalogue ------------------------------------------------------------------------------------------

CATALOGUE = ("key,title,description,department,grade,occupation_code,oked\n"
             "IT-1,Инженер-программист,Разработка сервисов,ИТ,G5,2512,62.01\n"
             "IT-2,Аналитик,Анализ данных,ИТ,G4,2511,6\n"
             "IT-1,Тестировщик,Тестирование,ИТ,G3,,\n").encode()
CATALOGUE_EN = [{"line": 3, "reason": "oked '6' is not an OKED code like 62, 62.01 or 62.01.1"},
                {"line": 4, "reason": "key 'IT-1' is already used on line 2"}]
CATALOGUE_PAGE = {
    "ru": ["oked '6' не является кодом ОКЭД (например, 62, 62.01 или 62.01.1)",
           "ключ 'IT-1' уже использован в строке 2"],
    "kk": ["oked '6' — ЭҚЖЖ коды емес (мысалы, 62, 62.01 немесе 62.01.1)",
           "'IT-1' кілті 2-жолда бұрыннан қолданылған"],
}


def test_bad_row_reasons_on_the_job_page_in_the_page_language(make_client) -> None:
    client, auth = _member(make_client, "hr@acme.kz", "hr")
    r = client.post("/api/v1/orgs/acme/catalogue", headers=auth, files={"file": ("c.csv", CATALOGUE, "text/csv")})
    assert r.status_code == 202, r.text
    assert r.json()["upload"]["errors"] == CATALOGUE_EN
    job_api = r.json()["job"]
    # what is kept with the job to translate it later is not part of any answer
    assert client.get(job_api, headers=auth).json()["upload"]["errors"] == CATALOGUE_EN
    web_login(client, "hr@acme.kz")
    page_url = job_api.removeprefix("/api/v1")
    for lang, sentences in CATALOGUE_PAGE.items():
        page = client.get(f"{page_url}?lang={lang}")
        assert page.status_code == 200
        for sentence in sentences:
            assert str(escape(sentence)) in page.text, (lang, sentence)
        assert str(escape(CATALOGUE_EN[0]["reason"])) not in page.text
    assert client.get(f"{page_url}.json").json()["job"]["upload"]["errors"] == CATALOGUE_EN
    overview = client.get("/orgs/acme/catalogue?lang=ru&job=" + job_api.rsplit("/", 1)[1]).text
    assert str(escape(CATALOGUE_PAGE["ru"][1])) in overview


def test_a_stored_reason_is_only_rebuilt_when_it_gives_back_its_english() -> None:
    parsed = cio.read_catalogue(CATALOGUE, "c.csv")
    reason = parsed.errors[0].reason
    stored = cio.reason_to_json(reason)
    assert stored == {"msgid": "oked %(code)s is not an OKED code like 62, 62.01 or 62.01.1",
                      "params": {"code": "'6'"}}
    rebuilt = cio.reason_from_json(str(reason), json.loads(json.dumps(stored)))
    assert rebuilt == reason
    assert rebuilt.render(i18n.translations("ru").gettext) == CATALOGUE_PAGE["ru"][0]
    # an older record, a foreign msgid or parameters that do not give back the English text: the English stays
    assert cio.reason_from_json(str(reason), None) == str(reason)
    assert not hasattr(cio.reason_from_json(str(reason), {"msgid": "Search the descriptors", "params": {}}), "msgid")
    altered = {**stored, "params": {"code": "'7'"}}
    assert not hasattr(cio.reason_from_json(str(reason), altered), "msgid")
    assert not hasattr(cio.reason_from_json(str(reason), {**stored, "params": {}}), "msgid")


# --- the hand-off form ---------------------------------------------------------------------------------------

HANDOFF_EN = {
    "contact": "give an email address or a phone number such as +7 701 234 56 78",
    "consent": "tick the box to agree that the centre receives your name, contact and self-assessment",
}
HANDOFF_PAGE = {
    "ru": ["укажите адрес электронной почты или номер телефона, например +7 701 234 56 78",
           "отметьте флажок, чтобы согласиться на передачу центру вашего имени, контакта и самооценки"],
    "kk": ["электрондық пошта мекенжайын немесе телефон нөмірін көрсетіңіз, мысалы +7 701 234 56 78",
           "орталық сіздің аты-жөніңізді, байланыс деректеріңізді және өзін-өзі бағалауыңызды алатынына "
           "келісетініңізді белгілеңіз"],
}


def test_handoff_field_errors_in_the_page_language_and_english_in_the_api(make_client, kek_env) -> None:  # noqa: F811
    centre = centre_with_programme(make_client())
    client, pid = centre["client"], centre["programme"]["id"]
    import qualframe

    row = qualframe.load().row("3.1-07")
    sa = client.post("/api/v1/self-assessments", json={"row_id": row.id, "lang": "en",
                                                        "ratings": {d.id: 2 for d in row.descriptors}})
    assert sa.status_code == 201, sa.text
    token_url, page_url = sa.json()["api_url"], sa.json()["url"]
    api = client.post(f"{token_url}/handoff", json={"programme_id": pid, "candidate_name": "Әлия Сәрсенбаева",
                                                      "contact": "call me", "consent": False})
    assert api.status_code == 422
    assert {d["field"]: d["message"] for d in api.json()["error"]["details"]} == HANDOFF_EN
    csrf = csrf_from(client.get(page_url).text)
    form = {"programme_id": str(pid), "candidate_name": "Әлия Сәрсенбаева", "contact": "call me", "consent": "",
            "csrf_token": csrf}
    for lang, sentences in HANDOFF_PAGE.items():
        page = client.post(f"{page_url}/handoff?lang={lang}", data=form)
        assert page.status_code == 422
        for sentence in sentences:
            assert str(escape(sentence)) in page.text, (lang, sentence)
        assert HANDOFF_EN["contact"] not in page.text


def test_decline_reason_errors_translate() -> None:
    with pytest.raises(handoff.HandoffError) as caught:
        handoff.reason("x" * (handoff.MAX_REASON + 1))
    [(field, message)] = caught.value.errors
    assert field == "reason" and message == "at most 500 characters"
    assert message.render(i18n.translations("ru").gettext) == "не более 500 символов"
    assert message.render(i18n.translations("kk").gettext) == "ең көбі 500 таңба"


# --- error pages: invalid account values, whole-file catalogue errors, a decline's reason -------------------------

def _same_english_error(r: Any, status: int, message: str) -> None:
    """The API's error answer is exactly the English one, byte for byte, as a plain string gave it."""
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"] == message
    assert r.content == error_json(status, message, r.json()["error"]["code"], r.json()["error"].get("details"))


def _page_says(page: Any, status: int, sentence: str, english: str | None = None) -> None:
    assert page.status_code == status, page.text[:500]
    assert str(escape(sentence)) in page.text, sentence
    if english is not None:
        assert str(escape(english)) not in page.text, english


EXPIRES_EN = "expires: 'forever': write a number and a unit m, h, d or w, e.g. 30d"
EXPIRES_PAGE = {
    "ru": "срок действия: 'forever': укажите число и единицу m, h, d или w (минуты, часы, дни, недели), например 30d",
    "kk": "жарамдылық мерзімі: 'forever': санды және m, h, d немесе w бірлігін (минут, сағат, күн, апта) жазыңыз, "
          "мысалы 30d",
}
NAME_PAGE = {"ru": "имя: не более 120 символов", "kk": "аты: ең көбі 120 таңба"}


def test_invalid_account_values_on_the_page_in_its_language_and_english_in_the_api(make_client) -> None:
    client, auth = _member(make_client, "admin@acme.kz", "admin")
    _same_english_error(client.post("/api/v1/orgs/acme/tokens", headers=auth,
                                    json={"email": "admin@acme.kz", "expires": "forever"}), 422, EXPIRES_EN)
    _same_english_error(client.patch("/api/v1/orgs/acme", headers=auth, json={"names": {"xx": "Acme"}}), 422,
                        "name: unknown language 'xx'")
    _same_english_error(client.patch("/api/v1/orgs/acme", headers=auth, json={
        "accreditation_number": "KZ-1", "accreditation_valid_from": "2024-01-01",
        "accreditation_valid_to": "2030-01-01"}), 422,
        "accreditation: only a recognition-centre has an accreditation")

    assert web_login(client, "admin@acme.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/acme").text)
    form = {"email": "admin@acme.kz", "expires": "forever", "csrf_token": csrf}
    for lang, sentence in EXPIRES_PAGE.items():
        _page_says(client.post(f"/orgs/acme/tokens?lang={lang}", data=form), 422, sentence, EXPIRES_EN)
        _page_says(client.post(f"/account?lang={lang}", data={"display_name": "Ә" * 150, "csrf_token": csrf}),
                   422, NAME_PAGE[lang], "at most 120 characters")
    _page_says(client.post("/orgs/acme/tokens?lang=en", data=form), 422, EXPIRES_EN)


def test_invalid_values_keep_their_english_and_translate() -> None:
    from qualframe.accounts import values

    with pytest.raises(values.InvalidValue) as caught:
        values.org_names({"kk": "А" * 301})
    exc = caught.value
    assert str(exc) == exc.text == "name.kk: at most 300 characters" and exc.field == "name.kk"
    assert exc.text.render(i18n.translations("ru").gettext) == "имя.kk: не более 300 символов"
    with pytest.raises(values.InvalidValue) as caught:
        values.email("aliya@")
    assert str(caught.value) == "email: 'aliya@' is not an email address"
    assert caught.value.text.render(i18n.translations("kk").gettext) == (
        "электрондық пошта: 'aliya@' — электрондық пошта мекенжайы емес")
    with pytest.raises(values.InvalidValue) as caught:
        values.role("boss")
    assert str(caught.value) == "role: 'boss' is not one of admin, hr, developer, reviewer, assessor"
    assert caught.value.text.render(i18n.translations("ru").gettext) == (
        "роль: 'boss' не входит в число допустимых значений: admin, hr, developer, reviewer, assessor")


UPLOADS = {  # file -> (the English API message, as it always was; the page's sentence in ru and kk)
    ("c.csv", b""): ("c.csv: the file is empty", {"ru": "c.csv: файл пуст", "kk": "c.csv: файл бос"}),
    ("c.xlsx", b"not a workbook"): (
        "c.xlsx: the file is not a valid XLSX workbook (not a ZIP archive)",
        {"ru": "c.xlsx: файл не является корректной книгой XLSX (это не ZIP-архив)",
         "kk": "c.xlsx: файл жарамды XLSX жұмыс кітабы емес (ZIP архиві емес)"}),
    ("c.csv", b"name,grade\nEngineer,G5\n"): (
        f"c.csv: line 1: no 'title' or 'description' column; the header must name columns among "
        f"{', '.join(cio.COLUMNS)} (download the template)",
        {"ru": f"c.csv: строка 1: нет столбца 'title' или 'description'; в строке заголовка должны быть названия "
               f"столбцов из списка: {', '.join(cio.COLUMNS)} (скачайте шаблон)",
         "kk": f"c.csv: 1-жол: 'title' немесе 'description' бағаны жоқ; тақырып жолы мына бағандардың атауларын "
               f"қамтуы керек: {', '.join(cio.COLUMNS)} (үлгіні жүктеп алыңыз)"}),
}


def test_whole_file_upload_errors_on_the_page_in_its_language_and_english_in_the_api(make_client) -> None:
    client, auth = _member(make_client, "hr@acme.kz", "hr")
    for (name, data), (english, _pages) in UPLOADS.items():
        r = client.post("/api/v1/orgs/acme/catalogue", headers=auth, files={"file": (name, data, "text/csv")})
        _same_english_error(r, 422, english)
    web_login(client, "hr@acme.kz")
    csrf = csrf_from(client.get("/orgs/acme/catalogue").text)
    for (name, data), (english, pages) in UPLOADS.items():
        for lang, sentence in pages.items():
            page = client.post(f"/orgs/acme/catalogue?lang={lang}", files={"file": (name, data, "text/csv")},
                               data={"csrf_token": csrf})
            _page_says(page, 422, sentence, english)
    from qualframe.store import catalogue as cat

    with client.app.state.qf.store.engine.connect() as conn:  # nothing of a refused file was imported
        assert cat.latest_job(conn, "acme") is None


def test_a_workbook_over_the_inflated_limit_is_refused_in_three_languages() -> None:
    import io

    from openpyxl import Workbook

    from qualframe.interop.sheets import first_sheet

    wb = Workbook()
    wb.active.append(["title"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(cio.CatalogueFileError) as caught, first_sheet(buf.getvalue(), 100, cio.CatalogueFileError):
        pass
    message = caught.value.args[0]
    assert str(message).startswith("the workbook inflates to ") and str(message).endswith(" bytes; at most 100")
    size = message.params["size"]
    assert message.render(i18n.translations("ru").gettext) == (
        f"после распаковки книга занимает {size} байт; допускается не более 100")
    assert message.render(i18n.translations("kk").gettext) == (
        f"жұмыс кітабы архивтен шығарылғанда {size} байт болады; ең көбі 100 рұқсат етіледі")


DECLINE_EN = "reason: control characters are not allowed"
DECLINE_PAGE = {"ru": "причина: управляющие символы не допускаются",
                "kk": "себебі: басқару таңбаларына рұқсат етілмейді"}


def test_decline_reason_error_on_the_page_in_its_language_and_english_in_the_api(make_client, kek_env) -> None:  # noqa: F811
    centre = centre_with_programme(make_client())
    client, pid = centre["client"], centre["programme"]["id"]
    import qualframe

    row = qualframe.load().row("3.1-07")
    sa = client.post("/api/v1/self-assessments", json={"row_id": row.id, "lang": "en",
                                                        "ratings": {d.id: 2 for d in row.descriptors}}).json()
    made = client.post(f"{sa['api_url']}/handoff", json={"programme_id": pid, "candidate_name": "Әлия Сәрсенбаева",
                                                          "contact": "aliya@example.kz", "consent": True})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    api = client.post(f"/api/v1/orgs/kazcert/assessment-requests/{rid}/decline",
                      headers={"authorization": f"Bearer {centre['token']}"}, json={"reason": "no\x07place"})
    _same_english_error(api, 422, DECLINE_EN)
    assert api.json()["error"]["details"] == [{"field": "reason", "message": "control characters are not allowed"}]
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/kazcert/assessment-requests").text)
    url = f"/orgs/kazcert/assessment-requests/{rid}/decline"
    for lang, sentence in DECLINE_PAGE.items():
        _page_says(client.post(f"{url}?lang={lang}", data={"reason": "no\x07place", "csrf_token": csrf}), 422,
                   sentence, DECLINE_EN)
    _page_says(client.post(f"{url}?lang=en", data={"reason": "no\x07place", "csrf_token": csrf}), 422, DECLINE_EN)
    # still new: a refused reason declines nothing
    assert client.get("/orgs/kazcert/assessment-requests.json").json()["requests"][0]["state"] == "new"
