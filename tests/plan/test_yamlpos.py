"""The fast scalar resolution gives exactly what PyYAML's safe loader gives."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.plan.yamlpos import parse

TRICKY = [
    "yes",
    "No",
    "~",
    "null",
    "Null",
    "1e3",
    ".5",
    "-1",
    "0x1f",
    "true",
    "ON",
    "hello",
    "'yes'",
    ".inf",
    "<<",
    "off",
    "12:30",
    "_x",
    "8.1.1",
    "[1, b, no]",
    "Yes please",
    "''",
    "+3",
    "0o17",
    "1_000",
    "-.inf",
    ".NaN",
    "False",
]


def same_as_pyyaml(text: str) -> None:
    try:
        want = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    if not isinstance(want, dict) or isinstance(want.get("a"), datetime.date):
        return
    got = parse(text).data
    if want.get("a") != want.get("a"):  # NaN
        assert got["a"] != got["a"]
        return
    assert got == want, text


def test_tricky_scalars() -> None:
    for value in TRICKY:
        same_as_pyyaml(f"a: {value}")


@given(st.text(alphabet="abcyYnNtTfFoO0123456789.+-_:~exb", min_size=1, max_size=8))
@settings(max_examples=400, deadline=None)
def test_random_plain_scalars(value: str) -> None:
    same_as_pyyaml(f"a: {value}")


def test_positions_are_located_on_demand() -> None:
    doc = parse("project: x\nefforts:\n  - id: a\n    depends_on: [b, c]\n")
    pos = doc.locate(("efforts", 0, "depends_on", 1))
    assert (pos.line, pos.col) == (4, 21)
    key = doc.locate(("efforts", 0, "depends_on"), key=True)
    assert (key.line, key.col) == (4, 5)
    # a path that does not exist falls back to its deepest existing ancestor
    assert doc.locate(("efforts", 0, "nope")).line == 3


def test_keys_overriding_a_merge_are_not_duplicates() -> None:
    text = "b: &b {x: 1, y: 2}\na: {<<: *b, x: 3}\nc: {<<: [*b, {z: 4}], y: 5}\n"
    doc = parse(text)
    assert doc.data == yaml.safe_load(text)
    assert doc.duplicates == []
    assert parse("a: {x: 1, x: 2}\n").duplicates != []


def test_respelled_numbers_are_kept_where_they_land() -> None:
    doc = parse("b: &b {id: 0x10}\na: {<<: [*b], n: 017, m: 12, f: 8.10}\n")
    assert doc.written(("a", "id"), 16) == "0x10"
    assert doc.written(("a", "n"), 15) == "017"
    assert doc.written(("a", "m"), 12) is None
    assert doc.written(("a", "f"), 8.1) == "8.10"
    # text left behind by a merged value that a later key overrides is not quoted
    over = parse("b: &b {id: 0x10}\na: {<<: *b, id: 12}\n")
    assert over.data["a"]["id"] == 12 and over.written(("a", "id"), 12) is None
