"""`qualframe search` and `qualframe match` from the command line, including JSONL batches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qualframe.cli import app
from qualframe.search.batch import process_lines

runner = CliRunner()


def test_search_text_and_json() -> None:
    r = runner.invoke(app, ["search", "знание языка программирования", "--limit", "2"])
    assert r.exit_code == 0, r.output
    assert "3.1-03-k1" in r.output and "unofficial translation" in r.output
    r = runner.invoke(app, ["search", "postal", "--area", "3.3", "--column", "competences", "--json"])
    data = json.loads(r.stdout)
    assert data["results"] and all(x["area"] == "3.3" and x["column"] == "competences" for x in data["results"])


def test_search_errors_are_clear() -> None:
    r = runner.invoke(app, ["search", "!!!"])
    assert r.exit_code == 1 and "query is empty" in r.output
    r = runner.invoke(app, ["search", "x", "--area", "9.9"])
    assert r.exit_code == 1 and "unknown area" in r.output
    r = runner.invoke(app, ["search"])
    assert r.exit_code == 1 and "missing QUERY" in r.output
    assert "Traceback" not in r.output


def test_match_text_and_json() -> None:
    r = runner.invoke(app, ["match", "Почтальон, опыт не требуется"])
    assert r.exit_code == 0, r.output
    assert "area 3.3" in r.output and "confidence" in r.output
    r = runner.invoke(app, ["match", "Senior backend developer, Go, 6 years", "--json", "--limit", "2"])
    data = json.loads(r.stdout)
    assert data["lang"] == "en" and len(data["suggestions"]) == 2


def _jsonl(tmp_path: Path) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join([
        json.dumps({"id": "a", "text": "бағдарламалау тілін білу"}),
        "{not json",
        json.dumps({"id": "c"}),
        "",
        json.dumps({"id": "e", "text": "???"}),
        json.dumps(["list"]),
        json.dumps({"id": 7, "text": "fibre-optic line installer"}, ensure_ascii=False),
    ]) + "\n", encoding="utf-8")
    return p


def test_search_jsonl_reports_bad_lines_and_processes_the_rest(tmp_path: Path) -> None:
    r = runner.invoke(app, ["search", "--jsonl", str(_jsonl(tmp_path)), "--limit", "1"])
    assert r.exit_code == 1
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 5, 6, 7]
    assert out[0]["id"] == "a" and out[0]["results"][0]["descriptor_id"] == "3.1-03-k1"
    assert out[1]["error"].startswith("line 2: invalid JSON")
    assert out[2] == {"id": "c", "line": 3, "error": 'line 3: "text" is missing'}
    assert "query is empty" in out[3]["error"]
    assert "expected a JSON object" in out[4]["error"]
    assert out[5]["id"] == 7 and set(out[5]) >= {"query", "lang", "results"}
    assert "line 2: invalid JSON" in r.stderr


def test_match_jsonl(tmp_path: Path) -> None:
    r = runner.invoke(app, ["match", "--jsonl", str(_jsonl(tmp_path))])
    assert r.exit_code == 1
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert out[-1]["suggestions"][0]["area"] == "3.3"
    assert sum("error" in o for o in out) == 4


def test_jsonl_all_good_exits_zero(tmp_path: Path) -> None:
    p = tmp_path / "ok.jsonl"
    p.write_text('{"id": 1, "text": "тестілеу"}\n{"id": 2, "text": "testing"}\n', encoding="utf-8")
    r = runner.invoke(app, ["search", "--jsonl", str(p), "-n", "1"])
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2


def test_jsonl_missing_file() -> None:
    r = runner.invoke(app, ["match", "--jsonl", "/nonexistent/x.jsonl"])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_process_lines_survives_deep_nesting() -> None:
    out = list(process_lines(["[" * 100_000], lambda t: {}))
    assert out[0]["line"] == 1 and "error" in out[0]


def test_batched_embeddings_give_the_same_results() -> None:
    """The JSONL path embeds 16 texts per engine call; results must equal one-by-one calls."""
    from qualframe.match import engine as match_engine
    from qualframe.search import engine as search_engine

    texts = ["тестілеу", "Baǵdarlamashy, 3 jyl tájiribe", "Почтальон, опыт не требуется", "!!!",
             "Senior network engineer at a mobile operator. LTE, 6 years of experience."]
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
    for eng, fn in ((search_engine, lambda t: search_engine.search(t, limit=3)),
                    (match_engine, lambda t: match_engine.match(t, limit=3))):
        eng.embedder.clear()
        plain = list(process_lines(lines, fn))
        eng.embedder.clear()
        primed = list(process_lines(lines, fn, prime=eng.prime, chunk=2))
        assert plain == primed
        assert eng.embedder.hits > 0


def test_match_reads_one_megabyte_from_stdin() -> None:
    text = "Python backend developer, 3 years of experience. " + "Кодты тестілеу және құжаттау. " * 40_000
    r = runner.invoke(app, ["match", "-", "--json", "--limit", "1"], input=text)
    assert r.exit_code == 0, r.output[:500]
    data = json.loads(r.stdout)
    assert data["truncated"] is True and data["suggestions"][0]["area"] == "3.1"
