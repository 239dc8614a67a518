"""Interface languages: the gettext catalogs are complete, cover every string in the sources, and pages,
JSON twins and the CLI show generated explanations (a row's level evidence) in the requested language."""

from __future__ import annotations

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
