"""Front door 3: the MCP server agents talk to (`phasegate mcp`), over stdio or HTTP.

Tools parse their arguments, call `phasegate.service` and answer with its documents as
structured content; no domain logic lives here. Needs the `mcp` extra.
"""
