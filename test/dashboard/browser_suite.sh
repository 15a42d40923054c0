#!/usr/bin/env bash
# test/dashboard/browser_suite.sh OUTDIR: the dashboard page in headless Chromium (suite
# "browser" of test/run), against the running test cluster (PGHOST, PGPORT, PGUSER set).
#
# Installs Debian's chromium as root when missing; otherwise prints "1..0 # SKIP reason".
# Loads database funnel_dashboard (sample CRM, events, dashboard views), writes the page with
# test/dashboard/render.pl and checks it with test/dashboard/browser.pl; OUTDIR keeps the page,
# the DOM the browser built and the screenshot (dashboard.png). Output: TAP.
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/dashboard/lib.sh
OUT=${1:?usage: browser_suite.sh OUTDIR}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if ! find_chromium; then
	echo "1..0 # SKIP no browser: $SKIP_REASON"
	exit 0
fi
owner_psql -X -q -d postgres -c 'DROP DATABASE IF EXISTS funnel_dashboard' 2>/dev/null
dashboard_load funnel_dashboard "$PWD" || { echo "not ok 1 - loading the demo data and views"; exit 1; }
export PGDATABASE=funnel_dashboard
perl test/dashboard/render.pl "$OUT/dashboard.html" || { echo "not ok 1 - render.pl"; exit 1; }
perl test/dashboard/browser.pl "$CHROMIUM" "$OUT/dashboard.html" "$OUT"
