"""The real-agent tests run where only 127.0.0.1 exists, so every CLI passing them proves it
needs nothing else."""

from __future__ import annotations

import errno
import os
import socket

import pytest


def test_only_the_loopback_interface_exists() -> None:
    if os.environ.get("PHASEGATE_AGENTS_NETWORK") != "loopback-only":
        pytest.skip(
            "NOT VERIFIED: no network namespace could be made here, so the agents ran on the "
            "host's network (tests/agents/offline.sh needs root or user namespaces and `ip`)"
        )
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    with socket.socket() as s:
        s.settimeout(5)
        assert s.connect_ex(("1.1.1.1", 443)) == errno.ENETUNREACH
