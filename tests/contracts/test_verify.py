"""Contract rules on files, OpenAPI documents and commands; matching uses to providers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from phasegate.contracts.match import match_uses
from phasegate.contracts.verify import block_at, dir_reader, verify
from phasegate.plan.model import Contract

OPENAPI = """\
openapi: 3.0.0
info: {title: api, version: "1"}
paths:
  /users/{id}:
    get:
      responses: {"200": {description: ok}}
"""


def test_symbol_found_is_quoted_through_its_closing_brace(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/lib.go").write_text(
        "package x\n\ntype Checker interface {\n\tCheck(ws string) error\n}\n\nfunc other() {}\n"
    )
    c = Contract(name="Checker", path="src/lib.go", pattern=r"type Checker interface")
    ev = verify(c, dir_reader(tmp_path))
    assert ev is not None and ev.ok
    assert ev.excerpt == "type Checker interface {\n\tCheck(ws string) error\n}"


def test_symbol_missing_and_file_missing_fail_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def other():\n    pass\n")
    ev = verify(Contract(name="parse", path="a.py"), dir_reader(tmp_path))
    assert ev is not None and not ev.ok and "no match" in ev.why
    ev = verify(Contract(name="parse", path="b.py"), dir_reader(tmp_path))
    assert ev is not None and not ev.ok and ev.why == "b.py does not exist"


def test_default_pattern_is_the_name_as_a_word(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def parse_all():\n    pass\n")
    ev = verify(Contract(name="parse", path="a.py"), dir_reader(tmp_path))
    assert ev is not None and not ev.ok
    (tmp_path / "a.py").write_text("def parse(x):\n    return x\n\nrest = 1\n")
    ev = verify(Contract(name="parse", path="a.py"), dir_reader(tmp_path))
    assert ev is not None and ev.ok and ev.excerpt == "def parse(x):\n    return x"


def test_openapi_path(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(OPENAPI)
    ok = verify(
        Contract(name="get user", kind="openapi", path="api.yaml", pattern="/users/{id}"),
        dir_reader(tmp_path),
    )
    assert ok is not None and ok.ok and "/users/{id}" in ok.excerpt and "get:" in ok.excerpt
    bad = verify(
        Contract(name="list", kind="openapi", path="api.yaml", pattern="/users"),
        dir_reader(tmp_path),
    )
    assert bad is not None and not bad.ok and "does not define /users" in bad.why
    (tmp_path / "api.yaml").write_text("paths: [")
    broken = verify(
        Contract(name="list", kind="openapi", path="api.yaml", pattern="/users"),
        dir_reader(tmp_path),
    )
    assert broken is not None and not broken.ok and "not YAML" in broken.why


def test_file_and_command_contracts(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("create table t (id int);\n")
    ev = verify(Contract(name="schema", kind="file", path="schema.sql"), dir_reader(tmp_path))
    assert ev is not None and ev.ok and "create table" in ev.excerpt
    cmd = Contract(name="cli", kind="command", command="test -f schema.sql && echo fine")
    assert verify(cmd, dir_reader(tmp_path)) is None  # nowhere to run it
    ev = verify(cmd, dir_reader(tmp_path), cwd=tmp_path)
    assert ev is not None and ev.ok and "fine" in ev.excerpt
    bad = Contract(name="cli", kind="command", command="exit 3")
    ev = verify(bad, dir_reader(tmp_path), cwd=tmp_path)
    assert ev is not None and not ev.ok and "exit 3" in ev.why


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "x"}, "needs 'path'"),
        ({"name": "x", "kind": "command"}, "needs 'command'"),
        ({"name": "x", "kind": "openapi", "path": "a.yaml"}, "needs 'pattern'"),
        ({"name": "x", "path": "a", "pattern": "("}, "bad regular expression"),
        ({"name": " ", "path": "a"}, "must not be empty"),
    ],
)
def test_incomplete_contracts_are_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Contract.model_validate(fields)


def test_matching_uses() -> None:
    provides = {"a": ["X"], "b": ["Y"], "c": ["Y"]}
    uses = {"d": ["X", "Y", "Z"], "a": ["X"]}
    order = {("a", "d"), ("b", "d")}
    found = match_uses(provides, uses, lambda p, c: (p, c) in order)
    msgs = [(f.effort, f.name, f.provider, f.suggestion) for f in found]
    assert ("d", "Y", "b", "") in msgs  # two providers: the first one is its definition
    assert ("d", "Z", None, "") in msgs
    assert all(f.effort != "a" for f in found)  # its own contract is no use of another's
    assert not any(f.suggestion for f in found)
    found = match_uses({"p": ["X"]}, {"q": ["X"]}, lambda p, c: False)
    assert [f.suggestion for f in found] == ["depends_on: [p]"]


@given(st.lists(st.text(alphabet="{} ab\n", max_size=12), min_size=1, max_size=60))
def test_excerpt_is_a_prefix_of_the_text_from_its_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    out = block_at(text, 0)
    assert text.startswith(out.rstrip()) or text.rstrip().startswith(out)
    assert len(out.splitlines()) <= 40


def test_check_warns_when_a_use_expects_another_definition(tmp_path: Path) -> None:
    from phasegate.plan.load import load_plan

    plan = tmp_path / "phasegate.yaml"
    plan.write_text(
        "version: 1\nproject: x\nefforts:\n"
        "  - {id: a, deliverables: [A], provides: [{name: T, path: src/t.go}]}\n"
        "  - id: b\n    depends_on: [a]\n    deliverables: [B]\n"
        "    uses: [{name: T, path: src/types.go, kind: symbol}]\n"
    )
    warnings = [w.render() for w in load_plan(str(plan)).warnings]
    assert any(
        "effort 'b' expects contract 'T' with path 'src/types.go', but 'a' provides it with "
        "path 'src/t.go'" in w
        for w in warnings
    ), warnings
    assert not any("with kind" in w for w in warnings)  # symbol is the default kind
