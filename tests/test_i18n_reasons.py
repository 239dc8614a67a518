"""Generated reasons in the page language: credential verification reasons (proof, validity, status) on /verify,
the job-catalogue import's bad-row reasons on the job page, the hand-off form's field errors, the accounts'
invalid values (field and problem), a catalogue upload's whole-file errors, a decline's reason error, the
accounts' refusals (no such token, last admin, role held twice), password errors and refused state changes (a
job's, a request's), the centre's refusals (certificate status, accreditation, assessment date, closed or
missing requests), the standards' refusals, a too long grade list, the routes' own refusals (unknown row,
certificate, card) and the recognition rules on the pages, in Kazakh and Russian; the API
answers keep exactly the English sentences (the same bytes) they always gave (on SQLite and PostgreSQL). The
assessment results file's messages keep their English and translate."""

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
from qualframe.model.messages import N_, Text
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


def _request_to_kazcert(make_client) -> tuple[Any, dict[str, str], int]:
    """A fresh app where a person handed a self-assessment to the centre kazcert: its client, the centre's API
    headers and the new request's id."""
    centre = centre_with_programme(make_client())
    client, pid = centre["client"], centre["programme"]["id"]
    import qualframe

    row = qualframe.load().row("3.1-07")
    sa = client.post("/api/v1/self-assessments", json={"row_id": row.id, "lang": "en",
                                                        "ratings": {d.id: 2 for d in row.descriptors}}).json()
    made = client.post(f"{sa['api_url']}/handoff", json={"programme_id": pid, "candidate_name": "Әлия Сәрсенбаева",
                                                          "contact": "aliya@example.kz", "consent": True})
    assert made.status_code == 201, made.text
    return client, {"authorization": f"Bearer {centre['token']}"}, made.json()["id"]


def test_decline_reason_error_on_the_page_in_its_language_and_english_in_the_api(make_client, kek_env) -> None:  # noqa: F811
    client, centre_auth, rid = _request_to_kazcert(make_client)
    api = client.post(f"/api/v1/orgs/kazcert/assessment-requests/{rid}/decline", headers=centre_auth,
                      json={"reason": "no\x07place"})
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


# --- error pages: accounts' refusals, passwords, a refused state change; the assessment file's messages -------

ORG_ERRORS = {  # the English API message, as it always was -> the page's sentence in ru and kk
    "acme has no API token 999": {"ru": "у организации acme нет API-токена 999",
                                  "kk": "acme ұйымында 999 нөмірлі API токені жоқ"},
    "admin@acme.kz is the last admin of acme; add another admin first": {
        "ru": "admin@acme.kz — последний администратор организации acme; сначала добавьте другого администратора",
        "kk": "admin@acme.kz — acme ұйымының соңғы әкімшісі; алдымен басқа әкімші қосыңыз"},
    "admin@acme.kz already has the role 'admin' in acme": {
        "ru": "у пользователя admin@acme.kz уже есть роль 'admin' в организации acme",
        "kk": "admin@acme.kz пайдаланушысының acme ұйымында 'admin' рөлі бұрыннан бар"},
}
PASSWORD_ERRORS = {
    "the current password is not correct": (403, {"ru": "текущий пароль указан неверно",
                                                  "kk": "ағымдағы құпиясөз қате"}),
    "the password must have at least 10 characters": (422, {"ru": "пароль должен содержать не менее 10 символов",
                                                            "kk": "құпиясөзде кемінде 10 таңба болуы керек"}),
}


def test_account_refusals_on_the_page_in_its_language_and_english_in_the_api(make_client) -> None:
    from accounts_helpers import PASSWORD

    client, auth = _member(make_client, "admin@acme.kz", "admin")
    [me] = [m for m in client.get("/api/v1/orgs/acme/members", headers=auth).json()["members"]
            if m["email"] == "admin@acme.kz"]
    no_token, last, twice = list(ORG_ERRORS)
    _same_english_error(client.delete("/api/v1/orgs/acme/tokens/999", headers=auth), 404, no_token)
    _same_english_error(client.delete(f"/api/v1/orgs/acme/members/{me['user_id']}/roles/admin", headers=auth), 409,
                        last)
    _same_english_error(client.post("/api/v1/orgs/acme/members", headers=auth,
                                    json={"email": "admin@acme.kz", "role": "admin"}), 409, twice)

    assert web_login(client, "admin@acme.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/acme").text)
    for lang in ("ru", "kk"):
        _page_says(client.post(f"/orgs/acme/tokens/999/revoke?lang={lang}", data={"csrf_token": csrf}), 404,
                   ORG_ERRORS[no_token][lang], no_token)
        _page_says(client.post(f"/orgs/acme/members/remove?lang={lang}",
                               data={"user_id": me["user_id"], "role": "admin", "csrf_token": csrf}), 409,
                   ORG_ERRORS[last][lang], last)
        _page_says(client.post(f"/orgs/acme/members?lang={lang}",
                               data={"email": "admin@acme.kz", "role": "admin", "csrf_token": csrf}), 409,
                   ORG_ERRORS[twice][lang], twice)
        forms = ({"current_password": "not my password", "new_password": "x" * 12},
                 {"current_password": PASSWORD, "new_password": "short"})
        for form, (english, (status, pages)) in zip(forms, PASSWORD_ERRORS.items(), strict=True):
            _page_says(client.post(f"/account/password?lang={lang}", data={**form, "csrf_token": csrf}), status,
                       pages[lang], english)
    _page_says(client.post("/orgs/acme/tokens/999/revoke?lang=en", data={"csrf_token": csrf}), 404, no_token)
    # nothing was changed: still the one administrator, with the same password
    assert client.get("/api/v1/orgs/acme/members", headers=auth).json()["members"] == [me]
    assert web_login(client, "admin@acme.kz").status_code == 303


def test_password_errors_keep_their_english_and_translate() -> None:
    from qualframe.accounts import passwords

    for bad, english, ru, kk in (
            (" " * 12, "the password must not be blank", "пароль не может состоять только из пробелов",
             "құпиясөз тек бос орындардан тұрмауы керек"),
            ("x" * 1025, "the password must have at most 1024 characters",
             "пароль должен содержать не более 1024 символов", "құпиясөзде ең көбі 1024 таңба болуы керек")):
        with pytest.raises(passwords.PasswordError) as caught:
            passwords.check_policy(bad)
        message = caught.value.args[0]
        assert str(caught.value) == message == english
        assert message.render(i18n.translations("ru").gettext) == ru
        assert message.render(i18n.translations("kk").gettext) == kk


def test_a_finished_job_and_a_decided_request_name_their_state_as_the_pages_label_it(make_client, kek_env) -> None:  # noqa: F811
    # a job cancelled twice: the second time it is already cancelled (the job state label of the job page)
    client, auth = _member(make_client, "hr@acme.kz", "hr")
    job = client.post("/api/v1/orgs/acme/catalogue", headers=auth,
                      files={"file": ("c.csv", CATALOGUE, "text/csv")}).json()["job"]
    assert client.post(f"{job}/cancel", headers=auth).json()["state"] == "cancelled"
    job_id = job.rsplit("/", 1)[1]
    english = f"job {job_id} is already cancelled"
    _same_english_error(client.post(f"{job}/cancel", headers=auth), 409, english)
    web_login(client, "hr@acme.kz")
    csrf = csrf_from(client.get("/orgs/acme/catalogue").text)
    for lang, sentence in {"ru": f"задание {job_id} уже в состоянии «отменено»",
                           "kk": f"{job_id} тапсырмасы қазірдің өзінде «тоқтатылды» күйінде"}.items():
        _page_says(client.post(f"/orgs/acme/catalogue/jobs/{job_id}/cancel?lang={lang}", data={"csrf_token": csrf}),
                   409, sentence, english)

    # a declined request cannot be accepted (the request state labels of the centre's list)
    client, centre_auth, rid = _request_to_kazcert(make_client)
    api = f"/api/v1/orgs/kazcert/assessment-requests/{rid}"
    assert client.post(f"{api}/decline", headers=centre_auth, json={"reason": "no place"}).status_code == 200
    english = "a request that is declined cannot become accepted"
    _same_english_error(client.post(f"{api}/accept", headers=centre_auth, json={}), 409, english)
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/kazcert/assessment-requests").text)
    for lang, sentence in {"ru": "заявку в состоянии «отклонена» нельзя перевести в состояние «принята»",
                           "kk": "«қабылданбаған» күйіндегі өтінімді «қабылданған» күйіне ауыстыруға болмайды"}.items():
        _page_says(client.post(f"/orgs/kazcert/assessment-requests/{rid}/accept?lang={lang}",
                               data={"csrf_token": csrf}), 409, sentence, english)
    assert client.get("/orgs/kazcert/assessment-requests.json").json()["requests"][0]["state"] == "declined"


def test_an_unknown_state_label_stays_as_it_is() -> None:
    from qualframe.model.messages import in_context

    label = in_context("job state", "paused")
    assert label == "paused" and label.render(i18n.translations("ru").gettext) == "paused"
    assert in_context("job state", "done").render(i18n.translations("kk").gettext) == "аяқталды"


ASSESSMENT_FILES = {  # file -> (the English message, as the CLI always printed it; the sentence in ru and kk)
    b"": ("the file is empty", {"ru": "файл пуст", "kk": "файл бос"}),
    b"name,date,assessors,d1\n": (
        "line 1: missing column(s) d2 (the header must be name, date, assessors, iin, evidence, d1, d2; iin and "
        "evidence are optional)",
        {"ru": "строка 1: нет столбцов: d2 (строка заголовка должна быть такой: name, date, assessors, iin, "
               "evidence, d1, d2; iin и evidence необязательны)",
         "kk": "1-жол: мына бағандар жоқ: d2 (тақырып жолы мынадай болуы керек: name, date, assessors, iin, "
               "evidence, d1, d2; iin және evidence міндетті емес)"}),
    b"name,date,assessors,d1,d2,grade\n": (
        "line 1: unknown column 'grade'; expected name, date, assessors, iin, evidence, d1, d2",
        {"ru": "строка 1: неизвестный столбец 'grade'; ожидаются столбцы: name, date, assessors, iin, evidence, "
               "d1, d2",
         "kk": "1-жол: 'grade' бағаны белгісіз; күтілетін бағандар: name, date, assessors, iin, evidence, d1, d2"}),
}


def test_assessment_file_errors_keep_their_english_and_translate() -> None:
    from qualframe.interop import assessment_io as aio

    for data, (english, pages) in ASSESSMENT_FILES.items():
        with pytest.raises(aio.AssessmentFileError) as caught:
            aio.read_assessments(data, ["d1", "d2"], "r.csv")
        message = caught.value.args[0]
        assert str(caught.value) == message == english
        for lang, sentence in pages.items():
            assert message.render(i18n.translations(lang).gettext) == sentence


def test_assessment_cell_errors_keep_their_english_and_translate() -> None:
    from qualframe.interop import assessment_io as aio

    sheet = aio.read_assessments("name,date,assessors,d1,d2\n"
                                 "Әлия,15.13.2026,Ivanov,да,maybe\n"
                                 ",tomorrow,Ivanov,1,\n".encode(), ["d1", "d2"], "r.csv")
    assert not sheet.lines
    got = {(e.line, e.field): e.message for e in sheet.errors}
    assert {k: str(v) for k, v in got.items()} == {
        (2, "date"): "'15.13.2026' is not a date: month must be in 1..12",
        (2, "d2"): "'maybe' is not met (1, yes, иә, да, +) or not met (0, no, жоқ, нет, -)",
        (3, "name"): "required",
        (3, "date"): "'tomorrow' is not a date like 2026-01-15 or 15.01.2026",
        (3, "d2"): "required (whether the descriptor was met)",
    }
    ru, kk = i18n.translations("ru").gettext, i18n.translations("kk").gettext
    # Python's own words about an impossible date stay English inside the sentence
    assert got[2, "date"].render(ru) == "'15.13.2026' не является датой: month must be in 1..12"
    assert got[2, "d2"].render(kk) == ("'maybe' мәні «орындалды» (1, yes, иә, да, +) да, «орындалмады» "
                                       "(0, no, жоқ, нет, -) да емес")
    assert got[3, "name"].render(kk) == "міндетті"
    assert got[3, "date"].render(ru) == "'tomorrow' не является датой вида 2026-01-15 или 15.01.2026"
    assert got[3, "d2"].render(ru) == "обязательно (выполнен ли дескриптор)"


# --- error pages: the centre's certificates and assessments, hand-off requests, standards, grades --------------

def test_certificate_refusals_on_the_centre_pages_in_their_language_and_english_in_the_api(make_client,
                                                                                           kek_env) -> None:  # noqa: F811
    from certificates_helpers import bearer

    centre = centre_with_programme(make_client())
    client, token = centre["client"], centre["token"]
    number = certify(client, token, assess(client, token, centre["programme"])).json()["number"]
    api = f"/api/v1/orgs/kazcert/certificates/{number}/status"
    assert client.post(api, headers=bearer(token), json={"action": "revoke", "reason": "fraud"}).status_code == 200
    revoked = f"certificate {number} is already revoked (revocation is final)"
    _same_english_error(client.post(api, headers=bearer(token), json={"action": "suspend", "reason": "x"}), 409,
                        revoked)
    missing = "no certificate KAZCERT-2026-999999 of kazcert"
    _same_english_error(client.post("/api/v1/orgs/kazcert/certificates/KAZCERT-2026-999999/status",
                                    headers=bearer(token), json={"action": "revoke", "reason": "x"}), 404, missing)
    future = "assessed_on: a date, not in the future"
    body = {"programme_id": centre["programme"]["id"], "candidate_name": "Әлия Сәрсенбаева",
            "assessed_on": "2999-01-01", "assessors": ["Бекзат Оразов"], "results": {}}
    _same_english_error(client.post("/api/v1/orgs/kazcert/assessments", headers=bearer(token), json=body), 422,
                        future)

    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/kazcert/assessments/new").text)
    form = {"programme_id": str(centre["programme"]["id"]), "candidate_name": "Әлия Сәрсенбаева",
            "assessed_on": "2999-01-01", "assessors": "Бекзат Оразов", "csrf_token": csrf,
            **{f"met-{d}": "met" for ids in centre["programme"]["descriptors"].values() for d in ids}}
    pages = {"ru": (f"сертификат {number} уже отозван (отзыв окончателен)",
                    "у организации kazcert нет сертификата KAZCERT-2026-999999",
                    "укажите дату не позднее сегодняшнего дня"),
             "kk": (f"{number} сертификаты бұрын кері қайтарып алынған (кері қайтарып алу түпкілікті)",
                    "kazcert ұйымында KAZCERT-2026-999999 сертификаты жоқ", "бүгіннен кеш емес күнді көрсетіңіз")}
    for lang, (again, none, date_error) in pages.items():
        _page_says(client.post(f"/orgs/kazcert/certificates/{number}/status?lang={lang}",
                               data={"action": "suspend", "reason": "again", "csrf_token": csrf}), 409, again, revoked)
        _page_says(client.post(f"/orgs/kazcert/certificates/KAZCERT-2026-999999/status?lang={lang}",
                               data={"action": "revoke", "reason": "x", "csrf_token": csrf}), 404, none, missing)
        _page_says(client.post(f"/orgs/kazcert/assessments?lang={lang}", data=form), 422, date_error,
                   "a date, not in the future")
    _page_says(client.post(f"/orgs/kazcert/certificates/{number}/status?lang=en",
                           data={"action": "suspend", "reason": "again", "csrf_token": csrf}), 409, revoked)
    from qualframe.store import credentials as cs

    with centre["store"].engine.connect() as conn:  # nothing was recorded from the refused form
        assert len(cs.list_assessments(conn, "kazcert")) == 1


def test_request_refusals_on_the_centre_pages_in_their_language_and_english_in_the_api(make_client,
                                                                                       kek_env) -> None:  # noqa: F811
    client, centre_auth, rid = _request_to_kazcert(make_client)
    missing = "kazcert has no assessment request 999"
    _same_english_error(client.post("/api/v1/orgs/kazcert/assessment-requests/999/accept", headers=centre_auth,
                                    json={}), 404, missing)
    assert client.post(f"/api/v1/orgs/kazcert/assessment-requests/{rid}/decline", headers=centre_auth,
                       json={"reason": "no place"}).status_code == 200
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/kazcert/assessment-requests").text)
    declined = f"request {rid} is declined: no assessment starts from it"
    pages = {"ru": ("у организации kazcert нет заявки на оценку 999",
                    f"заявка {rid} в состоянии «отклонена»: начать по ней оценку нельзя"),
             "kk": ("kazcert ұйымында 999 нөмірлі бағалауға өтінім жоқ",
                    f"{rid} нөмірлі өтінім «қабылданбаған» күйінде: ол бойынша бағалауды бастауға болмайды")}
    for lang, (none, closed) in pages.items():
        _page_says(client.post(f"/orgs/kazcert/assessment-requests/999/accept?lang={lang}",
                               data={"csrf_token": csrf}), 404, none, missing)
        _page_says(client.get(f"/orgs/kazcert/assessments/new?request={rid}&lang={lang}"), 409, closed, declined)
    _page_says(client.get(f"/orgs/kazcert/assessments/new?request={rid}&lang=en"), 409, declined)


def test_an_accreditation_refusal_names_its_reason_in_the_page_language(make_client, kek_env) -> None:  # noqa: F811
    from datetime import date

    from certificates_helpers import make_centre, make_programme

    client = make_client()
    token = make_centre(client.app.state.qf.store, "late", valid_from=date(2026, 2, 1))
    before = assess(client, token, make_programme(client, token, slug="late"), slug="late", on="2026-01-15")
    english = ("late is not accredited on the assessment date 2026-01-15 (accreditation KZ-RC-LATE starts "
               "2026-02-01, after 2026-01-15): no certificate")
    _same_english_error(certify(client, token, before, slug="late"), 403, english)
    assert web_login(client, "assessor@late.kz").status_code == 303
    url = f"/orgs/late/assessments/{before['id']}"
    csrf = csrf_from(client.get(url).text)
    for lang, (sentence, reason) in {
            "ru": ("организация late не аккредитована на дату оценки 2026-01-15 (", "): сертификат не выдаётся"),
            "kk": ("late ұйымы бағалау күнінде (2026-01-15) аккредиттелмеген (", "): сертификат берілмейді")}.items():
        page = client.post(f"{url}/certificate?lang={lang}", data={"csrf_token": csrf, "holder_consent": "masked"})
        _page_says(page, 403, sentence, english)
        assert str(escape(reason)) in page.text
        assert "starts 2026-02-01" not in page.text  # the nested reason is translated too


def test_a_recognition_error_keeps_its_english_and_translates_its_message() -> None:
    from qualframe.credentials import recognition as rec

    err = rec.RecognitionError("assessed_on", Text(N_("a date, not in the future")))
    assert str(err) == "assessed_on: a date, not in the future" and err.field == "assessed_on"
    assert err.args[0].render(i18n.translations("ru").gettext) == (
        "assessed_on: укажите дату не позднее сегодняшнего дня")
    plain = rec.RecognitionError("assessors", "plain text stays as it is")
    assert plain.args[0].render(i18n.translations("kk").gettext) == "assessors: plain text stays as it is"


def test_standards_refusals_in_the_page_language_and_english_in_the_api(make_client) -> None:
    from qualframe.standards import workflow as W

    client, auth = _member(make_client, "dev@acme.kz", "developer")
    made = client.post("/api/v1/standards/acme", headers=auth, json={"name": {"kk": "Бағдарламалау"}})
    assert made.status_code == 201, made.text
    sid = made.json()["sid"]
    english = "version 1 is draft; a new version starts from a published one (edit the current draft instead)"
    _same_english_error(client.post(f"/api/v1/standards/acme/{sid}/versions", headers=auth), 409, english)
    with pytest.raises(W.WorkflowError) as caught:
        W.check_transition("return", "published")
    message = caught.value.message
    assert message == "cannot return a version that is published (only from in review or approved)"
    assert message.render(i18n.translations("ru").gettext) == (
        "нельзя вернуть на доработку версию в статусе «опубликован» (допускается только из статуса: на рассмотрении "
        "или утверждён)")
    assert message.render(i18n.translations("kk").gettext) == (
        "«жарияланған» күйіндегі нұсқаны жобаға қайтаруға болмайды (тек мына күйден рұқсат етіледі: қарауда немесе "
        "бекітілген)")

    unpublished = f"standard '{sid}' has no published version"
    _same_english_error(client.get(f"/api/v1/standards/acme/{sid}"), 404, unpublished)
    for lang, sentence in {"ru": f"у стандарта '{sid}' нет опубликованной версии",
                           "kk": f"'{sid}' стандартының жарияланған нұсқасы жоқ"}.items():
        _page_says(client.get(f"/standards/acme/{sid}?lang={lang}"), 404, sentence, unpublished)
    web_login(client, "dev@acme.kz")
    no_version = f"no version 7 of standard '{sid}'"
    for lang, sentence in {"ru": f"у стандарта '{sid}' нет версии 7",
                           "kk": f"'{sid}' стандартының 7-нұсқасы жоқ"}.items():
        _page_says(client.get(f"/standards/acme/{sid}?version=7&lang={lang}"), 404, sentence, no_version)
    _page_says(client.get(f"/standards/acme/{sid}?version=7&lang=en"), 404, no_version)


def test_too_many_grades_on_the_page_in_its_language(make_client) -> None:
    from qualframe.catalogue import grades

    english = f"{grades.MAX_GRADES + 1} grades; at most {grades.MAX_GRADES}"
    lines = "\n".join(f"G{i}" for i in range(grades.MAX_GRADES + 1))
    with pytest.raises(ValueError) as caught:
        grades.normalise_grade_list(lines.splitlines())
    assert str(caught.value) == english
    client, _auth = _member(make_client, "hr@acme.kz", "hr")
    web_login(client, "hr@acme.kz")
    csrf = csrf_from(client.get("/orgs/acme/catalogue/pay-bands").text)
    for lang, sentence in {"ru": f"грейдов: {grades.MAX_GRADES + 1}; допускается не более {grades.MAX_GRADES}",
                           "kk": f"грейдтер саны: {grades.MAX_GRADES + 1}; ең көбі {grades.MAX_GRADES} рұқсат "
                                 f"етіледі"}.items():
        _page_says(client.post(f"/orgs/acme/catalogue/pay-bands?lang={lang}",
                               data={"grade_order": lines, "csrf_token": csrf}), 422, sentence, english)
    _page_says(client.post("/orgs/acme/catalogue/pay-bands?lang=en", data={"grade_order": lines, "csrf_token": csrf}),
               422, english)
    assert client.get("/api/v1/orgs/acme/pay-bands", headers=_auth).json()["grade_order"] == []


# --- the routes' own refusals and the recognition rules ----------------------------------------------------------

def test_route_refusals_on_the_pages_in_their_language_and_english_in_the_api(make_client) -> None:
    client, auth = _member(make_client, "dev@acme.kz", "developer")
    careers = client.get("/api/v1/careers/9.9-99")
    english = careers.json()["error"]["message"]
    assert english.startswith("no level row '9.9-99' in ")
    _same_english_error(careers, 404, english)
    fw = english.removeprefix("no level row '9.9-99' in ")
    register = "no certificate NOPE-2026-000001 in this register"
    as_json = {"accept": "application/json"}  # the page's JSON twin answers as the API does
    _same_english_error(client.get("/register/certificates/NOPE-2026-000001", headers=as_json), 404, register)
    sid = client.post("/api/v1/standards/acme", headers=auth, json={"name": {"kk": "Бағдарламалау"}}).json()["sid"]
    assert web_login(client, "dev@acme.kz").status_code == 303
    card = f"no card 'zz-1' in version 1 of {sid}"
    _same_english_error(client.get(f"/standards/acme/{sid}/cards/zz-1?version=1", headers=as_json), 404, card)
    pages = {"ru": (f"в рамке {fw} нет строки уровня '9.9-99'", "в этом реестре нет сертификата NOPE-2026-000001",
                    f"в версии 1 стандарта {sid} нет карточки 'zz-1'"),
             "kk": (f"{fw} шеңберінде '9.9-99' деңгей жолы жоқ", "Бұл тізілімде NOPE-2026-000001 сертификаты жоқ",
                    f"{sid} стандартының 1-нұсқасында 'zz-1' карточкасы жоқ")}
    for lang, (row, number, no_card) in pages.items():
        _page_says(client.get(f"/careers/9.9-99?lang={lang}"), 404, row, english)
        _page_says(client.get(f"/register/certificates/NOPE-2026-000001?lang={lang}"), 404, number, register)
        _page_says(client.get(f"/standards/acme/{sid}/cards/zz-1?version=1&lang={lang}"), 404, no_card, card)
    _page_says(client.get(f"/standards/acme/{sid}/cards/zz-1?version=1&lang=en"), 404, card)


def test_a_recognition_rule_on_the_programme_form_in_its_language_and_english_in_the_api(make_client,
                                                                                        kek_env) -> None:  # noqa: F811
    from certificates_helpers import ROW, bearer, make_centre

    client = make_client()
    token = make_centre(client.app.state.qf.store)
    english = "methods: at least one of test, practical, portfolio, interview"
    _same_english_error(client.post("/api/v1/orgs/kazcert/programmes", headers=bearer(token),
                                    json={"row_id": ROW, "title": "Бағдарлама", "methods": []}), 422, english)
    assert web_login(client, "assessor@kazcert.kz").status_code == 303
    csrf = csrf_from(client.get("/orgs/kazcert/programmes").text)
    for lang, sentence in {"ru": "methods: укажите хотя бы один из методов: test, practical, portfolio, interview",
                           "kk": "methods: мына әдістердің кемінде біреуін көрсетіңіз: test, practical, portfolio, "
                                 "interview"}.items():
        _page_says(client.post(f"/orgs/kazcert/programmes?lang={lang}",
                               data={"row_id": ROW, "title": "Бағдарлама", "csrf_token": csrf}), 422, sentence, english)
    with pytest.raises(ValueError) as caught:
        from qualframe.credentials import recognition as rec

        rec.check_results(rec.programme_spec(framework_id="f", row_id="r", title="t",
                                             row_descriptors={"skills": [f"s{i}" for i in range(7)]},
                                             descriptors=None, methods=["test"], rules=None), {})
    message = caught.value.args[0]
    assert message == "results: no result for s0, s1, s2, s3, s4 (and 2 more)"
    assert message.render(i18n.translations("ru").gettext) == "results: нет результата для s0, s1, s2, s3, s4 (и ещё 2)"
    assert message.render(i18n.translations("kk").gettext) == (
        "results: s0, s1, s2, s3, s4 (және тағы 2) үшін нәтиже жоқ")
