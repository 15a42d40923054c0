# test/lib.sh: shared set-up for test/run and test/demo (sourced, not run).
#
#   ensure_deps        install the Debian packages the build and tests need (as root),
#                      or name them and stop (as another user)
#   build_install [VAR=VALUE...]  make && make install, with those make variables
#                      (test/run: FUNNEL_CHECKS=1, the invariant checks)
#   cluster_start DIR  initdb + start a throwaway server in DIR (unix socket only, no TCP),
#                      as the postgres user when we are root; sets PGHOST/PGPORT/PGDATABASE
#   cluster_stop       stop that server by its pid (registered on EXIT by cluster_start)
#
# The PostgreSQL major version (15, 16, 17, 18) is not fixed: PG_MAJOR if set, else the one
# of PG_CONFIG if set, else the newest major whose server and headers are installed, else
# the newest with a server installed, else (as root, after apt-get update) the one the
# Debian release installs by default (its 'postgresql' package: 15 on Debian 12, 17 on 13).

say() { printf '== %s\n' "$*"; }

pg_config_major() {  # pg_config_major PG_CONFIG: "PostgreSQL 17.6 (Debian ...)" -> 17
	"$1" --version 2>/dev/null | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p'
}

installed_major() {  # the newest major under /usr/lib/postgresql with a server (and headers, if any has them)
	local d m with_dev="" with_server=""
	for d in /usr/lib/postgresql/*/bin/postgres; do
		[ -x "$d" ] || continue
		m=${d#/usr/lib/postgresql/}; m=${m%%/*}
		case $m in *[!0-9]*) continue ;; esac
		{ [ -z "$with_server" ] || [ "$m" -gt "$with_server" ]; } && with_server=$m
		if [ -x "/usr/lib/postgresql/$m/bin/pg_config" ] && [ -d "/usr/lib/postgresql/$m/lib/pgxs" ]; then
			{ [ -z "$with_dev" ] || [ "$m" -gt "$with_dev" ]; } && with_dev=$m
		fi
	done
	echo "${with_dev:-$with_server}"
}

archive_major() {  # the major of the release's default 'postgresql' package, from the apt cache
	apt-cache depends postgresql 2>/dev/null | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -1
}

detect_pg_major() {
	[ -n "${PG_MAJOR:-}" ] && return 0
	if [ -n "${PG_CONFIG:-}" ]; then
		PG_MAJOR=$(pg_config_major "$PG_CONFIG")
		[ -n "$PG_MAJOR" ] || { echo "PG_CONFIG=$PG_CONFIG does not run" >&2; exit 2; }
		return 0
	fi
	PG_MAJOR=$(installed_major)
	[ -n "$PG_MAJOR" ] && return 0
	PG_MAJOR=$(archive_major)
	if [ -z "$PG_MAJOR" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		say "no PostgreSQL installed: asking apt which version this Debian release has"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1
		PG_MAJOR=$(archive_major)
	fi
	if [ -z "$PG_MAJOR" ]; then
		echo "no PostgreSQL found: install postgresql-N, postgresql-server-dev-N and libipc-run-perl" \
			"(N = 15, 16, 17 or 18), or set PG_CONFIG=/path/to/pg_config" >&2
		exit 2
	fi
}

detect_pg_major
PKGS="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR libipc-run-perl"

find_pg_config() {
	if [ -n "${PG_CONFIG:-}" ]; then echo "$PG_CONFIG"; return; fi
	if [ -x /usr/lib/postgresql/$PG_MAJOR/bin/pg_config ]; then
		echo /usr/lib/postgresql/$PG_MAJOR/bin/pg_config; return
	fi
	command -v pg_config || true
}

ensure_deps() {
	local missing="" p
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages:$missing" >&2
		echo "install them with: sudo apt-get install -y$missing   (or run this as root)" >&2
		exit 2
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || { echo "apt-get update failed" >&2; exit 2; }
	# the Debian packages create and start a 'main' cluster; we never use it
	apt-get install -y -qq --no-install-recommends $missing >/dev/null \
		|| { echo "apt-get install$missing failed" >&2; exit 2; }
}

build_install() {
	PG_CONFIG=$(find_pg_config)
	[ -x "$PG_CONFIG" ] || { echo "pg_config not found" >&2; exit 2; }
	export PG_CONFIG
	PG_BINDIR=$("$PG_CONFIG" --bindir)
	export PATH="$PG_BINDIR:$PATH"
	say "build for PostgreSQL $(pg_config_major "$PG_CONFIG") ($PG_CONFIG)"
	make -s PG_CONFIG="$PG_CONFIG" "$@" >/dev/null || { echo "build failed" >&2; exit 2; }
	if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
		make -s PG_CONFIG="$PG_CONFIG" "$@" install >/dev/null || { echo "make install failed" >&2; exit 2; }
	else
		echo "cannot write to $("$PG_CONFIG" --pkglibdir): run 'sudo make install' first, or run as root" >&2
		exit 2
	fi
}

# run a command as the cluster's owner (postgres when we are root, else ourselves)
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		local vars=() v
		for v in PATH PGHOST PGPORT PGDATABASE PGUSER PG_CONFIG PGOPTIONS FUNNEL_SHARED_DATA \
				LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS; do
			[ -n "${!v:-}" ] && vars+=("$v=${!v}")
		done
		runuser -u postgres -- env "${vars[@]}" "$@"
	else
		"$@"
	fi
}

CLUSTER_DIR=""
CLUSTER_PID=""

cluster_stop() {
	if [ -n "$CLUSTER_PID" ] && kill -0 "$CLUSTER_PID" 2>/dev/null; then
		kill -INT "$CLUSTER_PID" 2>/dev/null   # fast shutdown
		for _ in $(seq 1 100); do kill -0 "$CLUSTER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$CLUSTER_PID" 2>/dev/null || true
	fi
	CLUSTER_PID=""
}

cluster_cleanup() {
	cluster_stop
	if [ -n "$CLUSTER_DIR" ] && [ -z "${KEEP_CLUSTER:-}" ]; then rm -rf "$CLUSTER_DIR"; fi
}

# cluster_start DIR: DIR must exist and be writable by the cluster's owner
cluster_start() {
	CLUSTER_DIR=$1
	if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- /bin/true 2>/dev/null; then
		# seen in chroots made with mktemp -d: "/" is mode 700 and no other user can run anything
		say "the postgres user cannot traverse /: making / world-searchable (chmod a+rx /)"
		chmod a+rx /
	fi
	trap cluster_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$CLUSTER_DIR/sock"
	[ "$(id -u)" = 0 ] && chown -R postgres "$CLUSTER_DIR"
	as_owner initdb -D "$CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 \
		|| as_owner initdb -D "$CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$CLUSTER_DIR/initdb.log" 2>&1 \
		|| { cat "$CLUSTER_DIR/initdb.log" >&2; exit 2; }
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CLUSTER_DIR/sock'
port = 5432
max_worker_processes = 8
max_parallel_workers = 4
max_parallel_workers_per_gather = 2
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
max_prepared_transactions = 10
log_min_messages = warning
timezone = 'UTC'
CONF
	as_owner pg_ctl -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 start >/dev/null \
		|| { cat "$CLUSTER_DIR/server.log" >&2; exit 2; }
	CLUSTER_PID=$(head -1 "$CLUSTER_DIR/data/postmaster.pid")
	export PGHOST="$CLUSTER_DIR/sock" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
}
