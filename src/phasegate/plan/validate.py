"""Semantic checks that need the whole plan: ids, references, cycles, phase order, waves.

They run on the raw data, leniently, so they report alongside structural errors in the
same pass instead of waiting for the user to fix those first.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from phasegate import graph
from phasegate.conflicts.predict import overlapping_pairs
from phasegate.errors import Diagnostic
from phasegate.plan.expr import ExprError, parse_number
from phasegate.plan.load import fmt_path
from phasegate.plan.model import effective_branch, number_id_message, wave_label
from phasegate.plan.refs import BranchNames, branch_problem, file_stem
from phasegate.plan.yamlpos import Document, PathPart
from phasegate.plangraph import Node, PhaseNode, PlanGraph

_MAX_CYCLES = 20


class _Out:
    def __init__(self, doc: Document, display: str) -> None:
        self.doc = doc
        self.display = display
        self.items: list[Diagnostic] = []

    def add(self, sev: str, path: Sequence[PathPart], msg: str, *, key: bool = False) -> None:
        pos = self.doc.locate(path, key=key)
        self.items.append(Diagnostic(self.display, pos.line, pos.col, sev, msg, fmt_path(path)))


def _items(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    v = data.get(key)
    if not isinstance(v, list):
        return []
    return [(i, x) for i, x in enumerate(v) if isinstance(x, dict)]


def _idstr(v: Any) -> str | None:
    if type(v) is str:  # the common case first: this runs for every id of a large plan
        return v
    if isinstance(v, bool):
        return None
    if isinstance(v, str | int):
        return str(v)
    return None


def _strlist(v: Any) -> list[tuple[int, str]]:
    if not isinstance(v, list):
        return []
    if all(type(x) is str for x in v):
        return list(enumerate(v))
    return [(i, s) for i, x in enumerate(v) if (s := _idstr(x)) is not None]


def _amount(v: Any, default: float) -> float:
    """The number the model reads from `v`; when the model refuses `v` (and says so), the
    graph still gets built from `default` so later checks can run."""
    try:
        return parse_number(v)
    except ExprError:
        return default


def _hint(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def semantic_check(doc: Document, display: str) -> tuple[list[Diagnostic], PlanGraph | None]:
    """Diagnostics, and the plan graph when the dependencies were sound enough to build it."""
    data = doc.data
    out = _Out(doc, display)
    phases = _items(data, "phases")
    efforts = _items(data, "efforts")
    externals = _items(data, "external")
    raw_efforts: list[Any] = data["efforts"] if isinstance(data.get("efforts"), list) else []
    respelled = _check_respelled_ids(out, doc)

    # ids -------------------------------------------------------------------
    phase_ids: dict[str, int] = {}
    for i, p in phases:
        pid = _idstr(p.get("id"))
        if pid is None:
            continue
        if pid in phase_ids:
            out.add("error", ("phases", i, "id"), f"duplicate phase id {pid!r}")
        else:
            phase_ids[pid] = i
    work_ids: dict[str, tuple[str, int]] = {}
    for kind, items in (("external", externals), ("efforts", efforts)):
        for i, e in items:
            eid = _idstr(e.get("id"))
            if eid is None:
                continue
            if eid in work_ids:
                other = work_ids[eid][0]
                what = "effort" if other == "efforts" else "external prerequisite"
                out.add("error", (kind, i, "id"), f"duplicate id {eid!r} (already an {what})")
            else:
                work_ids[eid] = (kind, i)
    effort_ids = [eid for eid, (k, _) in work_ids.items() if k == "efforts"]
    known_work = list(work_ids)
    for kind, what in (("metrics", "metric"), ("risks", "risk")):
        seen: set[str] = set()
        for i, x in _items(data, kind):
            xid = _idstr(x.get("id"))
            if xid is not None and xid in seen:
                out.add("error", (kind, i, "id"), f"duplicate {what} id {xid!r}")
            elif xid is not None:
                seen.add(xid)
    _check_branches(out, data, efforts, work_ids)

    # phase order -------------------------------------------------------------
    phase_nodes: list[PhaseNode] = []
    plist = [(i, p, _idstr(p.get("id"))) for i, p in phases]
    for n, (i, p, pid) in enumerate(plist):
        if pid is None or phase_ids[pid] != i:  # a duplicate is reported above, once
            continue
        if "after" in p and p["after"] is not None:
            after = []
            for j, a in _strlist(p["after"]):
                if a not in phase_ids and ("phases", i, "after", j) in respelled:
                    continue  # reported as a number to quote, which is the real mistake
                if a not in phase_ids:
                    out.add(
                        "error",
                        ("phases", i, "after", j),
                        f"unknown phase {a!r}" + _hint(a, list(phase_ids)),
                    )
                else:
                    after.append(a)
        else:
            prev = plist[n - 1][2] if n > 0 else None
            after = [prev] if prev else []
        phase_nodes.append(PhaseNode(pid, tuple(after)))
    pidx = {p.id: k for k, p in enumerate(phase_nodes)}
    psucc: list[list[int]] = [[] for _ in phase_nodes]
    for k, pn in enumerate(phase_nodes):
        for a in pn.after:
            if a in pidx:
                psucc[pidx[a]].append(k)
    phase_cycle = graph.find_cycle(len(phase_nodes), psucc)
    if phase_cycle:
        names = [phase_nodes[k].id for k in phase_cycle]
        at = phase_ids[names[1]]
        out.add("error", ("phases", at, "after"), "phase cycle: " + " -> ".join(names))

    # efforts: phase, dependencies --------------------------------------------
    single_phase = phase_nodes[0].id if len(phase_nodes) == 1 else None
    nodes: list[Node] = []
    node_item: list[int] = []
    bad_waves: set[int] = set()  # efforts whose label the model refuses (and says why)
    for i, e in efforts:
        eid = _idstr(e.get("id"))
        if eid is None or work_ids.get(eid) != ("efforts", i):
            continue
        phase = _idstr(e.get("phase"))
        if phase is not None and phase not in phase_ids:
            known = ", ".join(phase_ids) if phase_ids else "none are declared"
            out.add(
                "error",
                ("efforts", i, "phase"),
                f"effort {eid!r} is in unknown phase {phase!r}"
                + (_hint(phase, list(phase_ids)) or f" (phases: {known})"),
            )
            phase = None
        elif phase is None and len(phase_nodes) > 1:
            out.add(
                "error",
                ("efforts", i),
                f"effort {eid!r} has no phase; the plan declares {len(phase_nodes)} phases",
                key=False,
            )
        elif phase is None:
            phase = single_phase
        deps: list[str] = []
        for j, d in _strlist(e.get("depends_on")):
            if d not in work_ids and ("efforts", i, "depends_on", j) in respelled:
                continue  # reported as a number to quote, which is the real mistake
            if d not in work_ids:
                out.add(
                    "error",
                    ("efforts", i, "depends_on", j),
                    f"effort {eid!r} depends on unknown effort {d!r}" + _hint(d, known_work),
                )
            else:
                deps.append(d)
        wave = None
        if e.get("wave") is not None:
            try:
                wave = wave_label(e["wave"])
            except ValueError:
                bad_waves.add(len(nodes))
        nodes.append(Node(eid, phase, tuple(deps), _amount(e.get("size", 1), 1.0), wave))
        node_item.append(i)

    # dependency cycles: report each, then break it and look again -------------
    idx = {n.id: k for k, n in enumerate(nodes)}
    succ: list[list[int]] = [[] for _ in nodes]
    for k, node in enumerate(nodes):
        for d in node.depends_on:
            if d in idx:
                succ[idx[d]].append(k)
    cycles = 0
    while cycles < _MAX_CYCLES:
        cyc = graph.find_cycle(len(nodes), succ)
        if cyc is None:
            break
        cycles += 1
        names = [nodes[k].id for k in cyc]
        # point at the depends_on entry that closes the cycle in the first effort named
        first, before = cyc[1], cyc[0]
        dep_pos = _dep_index(raw_efforts, node_item[first], nodes[before].id)
        path: tuple[PathPart, ...] = ("efforts", node_item[first], "depends_on")
        if dep_pos is not None:
            path = (*path, dep_pos)
        out.add(
            "error",
            path,
            "dependency cycle: " + " -> ".join([*names[1:], names[1]])
            if len(names) > 2
            else f"effort {names[0]!r} depends on itself",
        )
        succ[before].remove(first)
    if cycles or phase_cycle:
        return out.items, None

    release = {}
    for _, x in externals:
        xid = _idstr(x.get("id"))
        if xid is not None:
            release[xid] = _amount(x.get("available", 0), 0.0)
    g = PlanGraph(nodes, phase_nodes, release)

    # dependencies that run against phase order -------------------------------
    later: dict[str, set[str]] = {}
    for pn in phase_nodes:
        reach = graph.descendants(g.dag, g.milestone(pn.id))
        later[pn.id] = {phase_nodes[u - len(nodes)].id for u in reach if u >= len(nodes)}
    bad_order = False
    for k, node in enumerate(nodes):
        for j, d in _strlist(raw_efforts[node_item[k]].get("depends_on")):
            dep_phase = nodes[idx[d]].phase if d in idx else None
            if node.phase and dep_phase in later.get(node.phase, set()):
                bad_order = True
                out.add(
                    "error",
                    ("efforts", node_item[k], "depends_on", j),
                    f"effort {node.id!r} (phase {node.phase!r}) depends on {d!r} of phase {dep_phase!r}, which comes after it",
                )
    if bad_order:
        return out.items, None

    _check_waves(out, g, node_item, bad_waves)
    _check_refs(out, data, phase_ids, effort_ids)
    _warnings(out, g, raw_efforts, node_item)
    _check_contracts(out, g, raw_efforts, node_item)
    return out.items, g


def _dep_index(raw_efforts: list[Any], item: int, dep: str) -> int | None:
    for j, d in _strlist(raw_efforts[item].get("depends_on")):
        if d == dep:
            return j
    return None


def _check_waves(out: _Out, g: PlanGraph, node_item: list[int], bad: set[int]) -> None:
    labelled = [n for n in g.nodes if n.wave is not None]
    if not labelled and not bad:
        return
    if len(labelled) + len(bad) != len(g.nodes):
        for k, n in enumerate(g.nodes):
            if n.wave is None and k not in bad:
                out.add(
                    "error",
                    ("efforts", node_item[k]),
                    f"effort {n.id!r} has no wave label while others have one: label every effort or none",
                )
        return
    if bad:  # the labels cannot be compared with dependencies until every one is a number
        return
    # A label may not be below a dependency's, nor at or below any label of an earlier phase.
    ne = g.n_efforts
    lowest = [0] * g.dag.n  # smallest label each node allows its successors
    for u in g.order:
        if u < ne:
            w = g.nodes[u].wave or 0
            for p in g.dag.pred[u]:
                need = lowest[p]
                if w < need:
                    culprit = g.name(p) if p < ne else f"phase {g.name(p)[5:]!r}"
                    out.add(
                        "error",
                        ("efforts", node_item[u], "wave"),
                        f"wave label {w} of {g.nodes[u].id!r} contradicts its dependencies: {culprit} needs wave {need} or later",
                    )
                    break
            lowest[u] = w
        else:
            best = 0
            for p in g.dag.pred[u]:
                best = max(best, lowest[p])
            lowest[u] = best + 1  # the next phase starts in a later wave


def _check_refs(
    out: _Out, data: dict[str, Any], phase_ids: dict[str, int], effort_ids: list[str]
) -> None:
    metric_ids = [m for _, x in _items(data, "metrics") if (m := _idstr(x.get("id"))) is not None]
    for i, p in _items(data, "phases"):
        gate = p.get("gate")
        if not isinstance(gate, dict):
            continue
        for j, c in _items(gate, "checks"):
            m = _idstr(c.get("metric"))
            if m is not None and m not in metric_ids:
                out.add(
                    "error",
                    ("phases", i, "gate", "checks", j, "metric"),
                    f"unknown metric {m!r}" + _hint(m, metric_ids) + " (declare it under metrics:)",
                )
        req = gate.get("require")
        if isinstance(req, dict) and isinstance(req.get("metrics"), dict):
            for m in req["metrics"]:
                if str(m) not in metric_ids:
                    out.add(
                        "error",
                        ("phases", i, "gate", "require", "metrics", m),
                        f"unknown metric {m!r}" + _hint(str(m), metric_ids),
                        key=True,
                    )
    for i, e in _items(data, "efforts"):
        for j, c in _items(e, "checks"):
            m = _idstr(c.get("metric"))
            if m is not None and m not in metric_ids:
                out.add(
                    "error",
                    ("efforts", i, "checks", j, "metric"),
                    f"unknown metric {m!r}" + _hint(m, metric_ids) + " (declare it under metrics:)",
                )
    for kind in ("metrics", "risks"):
        for i, x in _items(data, kind):
            eff = _idstr(x.get("effort"))
            if eff is not None and eff not in effort_ids:
                out.add(
                    "error", (kind, i, "effort"), f"unknown effort {eff!r}" + _hint(eff, effort_ids)
                )
            ph = _idstr(x.get("phase"))
            if ph is not None and ph not in phase_ids:
                out.add(
                    "error",
                    (kind, i, "phase"),
                    f"unknown phase {ph!r}" + _hint(ph, list(phase_ids)),
                )


def _warnings(out: _Out, g: PlanGraph, raw_efforts: list[Any], node_item: list[int]) -> None:
    files: list[tuple[int, list[str]]] = []
    for k, n in enumerate(g.nodes):
        raw = raw_efforts[node_item[k]]
        if not raw.get("deliverables"):
            out.add(
                "warning",
                ("efforts", node_item[k]),
                f"effort {n.id!r} declares no deliverables: nothing says when it is done",
            )
        fl = [s for _, s in _strlist(raw.get("files"))]
        if fl:
            files.append((k, fl))
    for a, b, shared in overlapping_pairs(g, files):
        na, nb = g.nodes[a].id, g.nodes[b].id
        out.add(
            "warning",
            ("efforts", node_item[b], "files"),
            f"efforts {na!r} and {nb!r} may run at the same time and both declare {shared}: add a dependency, move one to another wave, or merge them",
        )


def _contract_names(v: Any) -> list[str]:
    if not isinstance(v, list):
        return []
    out = []
    for x in v:
        name = x.get("name") if isinstance(x, dict) else x
        out.append(name if isinstance(name, str) else "")
    return out


def _check_contracts(out: _Out, g: PlanGraph, raw_efforts: list[Any], node_item: list[int]) -> None:
    """Each used contract matched to its provider, warning where the consumer would not
    start from the provider's work (and which dependency fixes that)."""
    from phasegate.contracts.match import match_uses

    provides: dict[str, list[str]] = {}
    uses: dict[str, list[str]] = {}
    where: dict[str, int] = {}
    node_of: dict[str, int] = {}
    for k, n in enumerate(g.nodes):
        raw = raw_efforts[node_item[k]]
        where[n.id], node_of[n.id] = node_item[k], k
        if raw.get("provides"):
            provides[n.id] = [x for x in _contract_names(raw["provides"]) if x]
        if raw.get("uses"):
            uses[n.id] = _contract_names(raw["uses"])
    if not uses:
        return
    reach: dict[str, set[int]] = {}

    def is_ancestor(provider: str, consumer: str) -> bool:
        if provider not in reach:
            reach[provider] = graph.descendants(g.dag, node_of[provider])
        return node_of[consumer] in reach[provider]

    for f in match_uses(provides, uses, is_ancestor):
        if f.name:
            out.add("warning", ("efforts", where[f.effort], "uses", f.index), f.message)
    _check_expectations(out, g, raw_efforts, node_item, where)


_EXPECTED = ("kind", "path", "pattern", "command")


def _check_expectations(
    out: _Out, g: PlanGraph, raw_efforts: list[Any], node_item: list[int], where: dict[str, int]
) -> None:
    """A use that spells out what it expects (kind, path, pattern, command) and a provider
    that declares something else: one of the two is out of date."""
    defined: dict[str, tuple[str, dict[str, Any]]] = {}
    for k, n in enumerate(g.nodes):
        for c in raw_efforts[node_item[k]].get("provides") or []:
            if isinstance(c, dict) and isinstance(c.get("name"), str):
                defined.setdefault(c["name"], (n.id, c))
    for k, n in enumerate(g.nodes):
        for j, u in enumerate(raw_efforts[node_item[k]].get("uses") or []):
            if not isinstance(u, dict) or u.get("name") not in defined:
                continue
            provider, c = defined[u["name"]]
            if provider == n.id:
                continue
            for key in _EXPECTED:
                want = u.get(key)
                have = c.get(key, "symbol" if key == "kind" else None)
                if want is not None and want != have:
                    out.add(
                        "warning",
                        ("efforts", where[n.id], "uses", j, key),
                        f"effort {n.id!r} expects contract {u['name']!r} with {key} {want!r}, "
                        f"but {provider!r} provides it with {key} {have!r}",
                    )


# Where a bare YAML integer would become an id: `0x1F` would silently name effort '31'.
_ID_KINDS = frozenset(("phases", "efforts", "external", "metrics", "risks"))


def _is_id_path(path: tuple[PathPart, ...]) -> bool:
    if len(path) == 3:
        return path[0] in _ID_KINDS and path[2] == "id"
    if len(path) == 4:
        return (path[0], path[2]) in (("efforts", "depends_on"), ("phases", "after"))
    return False


def _at(data: Any, path: tuple[PathPart, ...]) -> Any:
    for part in path:
        if isinstance(data, list):
            if not (isinstance(part, int) and 0 <= part < len(data)):
                return None
        elif not (isinstance(data, dict) and part in data):
            return None
        data = data[part]
    return data


def _check_respelled_ids(out: _Out, doc: Document) -> set[tuple[PathPart, ...]]:
    """Report integer ids written otherwise than they read; the paths reported."""
    reported = set()
    for path in doc.respelled:
        if not _is_id_path(path):
            continue
        value = _at(doc.data, path)
        if type(value) is not int:  # the model refuses floats as ids itself
            continue
        text = doc.written(path, value)
        if text is not None:
            out.add("error", path, number_id_message(text, value))
            reported.add(path)
    return reported


def _check_branches(
    out: _Out,
    data: dict[str, Any],
    efforts: list[tuple[int, dict[str, Any]]],
    work_ids: dict[str, tuple[str, int]],
) -> None:
    """Branch names git would refuse or could not hold side by side, which `run` only
    finds out when it creates them."""
    repo = data.get("repo") if isinstance(data.get("repo"), dict) else {}
    assert isinstance(repo, dict)

    def setting(key: str, default: str) -> str | None:
        v = repo.get(key, default)
        return v if isinstance(v, str) else None  # anything else is the model's to report

    base = setting("base", "main")
    integration = setting("integration", "phasegate/integration")
    prefix = setting("branch_prefix", "phasegate/")
    names = BranchNames()
    if base:
        names.claim(base, "the base branch (repo.base)")
    if integration is not None:
        problem = branch_problem(integration)
        if problem:
            out.add(
                "error",
                ("repo", "integration"),
                f"repo.integration {integration!r} is not a valid git branch name: {problem}",
            )
        else:
            clash = names.claim(integration, "the integration branch (repo.integration)")
            if clash:
                out.add(
                    "error",
                    ("repo", "integration"),
                    f"repo.integration is {clash.explain(integration)}: finished efforts "
                    "are merged into it, so it needs a branch of its own",
                )
    if prefix is not None and (problem := branch_problem(prefix + "x")):
        out.add(
            "error",
            ("repo", "branch_prefix"),
            f"repo.branch_prefix {prefix!r} cannot start a git branch name: {problem}",
        )
        prefix = None
    stems: dict[str, str] = {}
    for i, e in efforts:
        eid = _idstr(e.get("id"))
        if eid is None or work_ids.get(eid) != ("efforts", i):
            continue
        other = stems.setdefault(file_stem(eid), eid)
        if other != eid:
            out.add(
                "error",
                ("efforts", i, "id"),
                f"effort ids {other!r} and {eid!r} would share a worktree and log files (both "
                f"are named {file_stem(eid)!r} on disk); rename one",
            )
        size = len(eid.encode())
        if size > _MAX_ID_BYTES:
            out.add(
                "error",
                ("efforts", i, "id"),
                f"effort id {eid[:20]!r}... is {size} bytes long; phasegate names the effort's "
                f"branch, worktree and files after it, and file names stop at 255 bytes: "
                f"keep it to {_MAX_ID_BYTES}",
            )
            continue
        given = e.get("branch")
        if given is not None and not isinstance(given, str):
            continue
        if not given and prefix is None:
            continue
        name = effective_branch(given, prefix or "", eid)
        where: tuple[PathPart, ...] = ("efforts", i, "branch" if given else "id")
        problem = branch_problem(name)
        if problem and given:
            out.add(
                "error",
                where,
                f"branch {name!r} of effort {eid!r} is not a valid git branch name: {problem}",
            )
        elif problem:
            out.add(
                "error",
                where,
                f"effort id {eid!r} makes branch {name!r}, which is not a valid git branch "
                f"name: {problem}; change the id or set the effort's branch:",
            )
        elif clash := names.claim(name, f"the branch of effort {eid!r}"):
            fix = "set its branch: to another name" if given else "change the id or set its branch:"
            out.add(
                "error",
                where,
                f"effort {eid!r} would work on branch {clash.explain(name)}; {fix}",
            )


# Worktrees, briefs and logs are named after the id plus a suffix such as '.12.exit', and a
# file name holds at most 255 bytes.
_MAX_ID_BYTES = 240
