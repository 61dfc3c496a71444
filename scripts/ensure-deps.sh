#!/bin/sh
# System packages the test suite needs beyond Python: installed with apt-get when missing and
# running as root on Debian/Ubuntu; otherwise this says exactly what to install. One `need`
# line per package: `need PACKAGE TEST-COMMAND` (TEST-COMMAND succeeds when it is present).
set -u

missing=""

need() {
    package=$1
    shift
    if ! sh -c "$*" >/dev/null 2>&1; then
        missing="$missing $package"
    fi
}

# PostgreSQL server binaries, for the team store tests (a throw-away cluster per test run).
need postgresql 'ls /usr/lib/postgresql/*/bin/initdb || command -v initdb'

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing && exit 0
    echo "apt-get could not install:$missing" >&2
    exit 1
fi

echo "missing system packages:$missing" >&2
echo "install them with:  sudo apt-get install$missing" >&2
echo "(without them the tests that need them are skipped locally and fail under CI=true)" >&2
exit 0
