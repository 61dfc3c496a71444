"""The terminal view of `phasegate costs` and `phasegate budget`."""

from __future__ import annotations

from typing import Any


def usd(x: float) -> str:
    return f"{x:,.6f}".rstrip("0").rstrip(".") if 0 < abs(x) < 0.01 else f"{x:,.2f}"


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(map(len, col)) for col in zip(*rows, strict=True)]
    return [
        "  ".join(c.rjust(w) if i in right else c.ljust(w)
                  for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        for r in rows
    ]  # fmt: skip


def render(doc: dict[str, Any]) -> str:
    by = doc["by"]
    rows = [[by, "USD", "tokens"] + (["attempts"] if by == "effort" else [])]
    for r in doc["rows"]:
        rows.append([r["key"], usd(r["cost"]), str(r["tokens"])]
                    + ([str(r["attempts"])] if by == "effort" else []))  # fmt: skip
    rows.append(["total", usd(doc["total"]), str(doc["tokens"])] + ([""] if by == "effort" else []))
    lines = _table(rows, {1, 2, 3})
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    estimated = [a for e in doc["efforts"] for a in e["attempts"] if a["estimated"]]
    unpriced = [a for e in doc["efforts"] for a in e["attempts"] if not a["priced"]]
    if estimated:
        lines.append(f"{len(estimated)} attempt(s) priced from tokens and agents.prices "
                     "(the agent printed no cost)")  # fmt: skip
    if unpriced:
        lines.append(f"{len(unpriced)} attempt(s) with no cost: the agent printed none and "
                     "agents.prices has no price for its model")  # fmt: skip
    return "\n".join(lines) + "\n"


def render_budget(doc: dict[str, Any]) -> str:
    head = ""
    if doc.get("raised"):
        r = doc["raised"]
        head = f"budget of {r['scope'].replace(':', ' ')} raised by {r['usd']:g} USD\n"
    if not doc["limits"]:
        return head + "no budgets in the plan\n"
    rows = [["budget", "limit", "raised", "spent", "left", "on exceed", "state"]]
    for b in doc["limits"]:
        rows.append([b["scope"], usd(b["usd"]), usd(b["raised"]), usd(b["spent"]),
                     usd(max(0.0, b["left"])), b["on_exceed"],
                     "EXCEEDED" if b["exceeded"] else "ok"])  # fmt: skip
    lines = _table(rows, {1, 2, 3, 4})
    for why in dict.fromkeys(doc["held"].values()):
        names = [e for e, w in doc["held"].items() if w == why]
        lines.append(f"{', '.join(names)}: {why}")
    return head + "\n".join(lines) + "\n"
