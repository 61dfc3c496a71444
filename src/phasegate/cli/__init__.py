"""The command line: one module per command, discovered at start-up.

A command module defines `ORDER` (its place in `phasegate --help`) and `register(app)`.
Modules import their heavy dependencies inside the command body, so start-up stays fast.
"""
