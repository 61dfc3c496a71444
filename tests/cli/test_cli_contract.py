"""The command-line contract: discoverable commands, examples in help, JSON with a schema."""

from __future__ import annotations

import json

import pytest

from phasegate.cli.main import build_app
from support import EXAMPLES, run_phasegate

KCP = str(EXAMPLES / "kcp-phase8.yaml")


def command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(build_app())
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_top_help_lists_every_command_with_one_line(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--help")
    assert r.code == 0
    for name in command_names():
        assert f" {name} " in r.out, name


@pytest.mark.parametrize("name", command_names())
def test_every_command_help_ends_with_an_example(cli, name: str) -> None:  # type: ignore[no-untyped-def]
    r = cli(name, "--help")
    assert r.code == 0, r.err
    text = r.out.rstrip()
    assert "Example:" in text, f"{name} --help has no example"
    tail = text[text.rindex("Example:") :]
    assert "phasegate " in tail


def test_kcp_acceptance_path_and_waves(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("path", "-f", KCP, "--json")
    doc = json.loads(r.out)
    assert doc["schema"].startswith("phasegate.path/")
    assert doc["length"] == 3300
    assert doc["efforts"] == ["8.1.1", "8.2.1", "8.2.3", "8.3.1", "8.3.2"]
    assert doc["slack"]["8.3.3"] == 50 and doc["slack"]["8.1.1"] == 0
    r = cli("waves", "-f", KCP, "--json")
    waves = json.loads(r.out)["waves"]
    assert {"8.1.1", "8.1.2"} <= set(waves[0])
    assert {"8.3.2", "8.3.3"} <= set(waves[-1])


def test_computed_waves_without_labels(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "kcp-phase8.yaml").read_text()
    unlabelled = "\n".join(
        line for line in text.splitlines() if not line.strip().startswith("wave:")
    )
    p = tmp_path / "plan.yaml"
    p.write_text(unlabelled)
    waves = json.loads(cli("waves", "-f", str(p), "--json").out)["waves"]
    assert waves[0] == ["8.1.1", "8.1.2"]
    assert waves[-1] == ["8.3.2", "8.3.3"]
    assert len(waves) == 5  # topological generations: 8.2.3 and 8.3.1 each wait a generation


def test_graph_formats(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("graph", "-f", KCP, "--format", "json").out)
    assert any(n["id"] == "8.1.1" for n in doc["nodes"])
    assert {"from": "8.2.1", "to": "8.2.3"} in doc["edges"]
    mer = cli("graph", "-f", KCP, "--format", "mermaid").out
    assert mer.startswith("graph TD")
    assert "style n_8_2_1 fill:#ff9999" in mer and "style n_8_2_2 fill" not in mer
    dot = cli("graph", "-f", KCP, "--format", "dot").out
    assert dot.startswith("digraph") and '"8.2.1" -> "8.2.3" [color="#cc0000"' in dot


def test_schema_is_json_schema(cli) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(cli("schema").out)
    assert doc["type"] == "object" and "efforts" in doc["properties"]


def test_init_writes_a_valid_plan(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "phasegate.yaml"
    assert cli("init", "-o", str(out)).code == 0
    assert cli("check", "-f", str(out)).code == 0
    r = cli("init", "-o", str(out))
    assert r.code == 2 and "already exists" in r.err


def test_usage_error_exit_code(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("waves", "--no-such-flag").code == 2
    assert cli("no-such-command").code == 2


def test_real_process_entry_points(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = run_phasegate("check", "-f", KCP)
    assert r.code == 0 and "ok:" in r.out
    bad = tmp_path / "list.yaml"
    bad.write_text("- a\n- b\n")
    r = run_phasegate("check", "-f", str(bad))
    assert r.code == 1 and "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1


def test_readme_error_example_is_real_output() -> None:
    from support import ROOT

    data = ROOT / "tests" / "plan" / "data"
    r = run_phasegate("check", "-f", "broken-kcp.yaml", cwd=data)
    assert r.code == 1
    readme = (ROOT / "README.md").read_text()
    for line in r.err.strip().splitlines():
        assert line in readme, line


def test_plan_warnings_are_listed_by_check_not_repeated_by_every_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(
        "version: 1\nproject: p\nefforts:\n"
        "  - {id: a, files: [shared/x.txt], deliverables: [a]}\n"
        "  - {id: b, files: [shared/x.txt], deliverables: [b]}\n"
    )
    c = run_phasegate("check", cwd=tmp_path)
    assert "may run at the same time" in c.out + c.err
    w = run_phasegate("waves", cwd=tmp_path)
    assert w.code == 0 and "may run at the same time" not in w.err
    assert "1 warning(s); 'phasegate check' lists them" in w.err
