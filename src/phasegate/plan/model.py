"""The plan: immutable pydantic values, version 1 of the format in DESIGN.md section 2."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from phasegate.plan.expr import ExprError, parse_duration, parse_number, parse_threshold

Severity = Literal["critical", "high", "medium", "low"]
Priority = Literal["critical", "high", "medium", "low"]
Units = Literal["lines", "hours", "points", "days", "tasks"]

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
PRIORITY_RANK: dict[str, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")


def _check_id(v: str) -> str:
    if not _ID.match(v):
        raise ValueError(
            f"bad id {v!r}: use letters, digits and . _ : / - (starting with a letter or digit)"
        )
    return v


def _check_threshold(v: str | int | float) -> str | int | float:
    try:
        parse_threshold(v)
    except ExprError as e:
        raise ValueError(str(e)) from None
    return v


def _check_duration(v: str | int | float) -> str | int | float:
    try:
        parse_duration(v)
    except ExprError as e:
        raise ValueError(str(e)) from None
    return v


def number_id_message(text: str, value: object) -> str:
    """The loader repeats this with the id as written, which the model never sees."""
    return f"id {text} reads as the number {value}; quote it, as in '{text}'"


def _coerce_id(v: object) -> object:
    # `id: 12` is a natural thing to write; floats are not (8.10 would read as 8.1).
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        raise ValueError(number_id_message(str(v), v))
    return v


def _number(v: object) -> float:
    try:
        return parse_number(v)
    except ExprError as e:
        raise ValueError(str(e)) from None


def wave_label(v: object) -> int:
    """A wave label as every command reads it. Pydantic alone would take `'1'` and `true`
    as 1 while the graph ignored them, so the two would disagree on the waves."""
    if isinstance(v, str):
        raise ValueError(f"wave label must be a number, as in 'wave: 2', not the text {v!r}")
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"wave label must be a whole number such as 2, got {v!r}")
    if v < 1:
        raise ValueError(f"wave labels start at 1, got {v}")
    return v


def _check_command(v: str | list[str]) -> str | list[str]:
    # An empty shell command "succeeds" without doing anything, and an empty argv cannot
    # be started at all: either way `run` would misbehave long after `check` said ok.
    empty = not v.strip() if isinstance(v, str) else not v or not v[0].strip()
    if empty:
        raise ValueError(
            "empty command: give the command to run, as a string for the shell or a list of "
            "arguments (or leave the key out)"
        )
    return v


Id = Annotated[str, BeforeValidator(_coerce_id), AfterValidator(_check_id)]
Ref = Annotated[str, BeforeValidator(_coerce_id)]
ThresholdExpr = Annotated[str | int | float, AfterValidator(_check_threshold)]
Duration = Annotated[str | int | float, AfterValidator(_check_duration)]
Command = Annotated[str | list[str], AfterValidator(_check_command)]
Number = Annotated[float, BeforeValidator(_number)]
# Larger sizes are typos rather than plans, and sums of them would lose precision in floats
# or overflow the schedulers' 64-bit integers.
MAX_AMOUNT = 1e9
Amount = Annotated[float, BeforeValidator(_number), Field(ge=0, le=MAX_AMOUNT)]
WaveLabel = Annotated[int, BeforeValidator(wave_label), Field(ge=1)]


def effective_branch(branch: str | None, prefix: str, effort_id: str) -> str:
    """The branch an effort works on; the validator works it out from raw data this way too."""
    return branch if branch else prefix + effort_id


class Frozen(BaseModel):
    # Infinities and NaNs would pass `ge=0` and then break sums, schedules and JSON output.
    # Schemas are built on first validation: a plan from the cache (plan/compiled.py) needs none.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, defer_build=True)


class Repo(Frozen):
    base: str = "main"
    integration: str = "phasegate/integration"
    branch_prefix: str = "phasegate/"
    remote: str | None = Field(
        default=None,
        description="Git URL or path every worker fetches from and pushes to (executor temporal).",
    )


class Executor(Frozen):
    """Where attempts run: this machine's supervisor, or `phasegate worker`s via Temporal."""

    kind: Literal["local", "temporal"] = "local"
    address: str = Field(default="127.0.0.1:7233", description="Temporal frontend HOST:PORT.")
    namespace: str = "default"
    queue: str = Field(default="phasegate", description="Task queue of efforts without runs_on.")
    heartbeat: Duration = Field(
        default="10s", description="A worker silent this long has lost its attempt."
    )


AgentKind = Literal["claude", "codex", "aider", "person", "scripted", "command"]
OnExceed = Literal["warn", "pause", "stop"]


class Price(Frozen):
    """USD per million tokens of one model; cached input defaults to the input price."""

    input: Amount
    output: Amount
    cached: Amount | None = None


def _budget_shorthand(v: object) -> object:
    # `budget: 5` reads as five dollars, the way people write it.
    if isinstance(v, int | float | str) and not isinstance(v, bool):
        return {"usd": v}
    return v


class Budget(Frozen):
    """Money an effort, a phase or the whole plan may spend on agents.

    `usd` caps the scope's total; `per_unit` gives each effort in the scope an envelope of
    that many dollars per unit of its size. Crossing either is an event and an escalation
    of `severity`; `on_exceed` says what the run does then.
    """

    usd: Amount | None = None
    per_unit: Amount | None = None
    on_exceed: OnExceed = "warn"
    severity: Severity = "high"

    @model_validator(mode="after")
    def _some_limit(self) -> Budget:
        if self.usd is None and self.per_unit is None:
            raise ValueError("budget: give usd (a total) or per_unit (dollars per size unit)")
        return self


BudgetField = Annotated[Budget | None, BeforeValidator(_budget_shorthand)]


class Agents(Frozen):
    max: int = Field(default=1, ge=1)
    kind: AgentKind = Field(
        default="command", description="Which agent CLI runs the efforts; command runs `command`."
    )
    program: str | None = Field(
        default=None, description="The agent's executable, when not the kind's usual name."
    )
    model: str | None = None
    flags: list[str] = Field(
        default_factory=list, description="Extra arguments passed to the agent as they are."
    )
    prices: dict[str, Price] = Field(
        default_factory=dict, description="USD per million tokens, by model name."
    )
    command: Command | None = None
    timeout: Duration | None = None
    retries: int = Field(default=0, ge=0)
    backoff: Duration = "5s"
    grace: Duration = "10s"
    env: dict[str, str] = Field(default_factory=dict)
    # -- what happens after something went wrong --
    resolve_conflicts: bool = Field(
        default=True,
        description="A conflicted effort gets one attempt of its agent on the prepared merge.",
    )
    on_retry: Literal["restart", "continue"] = Field(
        default="restart",
        description="restart: a retry starts from the stack (a failed attempt's work is kept "
        "under refs/phasegate/attempts/); continue: from the failed attempt's work.",
    )


Scope = Literal["warn", "reject"]


class External(Frozen):
    """Work finished before (or outside) this plan that efforts may depend on."""

    id: Id
    title: str = ""
    status: Literal["done", "pending"] = "done"
    available: Amount = Field(default=0, description="In size units from the start.")


class Check(Frozen):
    name: str = ""
    run: Command
    timeout: Duration | None = None
    metric: str | None = None
    expect: ThresholdExpr | None = None
    # Where the metric's value is read from (default: a `metric=N` / `metric: N` line).
    metric_pattern: str | None = Field(
        default=None, description="Regular expression whose first group is the value."
    )
    metric_json: str | None = Field(
        default=None, description="Dotted path of the value in the JSON the check prints."
    )

    @model_validator(mode="after")
    def _metric_source(self) -> Check:
        if (self.metric_pattern or self.metric_json) and not self.metric:
            raise ValueError("metric_pattern / metric_json need 'metric' (the metric's name)")
        if self.metric_pattern and self.metric_json:
            raise ValueError("give metric_pattern or metric_json, not both")
        if self.metric_pattern:
            try:
                rx = re.compile(self.metric_pattern)
            except re.error as e:
                raise ValueError(f"metric_pattern: {e}") from None
            if rx.groups < 1:
                raise ValueError(
                    "metric_pattern needs a group around the value, as in 'cov (\\d+)%'"
                )
        return self

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return self.run if isinstance(self.run, str) else " ".join(self.run)


# -- interface contracts and sign-off criteria (coordination between efforts and people) --

ContractKind = Literal["symbol", "file", "command", "openapi"]


def _nonblank(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be empty")
    return v


def _check_pattern(v: str | None) -> str | None:
    if v is not None:
        try:
            re.compile(v, re.M)
        except re.error as e:
            raise ValueError(f"bad regular expression {v!r}: {e}") from None
    return v


Criterion = Annotated[str, AfterValidator(_nonblank)]
Pattern = Annotated[str | None, AfterValidator(_check_pattern)]


class Contract(Frozen):
    """An interface one effort provides to others: a symbol (a regex, by default the name as
    a word) in a file, a file that exists, a command that passes, or an OpenAPI path."""

    name: Annotated[str, AfterValidator(_nonblank)]
    kind: ContractKind = "symbol"
    path: str | None = Field(default=None, description="File, relative to the plan.")
    pattern: Pattern = Field(
        default=None, description="symbol: regex (default: the name as a word); openapi: path."
    )
    command: Command | None = None
    description: str = ""

    @model_validator(mode="after")
    def _complete(self) -> Contract:
        if self.kind in ("symbol", "file", "openapi") and not self.path:
            raise ValueError(f"a {self.kind} contract needs 'path' (the file that holds it)")
        if self.kind == "command" and self.command is None:
            raise ValueError("a command contract needs 'command' (what must pass)")
        if self.kind == "openapi" and not self.pattern:
            raise ValueError("an openapi contract needs 'pattern': the API path, as '/users/{id}'")
        return self


def _use_entry(v: object) -> object:
    return {"name": v} if isinstance(v, str) else v


class ContractUse(Frozen):
    """A contract an effort relies on, by name; matched to the effort that provides it. The
    other fields say what the consumer expects; `check` warns where the provider differs."""

    name: Annotated[str, AfterValidator(_nonblank)]
    kind: ContractKind | None = None
    path: str | None = None
    pattern: Pattern = None
    command: Command | None = None
    description: str = ""


Use = Annotated[ContractUse, BeforeValidator(_use_entry)]


class Requirements(Frozen):
    deliverables: ThresholdExpr | None = None
    critical_blockers: ThresholdExpr | None = None
    conflicts: ThresholdExpr | None = None
    approvals: list[str] = Field(default_factory=list)
    metrics: dict[str, ThresholdExpr] = Field(default_factory=dict)
    contracts: Literal["all"] | None = Field(
        default=None, description="'all': every contract the phase's efforts provide verified."
    )


class Gate(Frozen):
    checks: list[Check] = Field(default_factory=list)
    require: Requirements = Field(default_factory=Requirements)
    criteria: list[Criterion] = Field(
        default_factory=list,
        description="What a person judges before the handoff; each must be signed off.",
    )


class Phase(Frozen):
    id: Id
    title: str = ""
    description: str = ""
    after: list[Ref] | None = Field(
        default=None, description="Phases that must pass first; omitted means the previous one."
    )
    entry: list[Check] = Field(default_factory=list)
    gate: Gate = Field(default_factory=Gate)
    deliverables: list[str] = Field(default_factory=list)
    integration_points: list[str] = Field(default_factory=list)
    sign_off: list[str] = Field(default_factory=list)
    budget: BudgetField = None


class Estimate(Frozen):
    low: Amount
    likely: Amount | None = None
    high: Amount

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        likely = self.likely if self.likely is not None else self.low
        if not (self.low <= likely <= self.high):
            raise ValueError("estimate must satisfy low <= likely <= high")
        return self


class Effort(Frozen):
    id: Id
    title: str = ""
    description: str = ""
    phase: str | None = None
    wave: WaveLabel | None = None
    size: Amount = 1
    estimate: Estimate | None = None
    depends_on: list[Ref] = Field(default_factory=list)
    branch: str | None = None
    files: list[str] = Field(default_factory=list)
    owner: str = ""
    priority: Priority = "medium"
    reviewers: list[str] = Field(default_factory=list)
    deliverables: list[str] = Field(default_factory=list)
    interfaces: list[str] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    command: Command | None = None
    notes: str = ""
    budget: BudgetField = None
    # -- what counts as done --
    allow_empty: bool = Field(
        default=False, description="An attempt that changes nothing may still be done."
    )
    scope: Scope | None = Field(
        default=None, description="Changes outside `files`: warn or reject (default: the plan's)."
    )
    provides: list[Contract] = Field(default_factory=list)
    uses: list[Use] = Field(default_factory=list)
    runs_on: str | None = Field(
        default=None, description="Label of the workers (their task queue) that may run it."
    )


class Metric(Frozen):
    id: Id
    title: str = ""
    unit: str = ""
    target: ThresholdExpr | None = None
    effort: str | None = None
    baseline: Number | None = None
    tolerance: ThresholdExpr | None = Field(
        default=None, description="Largest regression against the baseline, e.g. '5%'."
    )


class Risk(Frozen):
    id: Id
    title: str
    severity: Severity = "medium"
    probability: Literal["high", "medium", "low"] | None = None
    owner: str = ""
    phase: str | None = None
    effort: str | None = None
    mitigation: str = ""
    contingency: str = ""


class Escalation(Frozen):
    within: Duration
    notify: Command | None = None
    to: list[str] = Field(default_factory=list)
    description: str = ""


class Plan(Frozen):
    version: Literal[1] = 1
    project: str
    description: str = ""
    repo: Repo = Field(default_factory=Repo)
    units: Units = "points"
    # A smaller rate would turn sizes into more days than a float holds.
    rate: Number | None = Field(
        default=None, ge=1e-6, le=MAX_AMOUNT, description="Units one agent does per day."
    )
    agents: Agents = Field(default_factory=Agents)
    executor: Executor = Field(default_factory=Executor)
    scope: Scope = Field(
        default="warn", description="Changes outside an effort's files: warn or reject."
    )
    external: list[External] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    efforts: list[Effort] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    escalation: dict[Severity, Escalation] = Field(default_factory=dict)
    budget: BudgetField = None

    def effort(self, effort_id: str) -> Effort:
        for e in self.efforts:
            if e.id == effort_id:
                return e
        raise KeyError(effort_id)

    def scope_of(self, effort: Effort) -> Scope:
        return effort.scope or self.scope

    def branch_of(self, effort: Effort) -> str:
        return effective_branch(effort.branch, self.repo.branch_prefix, effort.id)

    def phase_of(self, effort: Effort) -> str | None:
        """The effort's phase; with exactly one phase declared it is the default."""
        if effort.phase is not None:
            return effort.phase
        if len(self.phases) == 1:
            return self.phases[0].id
        return None

    def phase_after(self, index: int) -> list[str]:
        """Phases that phase number `index` waits for (omitted `after` means the previous)."""
        phase = self.phases[index]
        if phase.after is not None:
            return list(phase.after)
        return [self.phases[index - 1].id] if index > 0 else []
