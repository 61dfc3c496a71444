"""Front door 2: the web view and REST API (`phasegate serve`), over `phasegate.service`.

Routers parse, call a service function and render what it returns; security (Host, Origin,
tokens, CSRF) is checked in one place, and errors become HTTP statuses in one handler.
"""
