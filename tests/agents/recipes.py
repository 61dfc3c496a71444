"""The README's agent recipes, read from the recipes section: the one copy of each command
line, so what the tests run is what a user copies."""

from __future__ import annotations

import re

import yaml

from support import ROOT


def recipes() -> dict[str, object]:
    """{heading: agents.command} from the recipes section of the README."""
    text = (ROOT / "README.md").read_text()
    section = text.split("<!-- recipes:start -->")[1].split("<!-- recipes:end -->")[0]
    found: dict[str, object] = {}
    for part in section.split("\n### ")[1:]:
        heading, _, body = part.partition("\n")
        m = re.search(r"```yaml\n(.*?)```", body, re.S)
        if m:
            found[heading.strip()] = yaml.safe_load(m.group(1))["agents"]["command"]
    return found
