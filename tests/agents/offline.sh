#!/usr/bin/env bash
# Runs a command in a network namespace of its own where only the loopback interface exists,
# so nothing it starts can reach past 127.0.0.1. Needs root or unprivileged user namespaces
# and `ip`; without them the command runs on the host's network and
# PHASEGATE_AGENTS_NETWORK=host tells the tests that isolation was not verified.
set -euo pipefail
inner='ip link set lo up && PHASEGATE_AGENTS_NETWORK=loopback-only exec "$@"'
for flags in "--net" "--net --map-root-user"; do
    if command -v ip >/dev/null && unshare $flags sh -c 'ip link set lo up' 2>/dev/null; then
        exec unshare $flags sh -c "$inner" sh "$@"
    fi
done
echo "offline.sh: cannot create a network namespace here; running on the host's network" >&2
PHASEGATE_AGENTS_NETWORK=host exec "$@"
