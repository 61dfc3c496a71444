"""The application layer: every operation a person or agent can ask for, and every query.

Front doors (the CLI, the web API, the MCP server) parse their input, call a function here
and render what it returns; none of them holds domain logic. Functions here take a
`phasegate.tracking.session.Session` (plan facts plus an open store) or the values they
need, return typed values (dataclasses or plain JSON-ready dicts), and raise the
`PhasegateError` family for anything a caller got wrong. Nothing here prints, speaks HTTP or
MCP. One module per area of the domain.
"""
