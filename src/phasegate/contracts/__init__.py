"""Interface contracts between efforts: what one effort provides (a symbol in a file, a
file, a command that passes, an OpenAPI path) and others use.

`match` pairs every use with its provider from the plan alone (for `phasegate check`),
`verify` judges a contract against a tree of files (the integration branch after the
provider merged, or the result of a trial merge before a later effort's merge) and cuts
the excerpt a consumer's brief shows, and `record` turns the evidence into events and
reads the standing of every contract back from the store.
"""

from __future__ import annotations

from phasegate.contracts.match import Finding, match_uses, providers
from phasegate.contracts.verify import Evidence, verify

__all__ = ["Evidence", "Finding", "match_uses", "providers", "verify"]
