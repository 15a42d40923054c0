# test/dashboard/lib.sh: helpers of the dashboard, browser and client tests (sourced after
# test/lib.sh, which provides say and as_owner).
#
#   optional_install PKG...    install Debian packages as root when missing; returns 1 (and sets
#                              SKIP_REASON) when we are not root or apt-get fails
#   find_chromium              sets CHROMIUM to the browser binary, installing Debian's chromium
#                              as root when missing; returns 1 with SKIP_REASON otherwise
#   owner_psql ARGS...         psql as the cluster's owner, started in / (the owner may not be
#                              allowed into the checkout: psql would say so on every call)
#   dashboard_load DB ROOT     creates DB with the extension, the sample CRM and events and the
#                              dashboard views, read from the checkout at ROOT

SKIP_REASON=""

optional_install() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		SKIP_REASON="Debian packages missing:$missing (run as root, or: sudo apt-get install$missing)"
		return 1
	fi
	say "installing:$missing"
	# wait for another apt-get on this machine rather than fail; update the lists once if needed
	if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends $missing >/dev/null 2>&1; then
		apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends $missing >/dev/null 2>&1 || {
			SKIP_REASON="apt-get install$missing failed (no network or no Debian mirror?)"
			return 1
		}
	fi
	return 0
}

find_chromium() {
	local c
	for c in chromium chromium-browser google-chrome; do
		CHROMIUM=$(command -v "$c") && return 0
	done
	optional_install chromium || return 1
	CHROMIUM=$(command -v chromium) && return 0
	SKIP_REASON="chromium installed but not found in PATH"
	return 1
}

owner_psql() {
	(cd / && as_owner psql "$@")
}

dashboard_load() {
	local db=$1 root=$2
	owner_psql -X -q -d postgres -c "CREATE DATABASE $db" || return 1
	# read by this process and piped, so the cluster's owner needs no access to the checkout
	cat "$root/test/data/sample_crm.sql" "$root/test/data/sample_events.sql" "$root/test/dashboard/views.sql" \
		| PGOPTIONS='-c client_min_messages=warning' owner_psql -X -q -d "$db" -v ON_ERROR_STOP=1 \
			-c 'CREATE EXTENSION funnel' -f - >/dev/null || return 1
}
