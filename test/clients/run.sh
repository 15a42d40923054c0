#!/usr/bin/env bash
# test/clients/run.sh: the client tests (suite "clients" of test/run), against the running
# test cluster (PGHOST, PGPORT, PGUSER set).
#
# Python: psycopg2 from Debian (python3-psycopg2, installed as root when missing) with Debian's
# /usr/bin/python3. Node: node-postgres (pg) from npm, installed into a temporary directory at
# each run (never into the checkout); Debian's nodejs and npm are installed as root when there
# is no node or npm. Each client is skipped, saying why, when it cannot be installed (not
# root, no network, npm registry unreachable). Output: TAP lines of both tests.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/dashboard/lib.sh

owner_psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS funnel_clients' 2>/dev/null
owner_psql -X -q -d postgres -c 'CREATE DATABASE funnel_clients' || exit 1
PGOPTIONS='-c client_min_messages=warning' owner_psql -X -q -d funnel_clients -v ON_ERROR_STOP=1 \
	-c 'CREATE EXTENSION funnel' -f - <test/clients/fixture.sql >/dev/null || exit 1
export PGDATABASE=funnel_clients
rc=0

# Python, psycopg2
if optional_install python3 python3-psycopg2 && /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then
	/usr/bin/python3 test/clients/psycopg2_client.py || rc=1
else
	echo "# SKIP psycopg2: ${SKIP_REASON:-python3-psycopg2 does not import}"
fi

# Node, pg from npm
if { command -v node && command -v npm; } >/dev/null || optional_install nodejs npm; then
	NODE_DIR=$(mktemp -d /tmp/funnel-node.XXXXXX)
	cp test/clients/package.json "$NODE_DIR/"
	if (cd "$NODE_DIR" && timeout 300 npm install --no-audit --no-fund --no-package-lock \
			--no-update-notifier --loglevel=error) >"$NODE_DIR/npm.log" 2>&1; then
		NODE_PATH="$NODE_DIR/node_modules" node test/clients/node_client.js || rc=1
	else
		echo "# SKIP node pg: npm install pg failed (npm registry unreachable?): $(grep -m1 -iE 'err|fail' "$NODE_DIR/npm.log")"
	fi
	rm -rf "$NODE_DIR"
else
	echo "# SKIP node pg: ${SKIP_REASON:-no node or npm}"
fi
owner_psql -X -q -d postgres -c 'DROP DATABASE funnel_clients'
exit $rc
