# funnel: PostgreSQL extension (PGXS build)
#
#   make && make install          build and install into the server found by pg_config
#   make installcheck             run pg_regress, isolation and TAP suites against a running server
#   make test                     everything, on a throwaway cluster (installs missing Debian packages),
#                                 with the invariant checks below built in
#   make FUNNEL_CHECKS=1          a build that checks every aggregate state's invariants after each
#                                 transition, combine and recv (src/state.h; never for benchmarks)
#   make test-sanitize            make test with the extension built with ASan + UBSan (test/sanitize)
#   make demo                     build, install, throwaway cluster, sample CRM, funnel dashboard
#                                 (KEEP=1: leave that cluster running; DASHBOARD=file.html)
#   make screenshot               regenerate doc/dashboard.png (the dashboard in headless Chromium)
#   make sql-generate             regenerate sql/funnel_events.sql from sql/funnel_events.pl

EXTENSION   = funnel
MODULE_big  = funnel
OBJS        = src/funnel.o src/registry.o src/registry_names.o src/registry_rights.o src/registry_edit.o src/registry_triggers.o src/catalog.o src/frontdoor.o src/distribute.o src/stage.o src/trigger.o src/numsum.o src/sketch.o src/sketch_pg.o src/textform.o src/duration.o src/pipeline.o src/conversion.o src/journey.o src/summary.o src/defrecord.o src/state.o src/state_cache.o src/events.o src/events_mode.o src/events_pattern.o src/window_funnel.o src/retention.o src/sequence.o src/history.o src/survival.o src/winrate.o src/learned.o src/stagetime.o src/fninfo.o src/wire_names.o src/detail_engine.o src/detail_options.o src/window_funnel_detail.o src/detail_report.o src/hexform.o src/seqstore.o src/seqstore_query.o src/nextstep.o src/srf.o
# The install script of the current version (default_version in funnel.control) is made
# from the hand-edited sql/funnel.sql; the released 1.0 script and the update scripts
# (sql/funnel--A--B.sql) are files of their own.
EXTVERSION  = $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" funnel.control)
DATA        = sql/funnel--1.0.sql $(wildcard sql/funnel--*--*.sql)
DATA_built  = sql/funnel--$(EXTVERSION).sql
EXTRA_CLEAN = sql/funnel--$(EXTVERSION).sql.tmp
PGFILEDESC  = "funnel - sales and marketing funnel analytics"

REGRESS      = definitions stage_functions rules errors security security_catalog invalidation triggers operations pipeline pipeline_io pipeline_differential aggregates_catalog journey journey_io summary_report journey_differential window_funnel_differential events_io window_funnel window_funnel_detail retention sequence_match seqstore evolving_funnels stored_values adoption pipeline_history history_amounts winrate learned stagetime fuzz_findings binary_portable accessor_cache next_step
REGRESS_OPTS = --inputdir=.
ISOLATION    = cache_invalidation concurrent_moves
ISOLATION_OPTS = --inputdir=test --outputdir=test
TAP_TESTS    = 1
PROVE_TESTS  = test/t/*.pl

PG_CPPFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

# FUNNEL_CHECKS=1 defines FUNNEL_CHECK_INVARIANTS.  The objects depend on a stamp
# named after the setting, so switching it rebuilds them all.
FUNNEL_CHECKS ?= 0
ifeq ($(FUNNEL_CHECKS),1)
PG_CPPFLAGS += -DFUNNEL_CHECK_INVARIANTS
endif
CHECKS_STAMP = src/.funnel-checks-$(FUNNEL_CHECKS)
EXTRA_CLEAN += src/.funnel-checks-*

# pg_config from PATH, or PG_CONFIG=/path/to/pg_config; fall back to the newest Debian
# PostgreSQL (/usr/lib/postgresql/N/bin/pg_config, N = 15 ... 18)
PG_CONFIG ?= $(shell command -v pg_config 2>/dev/null || ls -v /usr/lib/postgresql/*/bin/pg_config 2>/dev/null | tail -n 1)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(PGXS),)
include $(PGXS)
else
all install installcheck:
	@echo "pg_config not found (PG_CONFIG=$(PG_CONFIG)): install postgresql-server-dev-N for your PostgreSQL N (15, 16, 17 or 18), or run 'make test' as root to install it" >&2; exit 1
endif

ifeq ($(EXTVERSION),)
$(error no default_version in funnel.control)
endif

# sql/funnel.sql with the generated event aggregates (sql/funnel_events.sql, made by
# sql/funnel_events.pl and checked in) in place of its line "-- @include funnel_events.sql"
sql/funnel--$(EXTVERSION).sql: sql/funnel.sql sql/funnel_events.sql
	sed -e '/^-- @include funnel_events\.sql$$/{' -e 'r sql/funnel_events.sql' -e 'd' -e '}' sql/funnel.sql > $@.tmp
	mv $@.tmp $@

# regenerate sql/funnel_events.sql after a change to its generator
.PHONY: sql-generate
sql-generate:
	perl sql/funnel_events.pl > sql/funnel_events.sql

# PGXS tracks no header dependencies (PostgreSQL's --enable-depend is not
# Debian's): every object depends on every header, so a changed struct never
# leaves a stale object behind.
$(OBJS) $(OBJS:.o=.bc): $(wildcard src/*.h) $(CHECKS_STAMP)

$(CHECKS_STAMP):
	rm -f src/.funnel-checks-*
	touch $@

.PHONY: test test-sanitize demo screenshot
test:
	@bash test/run

test-sanitize:
	@bash test/sanitize

demo:
	@bash test/demo

screenshot:
	@bash test/dashboard/screenshot.sh
