"""Interface languages: the gettext catalogs are complete, cover every string in the sources, and pages,
JSON twins and the CLI show generated explanations (a row's level evidence) in the requested language."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import DictLoader, Environment, select_autoescape

import qualframe
from qualframe.model.messages import LEVEL_EVIDENCE, Message
from qualframe.web import i18n
from qualframe.web.errors import DEFAULT_TITLE, TITLES

ROOT = Path(__file__).resolve().parents[1]
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")  # an English word left in a Kazakh or Russian sentence


def catalog_problems(path: Path, locale: str) -> list[str]:
    """Every entry of the catalog at `path` that is missing, empty, fuzzy or has mismatched placeholders."""
    with path.open("rb") as f:
        cat = read_po(f, locale=locale)
    problems = []
    for m in cat:
        if not m.id:
            continue
        name = f"{path.parent.parent.name}: {m.context + ' | ' if m.context else ''}{m.id!r}"
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy:
            problems.append(f"{name} is fuzzy")
        if isinstance(m.id, tuple) and len(forms) != cat.num_plurals:
            problems.append(f"{name} has {len(forms)} plural forms, the language needs {cat.num_plurals}")
        if not all(forms):
            problems.append(f"{name} has no translation")
        problems += [f"{name}: {e}" for e in m.check(cat)]  # python-format placeholders must match the msgid
    return problems


def extracted_messages() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the current sources, with the project's babel.cfg."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    out = set()
    for _file, _line, msgid, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        out.add((context, msgid if isinstance(msgid, str) else msgid[0]))
    return out


def catalog_ids(lang: str) -> set[tuple[str | None, str]]:
    with i18n.po_path(lang).open("rb") as f:
        cat = read_po(f)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in cat if m.id}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_catalog_is_complete(lang: str) -> None:
    assert catalog_problems(i18n.po_path(lang), {"en": "en_GB"}.get(lang, lang)) == []


def test_the_completeness_check_catches_gaps(tmp_path: Path) -> None:
    broken = tmp_path / "ru" / "LC_MESSAGES" / "messages.po"
    broken.parent.mkdir(parents=True)
    text = i18n.po_path("ru").read_text(encoding="utf-8")
    text = text.replace('msgstr "Поиск по дескрипторам"', 'msgstr ""', 1)
    text = text.replace('msgstr "по порядку: единственный оставшийся уровень %(where)s"',
                        'msgstr "по порядку: единственный оставшийся уровень %(wher)s"', 1)
    text = text.replace('msgid "Knowledge"', '#, fuzzy\nmsgid "Knowledge"', 1)
    broken.write_text(text, encoding="utf-8")
    problems = "\n".join(catalog_problems(broken, "ru"))
    assert "'Search the descriptors' has no translation" in problems
    assert "'Knowledge' is fuzzy" in problems
    assert "from order: the only level left" in problems  # placeholder %(wher)s is not in the msgid


def test_every_string_in_the_sources_is_in_every_catalog() -> None:
    found = extracted_messages()
    # the extractor really reads templates and Python: strings from both kinds of file are there
    assert (None, "Search the descriptors") in found and ("nav", "Compare") in found
    assert (None, LEVEL_EVIDENCE["printed.sqf_merged"]) in found and (None, TITLES[404]) in found
    for lang in i18n.LANGS:
        missing = sorted(found - catalog_ids(lang), key=str)
        assert missing == [], f"not in {lang}/LC_MESSAGES/messages.po (run `make messages`): {missing}"


def test_a_new_template_string_is_extracted(tmp_path: Path) -> None:
    """Templates added later (login, account pages) are picked up by the same babel.cfg."""
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    tpl = tmp_path / "src" / "qualframe" / "web" / "templates" / "login.html"
    tpl.parent.mkdir(parents=True)
    tpl.write_text('{% extends "base.html" %}{% block main %}<h1>{{ _("Sign in") }}</h1>'
                   '{% trans %}Forgot your password?{% endtrans %}{% endblock %}', encoding="utf-8")
    with (tmp_path / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    ids = {m[2] for m in extract_from_dir(str(tmp_path), method_map, options_map)}
    assert ids == {"Sign in", "Forgot your password?"}


def test_every_level_evidence_is_a_message_that_renders_the_english_text() -> None:
    fw = qualframe.load()
    rows = [r for _a, r in fw.rows()]
    assert rows and all(r.level_evidence_message is not None for r in rows)
    for r in rows:
        msg = r.level_evidence_message
        assert msg is not None and msg.render() == r.level_evidence, r.id
        assert Message.from_dict(msg.to_dict()) == msg
    for lang in ("kk", "ru"):
        for r in rows:
            text = r.explain_level(i18n.translations(lang).gettext)
            assert text != r.level_evidence and not LATIN_WORD.search(text), (lang, r.id, text)


def test_evidence_sentence_of_the_merged_cell_row_in_three_languages() -> None:
    row = qualframe.load().row("3.1-07")
    assert row.level_evidence_message == Message("printed.sqf_merged", {"sqf": "62", "nqf": 6})
    texts = {lang: i18n.message_text(row.level_evidence_message, lang) for lang in i18n.LANGS}
    assert texts["en"] == "SQF 62 printed; NQF cell empty (merged with the row above), NQF 6 from the code"
    assert texts["kk"].startswith("СБШ 62 деңгейі мәтінде басылған; ҰБШ ұяшығы бос")
    assert texts["ru"].startswith("напечатан уровень ОРК 62; ячейка НРК пуста")


def test_store_keeps_the_evidence_messages(store) -> None:
    shipped = {r.id: r.level_evidence_message for _a, r in qualframe.load().rows()}
    stored = {r.id: r.level_evidence_message for _a, r in store.get_framework("kz-ict-sqf-2013").rows()}
    assert stored == shipped


@pytest.mark.parametrize(("lang", "sentence", "badge"), [
    ("kk", "ҰБШ ұяшығы бос (жоғарғы жолмен біріктірілген)", "мәтінде басылған"),
    ("ru", "ячейка НРК пуста (объединена со строкой выше)", "напечатан в тексте"),
    ("en", "NQF cell empty (merged with the row above)", "printed in the text"),
])
def test_level_page_and_json_twin_explain_the_level_in_the_page_language(client, lang, sentence, badge) -> None:
    html = client.get(f"/levels/3.1-07?lang={lang}").text
    assert sentence in html and badge in html
    if lang != "en":
        assert "merged with the row above" not in html
    row = client.get(f"/levels/3.1-07.json?lang={lang}").json()["row"]
    assert sentence in row["level_evidence_localized"]["text"] and row["level_evidence_localized"]["lang"] == lang
    assert row["level_evidence_message"]["code"] == "printed.sqf_merged"
    assert row["level_evidence"].startswith("SQF 62 printed;")  # the English text stays for compatibility


def test_interface_strings_plurals_and_errors_follow_the_language(client) -> None:
    ru = client.get("/?lang=ru").text
    assert "Отраслевая рамка квалификаций" in ru or "Области профессиональной деятельности" in ru
    assert re.search(r"\b10 строк уровней\b", ru) and re.search(r"\b8 строк уровней\b", ru)  # Russian plural
    assert "Скачать" in ru
    kk = client.get("/?lang=kk").text
    assert re.search(r"\b10 деңгей жолы\b", kk) and "Жүктеп алу" in kk
    assert "10 level rows" in client.get("/?lang=en").text
    missing = client.get("/no-such-page?lang=ru")
    assert missing.status_code == 404 and "404 — Не найдено" in missing.text
    assert "404 — Табылмады" in client.get("/no-such-page?lang=kk").text
    assert i18n.t(DEFAULT_TITLE, "ru") == "Ошибка"


def test_concurrent_renders_each_get_their_own_language() -> None:
    env = Environment(loader=DictLoader({"p.html": '{{ _("Knowledge") }}|{{ pgettext("nav", "Search") }}|'
                                                   '{{ ngettext("%(num)d line", "%(num)d lines", n) }}'}),
                      autoescape=select_autoescape(default=True))
    i18n.install(env)
    expected = {"kk": "Білім|Іздеу|5 жол", "ru": "Знания|Поиск|5 строк", "en": "Knowledge|Search|5 lines"}
    tpl = env.get_template("p.html")
    wrong: list[tuple[str, str]] = []
    start = threading.Barrier(6)

    def work(lang: str) -> None:
        start.wait()
        for _ in range(300):
            out = tpl.render(lang=lang, n=5)
            if out != expected[lang]:
                wrong.append((lang, out))

    threads = [threading.Thread(target=work, args=(lang,)) for lang in i18n.LANGS for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert wrong == []


def test_dates_use_cldr_month_names() -> None:
    assert i18n.fmt_date("2013-09-30", "kk") == "2013 ж. 30 қыркүйек"
    assert i18n.fmt_date("2015-05-28", "ru") == "28 мая 2015 г."
    assert i18n.fmt_date("2015-05-28", "en") == "28 May 2015"
    assert i18n.fmt_date("not a date", "en") == "not a date"


def test_cli_show_prints_the_evidence_in_english() -> None:
    from typer.testing import CliRunner

    from qualframe.cli import app

    out = CliRunner().invoke(app, ["show", "3.1", "62"], env={"COLUMNS": "400"}).output
    assert "SQF 62 printed; NQF cell empty (merged with the row above), NQF 6 from the code" in out


# --- stable codes shown as words, contexts for ambiguous words, plurals ----------------------------------------

def _label_env() -> Environment:
    from jinja2 import FileSystemLoader

    env = Environment(loader=FileSystemLoader(str(ROOT / "src/qualframe/web/templates")),
                      autoescape=select_autoescape(default=True))
    i18n.install(env)
    return env


def _verification_check_names() -> set[str]:
    """Every check name a real verification produces (a credential, and a presentation of it)."""
    from qualframe.credentials.verify import verify_document

    vc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
          "issuer": "did:example:centre", "credentialSubject": {"id": "did:example:holder"}}
    vp = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
          "verifiableCredential": [vc]}
    return {c.name for doc in (vc, vp) for c in verify_document(doc, check_issuer=lambda *_: (True, "ok")).checks}


def _label_codes() -> dict[str, set[str]]:
    from qualframe.accounts.policy import ROLES
    from qualframe.catalogue.handoff import STATES as REQUEST_STATES
    from qualframe.credentials.recognition import METHODS
    from qualframe.standards.workflow import STATES as STANDARD_STATES
    from qualframe.store.catalogue import JOB_STATES

    return {"role": set(ROLES), "standard_status": set(STANDARD_STATES), "request_state": set(REQUEST_STATES),
            "request_state_for_person": set(REQUEST_STATES), "job_state": set(JOB_STATES),
            "assessment_method": set(METHODS), "certificate_status": {"active", "revoked", "suspended"},
            "decision_source": {"accepted", "overridden"}, "check_name": _verification_check_names(),
            "check_result": {"ok", "failed", "not-checked"}, "legal_status": {"in_force", "repealed"},
            "framework_kind": {"sqf", "case"}, "framework_origin": {"shipped", "case-import"}}


def test_every_stable_code_is_shown_as_a_translated_word() -> None:
    """Roles, workflow states, certificate statuses, request states, check names...: the pages show words in the
    page language (labels.html) while the JSON keeps the codes. A new code without a word fails here."""
    codes = _label_codes()
    assert "admin" in codes["role"] and "in_review" in codes["standard_status"] and "proof" in codes["check_name"]
    assert "credentials" in codes["check_name"]  # the presentation's check is reached too
    env = _label_env()
    for macro, values in codes.items():
        tpl = env.from_string('{% import "labels.html" as label with context %}{{ label.' + macro + '(code) }}')
        for code in values:
            words = {lang: tpl.render(lang=lang, code=code).strip() for lang in i18n.LANGS}
            assert all(words.values()) and words["kk"] != code and words["ru"] != code, (macro, code, words)
            assert words["kk"] != words["en"] and words["ru"] != words["en"], (macro, code, words)
            assert "_" not in words["en"], (macro, code, words)
            for lang in ("kk", "ru"):
                assert not LATIN_WORD.search(words[lang].replace("CASE", "").replace("qualframe", "")), (
                    macro, code, lang, words[lang])


def test_ambiguous_short_words_carry_a_context() -> None:
    """"Name", "Check", "failed", "accepted", "new" mean different things in different places."""
    found = extracted_messages()
    for word in ("Name", "Check", "failed", "accepted", "new", "passed"):
        assert (None, word) not in found, f"{word!r} is used without a gettext context"
    ru = i18n.translations("ru")
    assert {ru.pgettext(c, "Name") for c in ("person", "token", "standard")} == {"Имя", "Название", "Наименование"}
    assert ru.pgettext("button", "Check") == "Проверить" and ru.pgettext("verification", "Check") == "Проверка"
    assert ru.pgettext("check result", "failed") != ru.pgettext("job state", "failed")
    assert ru.pgettext("request state", "accepted") != ru.pgettext("decision", "accepted")
    kk = i18n.translations("kk")
    assert kk.pgettext("person", "Name") != kk.pgettext("token", "Name")


@pytest.mark.parametrize(("n", "ru_word"), [(1, "должность"), (3, "должности"), (5, "должностей"),
                                             (11, "должностей"), (21, "должность"), (22, "должности")])
def test_counts_get_the_russian_plural_forms(n: int, ru_word: str) -> None:
    assert i18n.nt("%(num)d position", "%(num)d positions", n, "ru") % {"num": n} == f"{n} {ru_word}"
    assert i18n.nt("%(num)d position", "%(num)d positions", n, "kk") % {"num": n} == f"{n} лауазым"


# `{{ count }} {{ _("positions") }}`: a number glued to a translated noun cannot agree with it in Russian
NUMBER_THEN_WORD = re.compile(r"\{\{ *[\w.()|\[\]'\"]*(?:count|total|length|sum|num|\bn\b|inversions|unplaced|"
                              r"decided|low_confidence|failed|done|changed|added|removed)[\w.()|\[\]'\"]* *\}\} "
                              r"\{\{ _\(\"[a-z]")


def test_templates_count_with_ngettext() -> None:
    offenders = []
    for tpl in sorted((ROOT / "src/qualframe/web/templates").glob("*.html")):
        for no, line in enumerate(tpl.read_text(encoding="utf-8").splitlines(), 1):
            if NUMBER_THEN_WORD.search(line):
                offenders.append(f"{tpl.name}:{no}")
    assert offenders == []
    assert NUMBER_THEN_WORD.search('<p>{{ d.count }} {{ _("positions") }}</p>')  # the check does catch it


def test_verify_page_shows_checks_and_reasons_in_the_page_language(client) -> None:
    from accounts_helpers import csrf_from

    vc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
          "issuer": "did:example:centre", "validUntil": "2020-01-01T00:00:00Z",
          "credentialSubject": {"id": "did:example:holder"}}
    token = csrf_from(client.get("/verify?lang=ru").text)
    ru = client.post("/verify?lang=ru", data={"csrf_token": token, "credential": json.dumps(vc)})
    assert ru.status_code == 422
    for text in ("Подпись", "Сроки действия", "не пройдена", "срок истёк: validUntil 2020-01-01T00:00:00Z",
                 "нет доказательства подписи (proof)", "известных контекстов: 1",
                 "издатель did:example:centre не является центром признания"):
        assert text in ru.text, text
    assert "expired:" not in ru.text and "no proof" not in ru.text
    kk = client.post("/verify?lang=kk", data={"csrf_token": token, "credential": json.dumps(vc)}).text
    assert "мерзімі өткен: validUntil" in kk and "Қолтаңба" in kk
    # the JSON twin keeps the stable codes and the English reasons
    twin = client.post("/verify?lang=ru", data={"csrf_token": token, "credential": json.dumps(vc)},
                       headers={"accept": "application/json"}).json()
    checks = {c["name"]: c for c in twin["result"]["checks"]}
    assert checks["validity"]["status"] == "failed"
    assert checks["validity"]["reasons"] == ["expired: validUntil 2020-01-01T00:00:00Z"]
    assert checks["proof"]["reasons"] == ["no proof"]
    missing = client.get("/verify?number=NOPE-2026-000001&lang=ru")
    assert missing.status_code == 404 and "в этом реестре нет сертификата NOPE-2026-000001" in missing.text


# --- compiled catalogs kept between starts (per-user cache directory) ------------------------------------------

def _catalog_messages(po: Path, lang: str) -> list:
    with po.open("rb") as f:
        return [m for m in read_po(f, locale={"en": "en_GB"}.get(lang, lang)) if m.id]


def _cache_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir())


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_a_cached_catalog_answers_like_the_in_memory_compile(tmp_path: Path, lang: str) -> None:
    po = i18n.po_path(lang)
    memory = i18n.load_catalog(lang, po, None)
    i18n.load_catalog(lang, po, tmp_path)  # compiles and writes the cache file
    [written] = _cache_files(tmp_path)
    assert written.name.startswith(f"qualframe-messages-{lang}-") and written.suffix == ".mo"
    cached = i18n.load_catalog(lang, po, tmp_path)  # reads it
    assert _cache_files(tmp_path) == [written]
    messages = _catalog_messages(po, lang)
    assert len(messages) > 300
    plurals = 0
    for m in messages:
        ctx = m.context
        if isinstance(m.id, tuple):
            plurals += 1
            forms = set()
            for n in range(0, 200):
                got = (cached.npgettext(ctx, m.id[0], m.id[1], n) if ctx
                       else cached.ngettext(m.id[0], m.id[1], n))
                want = (memory.npgettext(ctx, m.id[0], m.id[1], n) if ctx
                        else memory.ngettext(m.id[0], m.id[1], n))
                assert got == want, (lang, m.id, n)
                forms.add(got)
            assert forms == set(m.string), (lang, m.id)  # every plural form of the .po is reached
        else:
            got = cached.pgettext(ctx, m.id) if ctx else cached.gettext(m.id)
            want = memory.pgettext(ctx, m.id) if ctx else memory.gettext(m.id)
            assert got == want == m.string, (lang, ctx, m.id)
    assert plurals > 10


def test_an_edited_catalog_or_another_babel_gets_a_new_cache_file(tmp_path: Path, monkeypatch) -> None:
    po = tmp_path / "kk" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    shutil.copy(i18n.po_path("kk"), po)
    cache = tmp_path / "cache"
    cache.mkdir()
    assert i18n.load_catalog("kk", po, cache).gettext("Knowledge") == "Білім"
    [first] = _cache_files(cache)
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Knowledge"\nmsgstr "Білім"', 'msgid "Knowledge"\nmsgstr "Білімдер"', 1),
                  encoding="utf-8")
    assert i18n.load_catalog("kk", po, cache).gettext("Knowledge") == "Білімдер"
    files = _cache_files(cache)
    assert len(files) == 2 and first in files
    assert i18n.load_catalog("kk", po, cache).gettext("Knowledge") == "Білімдер"  # read back from the new file
    import babel

    monkeypatch.setattr(babel, "__version__", "99.0.0")
    assert i18n.load_catalog("kk", po, cache).gettext("Knowledge") == "Білімдер"
    assert len(_cache_files(cache)) == 3  # a Babel upgrade never reads what the old one wrote


@pytest.mark.parametrize("damage", ["truncated", "a changed letter", "empty", "not a catalog", "checksum only"])
def test_a_damaged_cache_file_is_recompiled_and_replaced(tmp_path: Path, damage: str) -> None:
    po = i18n.po_path("ru")
    i18n.load_catalog("ru", po, tmp_path)
    [path] = _cache_files(tmp_path)
    good = path.read_bytes()
    middle = len(good) // 2
    # a changed letter still parses (same length, valid UTF-8): only the checksum can tell
    assert good.count("Знания".encode()) == 1
    path.write_bytes({"truncated": good[:middle],
                      "a changed letter": good.replace("Знания".encode(), "Знанию".encode()),
                      "empty": b"",
                      "not a catalog": b"\x00" * 200,
                      "checksum only": good[-32:]}[damage])
    ru = i18n.load_catalog("ru", po, tmp_path)
    assert ru.gettext("Knowledge") == "Знания" and ru.ngettext("%(num)d line", "%(num)d lines", 5) == "%(num)d строк"
    assert path.read_bytes() == good and _cache_files(tmp_path) == [path]


def test_the_cache_file_is_a_valid_mo_that_plain_gettext_reads(tmp_path: Path) -> None:
    """The checksum trails the .mo, where readers of the format do not look."""
    import gettext

    i18n.load_catalog("kk", i18n.po_path("kk"), tmp_path)
    [path] = _cache_files(tmp_path)
    with path.open("rb") as f:
        assert gettext.GNUTranslations(f).pgettext("nav", "Search") == "Іздеу"


def _unwritable(kind: str, tmp_path: Path) -> Path:
    if kind == "missing":
        return tmp_path / "no-such-dir"
    if kind == "a regular file":
        (tmp_path / "file").write_bytes(b"")
        return tmp_path / "file"
    if os.geteuid() != 0:
        tmp_path.chmod(0o555)
        return tmp_path
    if Path("/proc/self").is_dir():
        return Path("/proc")  # permissions do not bind root; nothing can create a file in /proc
    pytest.skip("running as root without /proc: no read-only directory to try")


def _listing(directory: Path) -> list[Path] | None:
    """The directory's entries but /proc's process entries (all digits), which come and go with other processes;
    the cache's files and temporaries never have such names."""
    return sorted(p for p in directory.iterdir() if not p.name.isdigit()) if directory.is_dir() else None


@pytest.mark.parametrize("kind", ["missing", "a regular file", "read-only"])
def test_an_unwritable_cache_directory_still_translates(tmp_path: Path, kind: str) -> None:
    directory = _unwritable(kind, tmp_path)
    before = _listing(directory)
    try:
        for _ in range(2):
            en = i18n.load_catalog("en", i18n.po_path("en"), directory)
            kk = i18n.load_catalog("kk", i18n.po_path("kk"), directory)
            assert kk.gettext("Knowledge") == "Білім" and en.pgettext("nav", "Search") == "Search"
        assert _listing(directory) == before  # no temporary left behind
    finally:
        tmp_path.chmod(0o755)


def test_concurrent_first_uses_leave_one_whole_cache_file(tmp_path: Path) -> None:
    results: list[str] = []
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        results.append(i18n.load_catalog("ru", i18n.po_path("ru"), tmp_path).pgettext("nav", "Search"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == ["Поиск"] * 4
    assert [p.suffix for p in _cache_files(tmp_path)] == [".mo"]  # one catalog, no temporary left
    assert i18n.load_catalog("ru", i18n.po_path("ru"), tmp_path).pgettext("nav", "Search") == "Поиск"


def test_a_warm_start_reads_the_cache_without_babels_po_reader(tmp_path: Path) -> None:
    """What the cache is for: a new process with the file in place does not load Babel's .po reader."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from qualframe.web import i18n; "
            f"tr = i18n.load_catalog('kk', i18n.po_path('kk'), Path({str(tmp_path)!r})); "
            "print(tr.gettext('Knowledge'), 'babel.messages.pofile' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]
    assert runs == [["Білім", "True"], ["Білім", "False"]]
    assert len(_cache_files(tmp_path)) == 1


def test_the_default_cache_directory_is_private_to_this_user() -> None:
    import stat

    directory = i18n.cache_dir()
    assert directory is not None  # a POSIX machine with a usable temporary directory
    st = directory.lstat()
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.getuid()
    i18n.translations("en")
    assert any(p.name.startswith("qualframe-messages-") for p in directory.iterdir())
