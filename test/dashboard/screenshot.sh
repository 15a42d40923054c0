#!/usr/bin/env bash
# test/dashboard/screenshot.sh: what `make screenshot` runs.  Regenerates doc/dashboard.png,
# the screenshot README shows: builds and installs the extension, starts a throwaway cluster,
# loads the demo data and views, writes the page, checks it in headless Chromium
# (test/dashboard/browser.pl) and copies the screenshot it took.  Needs chromium (installed
# as root when missing).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh
. test/dashboard/lib.sh

find_chromium || { echo "no browser: $SKIP_REASON" >&2; exit 2; }
ensure_deps
build_install
WORK=$(mktemp -d /tmp/funnel-shot.XXXXXX)
chmod 755 "$WORK"
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK"
cd "$WORK" && cluster_start "$WORK/cluster" && cd "$OLDPWD"   # started where its owner may be
trap 'cluster_cleanup; rm -rf "$WORK"' EXIT
dashboard_load funnel_demo "$PWD" || exit 1
export PGDATABASE=funnel_demo
mkdir -p "$WORK/out"
perl test/dashboard/render.pl "$WORK/out/dashboard.html" || exit 1
perl test/dashboard/browser.pl "$CHROMIUM" "$WORK/out/dashboard.html" "$WORK/out" | grep -vE '^(ok |1\.\.)' \
	|| true
[ -s "$WORK/out/dashboard.png" ] || { echo "no screenshot taken" >&2; exit 1; }
mkdir -p doc
cp "$WORK/out/dashboard.png" doc/dashboard.png
say "doc/dashboard.png written ($(wc -c <doc/dashboard.png) bytes)"
