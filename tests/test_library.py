"""The public library API that the CLI, store and web app build on."""

from __future__ import annotations

import json

import pytest

import qualframe
from qualframe.model import Framework


def test_load_is_cached_and_immutable():
    fw = qualframe.load()
    assert fw is qualframe.load()
    with pytest.raises(AttributeError):
        fw.id = "x"  # type: ignore[misc]


def test_round_trip_is_exact():
    fw = qualframe.load()
    again = Framework.from_dict(json.loads(json.dumps(fw.to_dict())))
    assert again == fw


def test_navigation():
    fw = qualframe.load()
    assert fw.area("3.2").title["kk"].startswith("Компьютерлердің")
    assert [r.label for r in fw.find_rows("3.1", "7")] == ["71", "7*"]
    assert fw.row("3.3-08").label == "5?"
    assert fw.find_rows("3.1", "3.1-05")[0].sqf_level == "51"
    with pytest.raises(KeyError):
        fw.area("4.1")
    assert sum(1 for _ in fw.descriptors()) == 196


def test_source_lines_back_every_descriptor():
    fw = qualframe.load()
    lines = qualframe.source_lines()
    for _, _, d in fw.descriptors():
        assert d.text.split()[0] in lines[d.source.line_start - 1]


def test_oked_lookup():
    fw = qualframe.load()
    m = qualframe.lookup_oked(fw, " 62,01 ")
    assert m.code == "62.01" and m.areas == ["3.1"] and m.nace2_name == "Computer programming activities"
    assert qualframe.lookup_oked(fw, "95.12").areas == ["3.2", "3.1"]
    assert qualframe.lookup_oked(fw, "x").valid_syntax is False
