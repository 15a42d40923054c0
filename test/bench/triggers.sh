#!/usr/bin/env bash
# test/bench/triggers.sh: what funnel's triggers cost (issue 4, item 7).
#
# Starts a throwaway cluster (test/lib.sh), builds the empty C triggers of
# test/bench/noop_trigger in a temporary directory, and times on a table of
# 1,000,000 deals
#   bulk:    one UPDATE moving every deal one legal step forward
#            (lead -> qualified, qualified -> proposal)
#   pgbench: 100,000 single-row updates (-c 2 -j 2 -M prepared) toggling a
#            random deal between lead and qualified (qualified -> lead is an
#            explicitly allowed edge of funnel.sales_stage here)
# under these trigger set-ups:
#   a   no trigger
#   b   funnel.enforce_transitions('stage', 'stage_changed_at')   (BEFORE ROW)
#   c   funnel.track(...): enforce + record_transition             (AFTER STATEMENT,
#       transition tables)
#   d   the PL/pgSQL pair a user would write: BEFORE ROW looks the move up in a
#       transitions table and stamps the time, AFTER ROW inserts the history row
#   e1  empty C BEFORE ROW trigger
#   e2  empty C BEFORE ROW + empty C AFTER ROW trigger
#   informational: b0 enforce without a stamp column; e3 empty C BEFORE ROW +
#   empty C AFTER STATEMENT trigger with transition tables (the machinery c uses)
# The table is rebuilt from a template before every run (same physical state,
# VACUUM FREEZE, CHECKPOINT); variants are interleaved (rotating order), each
# repeated BENCH_REPS times, and the minimum is kept.  Prints times, ratios to
# (a) and to the empty-trigger floor (e), and PASS/MISS per target of the
# issue.  A benchmark, not a test: exits 0 whether targets are met or not.
#
# Run from the repository root, as root (or as a user who can run initdb):
#   bash test/bench/triggers.sh
# Knobs (environment): BENCH_ROWS (1000000), BENCH_PGBENCH_TX (100000),
#   BENCH_REPS (3), BENCH_BULK="a b c d e1 e2 b0 e3", BENCH_PGBENCH="a b c d e1 e2 e3"
#   (a list may be empty to skip that part), BENCH_NO_INSTALL=1 (use the
#   installed funnel as is: no make/make install), KEEP_CLUSTER=1 (keep the
#   work directory; its path is printed).
set -u
cd "$(dirname "$0")/../.."
. test/lib.sh

ROWS=${BENCH_ROWS:-1000000}
PGB_TX=${BENCH_PGBENCH_TX:-100000}
REPS=${BENCH_REPS:-3}
BULK_VARIANTS=${BENCH_BULK-a b c d e1 e2 b0 e3}
PGB_VARIANTS=${BENCH_PGBENCH-a b c d e1 e2 e3}
PGB_CLIENTS=2

declare -A LABEL=(
	[a]="no trigger"
	[b]="funnel enforce (stamp)"
	[b0]="funnel enforce (no stamp)"
	[c]="funnel enforce + record"
	[d]="PL/pgSQL pair"
	[e1]="empty C BEFORE"
	[e2]="empty C BEFORE + AFTER row"
	[e3]="empty C BEFORE + AFTER stmt"
)
# the empty-trigger floor each variant is compared with
declare -A FLOOR=([b]=e1 [b0]=e1 [c]=e2 [d]=e2 [e2]=e1 [e3]=e1)

ensure_deps
if [ -n "${BENCH_NO_INSTALL:-}" ]; then
	PG_CONFIG=$(find_pg_config)
	[ -x "$PG_CONFIG" ] || { echo "pg_config not found" >&2; exit 2; }
	export PG_CONFIG
	export PATH="$("$PG_CONFIG" --bindir):$PATH"
	say "using the installed funnel ($PG_CONFIG), no build"
else
	build_install
fi
command -v pgbench >/dev/null || { echo "pgbench not found" >&2; exit 2; }

WORK=$(mktemp -d /tmp/funnel-bench.XXXXXX)
chmod 755 "$WORK"
cp -r test/bench/noop_trigger "$WORK/noop"
rm -f "$WORK"/noop/*.o "$WORK"/noop/*.so "$WORK"/noop/*.bc
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK"
say "build test/bench/noop_trigger (in $WORK/noop)"
as_owner make -s -C "$WORK/noop" PG_CONFIG="$PG_CONFIG" >"$WORK/noop/build.log" 2>&1 \
	|| { cat "$WORK/noop/build.log" >&2; rm -rf "$WORK"; exit 2; }

cluster_start "$WORK/cluster"
bench_cleanup() {
	cluster_cleanup
	if [ -z "${KEEP_CLUSTER:-}" ]; then rm -rf "$WORK"; else say "kept $WORK"; fi
}
trap bench_cleanup EXIT
say "server pid $CLUSTER_PID, socket $PGHOST"

psql_q() { as_owner psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------- set-up
say "set-up: $ROWS deals"
# the empty triggers' install script, loading the library by path (nothing is installed)
NOOP_SQL=$(sed -e "s|MODULE_PATHNAME|$WORK/noop/noop_trigger.so|g" \
	-e 's/^CREATE FUNCTION /CREATE FUNCTION bench./' test/bench/noop_trigger/noop_trigger--1.0.sql)
psql_q >/dev/null <<SQL || exit 2
ALTER SYSTEM SET autovacuum = off;           -- nothing runs behind a measurement
ALTER SYSTEM SET jit = off;                  -- no compile-time noise in the 1M-row UPDATE
ALTER SYSTEM SET max_wal_size = '8GB';       -- checkpoints only where we ask for them
ALTER SYSTEM SET checkpoint_timeout = '1h';
SELECT pg_reload_conf();

CREATE EXTENSION funnel;
CREATE SCHEMA bench;
$NOOP_SQL

-- the pgbench script moves deals back and forth: let qualified -> lead be legal
SELECT funnel.allow_transition('qualified'::funnel.sales_stage, 'lead'::funnel.sales_stage);

SELECT setseed(0.42);
CREATE TABLE bench.deals_tpl AS
SELECT g::bigint AS id,
       (CASE WHEN g % 2 = 0 THEN 'lead' ELSE 'qualified' END)::funnel.sales_stage AS stage,
       round((random() * 100000)::numeric, 2)::numeric(12,2) AS amount,
       timestamptz '2024-01-01 00:00+00' + g * interval '7 seconds' AS stage_changed_at,
       'rep_' || (g % 97) AS owner,
       timestamptz '2023-06-01 00:00+00' + (g % 5000) * interval '1 hour' AS created_at
FROM generate_series(1, $ROWS) g;

CREATE TABLE bench.deals (id bigint PRIMARY KEY, stage funnel.sales_stage NOT NULL);
-- the history table exactly as funnel.track makes it (no backfill), then one
-- of the same shape for the PL/pgSQL pair
SELECT funnel.track('bench.deals', 'stage', 'id', 'bench.deals_stage_history', NULL, false);
CREATE TABLE bench.deals_history_plpgsql (LIKE bench.deals_stage_history INCLUDING ALL);
DROP TABLE bench.deals;

-- (d): what a user writes by hand
CREATE TABLE bench.stage_transitions (
    from_stage funnel.sales_stage,
    to_stage   funnel.sales_stage,
    PRIMARY KEY (from_stage, to_stage));
INSERT INTO bench.stage_transitions
SELECT from_stage::funnel.sales_stage, to_stage::funnel.sales_stage
FROM funnel.transitions('funnel.sales_stage');
ANALYZE bench.stage_transitions;

CREATE FUNCTION bench.check_stage() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.stage IS DISTINCT FROM OLD.stage THEN
        IF NOT EXISTS (SELECT 1 FROM bench.stage_transitions t
                       WHERE t.from_stage = OLD.stage AND t.to_stage = NEW.stage) THEN
            RAISE EXCEPTION 'illegal stage change of deal % from % to %', OLD.id, OLD.stage, NEW.stage
                USING ERRCODE = '23514';
        END IF;
        NEW.stage_changed_at := now();
    END IF;
    RETURN NEW;
END
\$fn\$;

CREATE FUNCTION bench.record_stage() RETURNS trigger LANGUAGE plpgsql AS \$fn\$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.stage IS DISTINCT FROM OLD.stage THEN
        INSERT INTO bench.deals_history_plpgsql (id, from_stage, to_stage, changed_at, changed_by)
        VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage, now(), current_user);
    END IF;
    RETURN NULL;
END
\$fn\$;
SQL

# SQL that puts variant $1's triggers on bench.deals
variant_sql() {
	case $1 in
	a) ;;
	b) echo "CREATE TRIGGER funnel_enforce_transitions BEFORE INSERT OR UPDATE ON bench.deals
	         FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('stage', 'stage_changed_at');" ;;
	b0) echo "CREATE TRIGGER funnel_enforce_transitions BEFORE INSERT OR UPDATE ON bench.deals
	         FOR EACH ROW EXECUTE FUNCTION funnel.enforce_transitions('stage');" ;;
	c) echo "SELECT funnel.track('bench.deals', 'stage', 'id', 'bench.deals_stage_history',
	                            'stage_changed_at', backfill => false);" ;;
	d) echo "CREATE TRIGGER deals_check_stage BEFORE INSERT OR UPDATE ON bench.deals
	         FOR EACH ROW EXECUTE FUNCTION bench.check_stage();
	         CREATE TRIGGER deals_record_stage AFTER INSERT OR UPDATE ON bench.deals
	         FOR EACH ROW EXECUTE FUNCTION bench.record_stage();" ;;
	e1) echo "CREATE TRIGGER noop_before BEFORE INSERT OR UPDATE ON bench.deals
	          FOR EACH ROW EXECUTE FUNCTION bench.noop_before_row();" ;;
	e2) variant_sql e1
	    echo "CREATE TRIGGER noop_after AFTER INSERT OR UPDATE ON bench.deals
	          FOR EACH ROW EXECUTE FUNCTION bench.noop_after();" ;;
	e3) variant_sql e1
	    echo "CREATE TRIGGER noop_after AFTER UPDATE ON bench.deals
	          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	          FOR EACH STATEMENT EXECUTE FUNCTION bench.noop_after();" ;;
	*) echo "unknown variant $1" >&2; exit 2 ;;
	esac
}

# rebuild bench.deals from the template (same physical state every run), then
# variant $1's triggers, then a checkpoint so no run pays for another's writes
reset_deals() {
	psql_q >/dev/null <<SQL || exit 2
DROP TABLE IF EXISTS bench.deals;
CREATE TABLE bench.deals (
    id               bigint NOT NULL,
    stage            funnel.sales_stage NOT NULL,
    amount           numeric(12,2),
    stage_changed_at timestamptz NOT NULL,
    owner            text NOT NULL,
    created_at       timestamptz NOT NULL);
INSERT INTO bench.deals SELECT * FROM bench.deals_tpl;
ALTER TABLE bench.deals ADD PRIMARY KEY (id);
TRUNCATE bench.deals_stage_history, bench.deals_history_plpgsql;
VACUUM (FREEZE, ANALYZE) bench.deals;
$(variant_sql "$1")
CHECKPOINT;
SQL
}

# history rows the run should have left: $1 variant, $2 expected count
check_history() {
	local table n
	case $1 in c) table=bench.deals_stage_history ;; d) table=bench.deals_history_plpgsql ;; *) return ;; esac
	n=$(psql_q -At -c "SELECT count(*) FROM $table")
	[ "$n" = "$2" ] || echo "   WARNING: variant $1 left $n history rows, expected $2" >&2
}

BULK_SQL="UPDATE bench.deals SET stage = CASE stage WHEN 'lead' THEN 'qualified'::funnel.sales_stage
                                                    WHEN 'qualified' THEN 'proposal'::funnel.sales_stage END;"

# one timed bulk UPDATE, in a fresh session; prints seconds
run_bulk() {
	local out ms
	out=$(printf '\\timing on\n%s\n' "$BULK_SQL" | psql_q 2>&1) || { echo "$out" >&2; exit 2; }
	ms=$(printf '%s\n' "$out" | grep -oE '^Time: [0-9.]+' | tail -1 | awk '{print $2}')
	[ -n "$ms" ] || { echo "no timing in: $out" >&2; exit 2; }
	awk -v ms="$ms" 'BEGIN { printf "%.3f", ms / 1000 }'
}

cat >"$WORK/toggle.sql" <<'SQL'
\set id random(1, :rows)
UPDATE bench.deals SET stage = CASE WHEN stage = 'lead' THEN 'qualified'::funnel.sales_stage
                                    ELSE 'lead'::funnel.sales_stage END
WHERE id = :id;
SQL
[ "$(id -u)" = 0 ] && chown postgres "$WORK/toggle.sql"

# one pgbench run of PGB_TX single-row updates; prints seconds (PGB_TX / tps)
run_pgbench() {
	local out tps
	out=$(as_owner pgbench -n -M prepared -c $PGB_CLIENTS -j $PGB_CLIENTS \
		-t $((PGB_TX / PGB_CLIENTS)) -D rows="$ROWS" -f "$WORK/toggle.sql" 2>&1) \
		|| { echo "$out" >&2; exit 2; }
	tps=$(printf '%s\n' "$out" | grep -oE '^tps = [0-9.]+' | tail -1 | awk '{print $3}')
	[ -n "$tps" ] || { echo "no tps in: $out" >&2; exit 2; }
	awk -v tps="$tps" -v n="$PGB_TX" 'BEGIN { printf "%.3f", n / tps }'
}

declare -A BEST_BULK BEST_PGB

# rotate: repetition r starts at variant r, so no variant always runs first
rotated() {  # rotated R LIST...
	local r=$1; shift
	local a=("$@") n=$# i
	for ((i = 0; i < n; i++)); do echo "${a[(i + r) % n]}"; done
}

keep_min() {  # keep_min ARRAY VARIANT SECONDS
	local -n best=$1
	if [ -z "${best[$2]:-}" ] || awk -v a="$3" -v b="${best[$2]}" 'BEGIN { exit !(a < b) }'; then
		best[$2]=$3
	fi
}

measure() {  # measure KIND(bulk|pgbench) VARIANTS
	local kind=$1 list=($2) r v t
	[ ${#list[@]} -eq 0 ] && return
	for ((r = 0; r < REPS; r++)); do
		for v in $(rotated "$r" "${list[@]}"); do
			reset_deals "$v"
			if [ "$kind" = bulk ]; then
				t=$(run_bulk) || exit 2
				check_history "$v" "$ROWS"
				keep_min BEST_BULK "$v" "$t"
			else
				t=$(run_pgbench) || exit 2
				check_history "$v" "$PGB_TX"
				keep_min BEST_PGB "$v" "$t"
			fi
			printf '   %-7s rep %d  %-4s %-28s %8.3f s\n' "$kind" $((r + 1)) "$v" "${LABEL[$v]}" "$t"
		done
	done
}

T0=$(date +%s)
say "bulk: one UPDATE of $ROWS rows; variants: $BULK_VARIANTS; $REPS repetitions"
measure bulk "$BULK_VARIANTS"
say "pgbench: $PGB_TX single-row updates, -c $PGB_CLIENTS -j $PGB_CLIENTS -M prepared; variants: $PGB_VARIANTS; $REPS repetitions"
measure pgbench "$PGB_VARIANTS"
ELAPSED=$(( $(date +%s) - T0 ))

# ---------------------------------------------------------------- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

report() {  # report KIND VARIANTS  (reads BEST_BULK or BEST_PGB)
	local kind=$1 list=($2) v t ta tf f unit
	[ ${#list[@]} -eq 0 ] && return
	if [ "$kind" = bulk ]; then unit="one UPDATE of $ROWS rows"; else unit="$PGB_TX single-row updates (pgbench)"; fi
	echo
	echo "$unit, best of $REPS (seconds):"
	printf '  %-4s %-28s %9s %7s %12s\n' "" "variant" "time" "x (a)" "x floor (e)"
	for v in a b c d e1 e2 b0 e3; do
		case " ${list[*]} " in *" $v "*) ;; *) continue ;; esac
		if [ "$kind" = bulk ]; then t=${BEST_BULK[$v]}; ta=${BEST_BULK[a]:-}; f=${FLOOR[$v]:-}; tf=${f:+${BEST_BULK[$f]:-}}
		else t=${BEST_PGB[$v]}; ta=${BEST_PGB[a]:-}; f=${FLOOR[$v]:-}; tf=${f:+${BEST_PGB[$f]:-}}; fi
		if [ -n "$f" ] && [ -n "$tf" ]; then f="$(ratio "$t" "$tf") vs $f"; else f="-"; fi
		printf '  %-4s %-28s %9.3f %7s %12s\n' "$v" "${LABEL[$v]}" "$t" "$(ratio "$t" "$ta")" "$f"
	done
}

target() {  # target KIND NAME VALUE OP LIMIT
	local verdict
	if [ "$3" = "-" ]; then verdict="n/a"
	elif awk -v x="$3" -v l="$5" -v op="$4" 'BEGIN { exit !((op == "<=") ? x <= l : x >= l) }'; then verdict=PASS
	else verdict=MISS; fi
	printf '  %-4s %-8s %-58s %6s %s %-5s\n' "$verdict" "$1" "$2" "$3" "$4" "$5"
}

targets() {  # targets KIND
	local -n best=$2
	local b=${best[b]:-} c=${best[c]:-} d=${best[d]:-} a=${best[a]:-} e1=${best[e1]:-}
	target "$1" "enforce (b) / empty C BEFORE (e1)" "$(ratio "$b" "$e1")" "<=" 1.05
	target "$1" "enforce + record (c) / no trigger (a)" "$(ratio "$c" "$a")" "<=" 2.00
	target "$1" "PL/pgSQL pair (d) / enforce + record (c)" "$(ratio "$d" "$c")" ">=" 2.00
}

say "results (PostgreSQL $(as_owner psql -X -At -c 'SHOW server_version'), $(nproc) CPUs, funnel at $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src sql 2>/dev/null || echo '+local changes'))"
report bulk "$BULK_VARIANTS"
report pgbench "$PGB_VARIANTS"
echo
echo "targets (issue 4, item 7):"
[ -n "$BULK_VARIANTS" ] && targets bulk BEST_BULK
[ -n "$PGB_VARIANTS" ] && targets pgbench BEST_PGB
echo
say "measured in ${ELAPSED}s"
exit 0
