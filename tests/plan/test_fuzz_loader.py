"""No input makes the loader crash: only PlanInvalid (with located diagnostics) or a plan."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phasegate.errors import PlanInvalid
from phasegate.plan.load import load_text
from support import EXAMPLES

KEYS = [
    "project",
    "efforts",
    "phases",
    "id",
    "depends_on",
    "phase",
    "size",
    "wave",
    "gate",
    "checks",
    "require",
    "run",
    "expect",
    "after",
    "files",
    "external",
    "agents",
    "timeout",
    "metrics",
    "target",
    "escalation",
    "within",
    "critical",
    "estimate",
    "low",
    "high",
    "x",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["a", "b", "p1", ">= 95%", "2h", "-1"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


def must_not_crash(raw: bytes | str) -> None:
    try:
        load_text(raw, "fuzz.yaml")
    except PlanInvalid as e:
        assert e.diagnostics
        for d in e.diagnostics:
            assert d.line >= 1
            assert "\n" not in d.message


@given(values)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_documents(doc: object) -> None:
    must_not_crash(yaml.safe_dump(doc))


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_random_bytes(raw: bytes) -> None:
    must_not_crash(raw)


EXAMPLE_TEXTS = [p.read_text() for p in sorted(EXAMPLES.glob("*.yaml"))]


@given(st.sampled_from(EXAMPLE_TEXTS), st.data())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_examples(text: str, data: st.DataObject) -> None:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "swap", "cut", "indent", "junk"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, max(0, len(lines[i]))))]
        elif op == "indent":
            lines[i] = " " + lines[i]
        else:
            lines[i] = lines[i] + data.draw(
                st.sampled_from([":", " [", "{", " #", "'", ": :", "\t"])
            )
    must_not_crash("\n".join(lines))


def test_examples_are_valid() -> None:
    paths = sorted(EXAMPLES.glob("*.yaml"))
    assert paths
    for p in paths:
        load_text(p.read_bytes(), str(Path(p).name))
