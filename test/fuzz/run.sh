#!/usr/bin/env bash
# test/fuzz/run.sh: fuzz the extension's parsers (test/fuzz/README.md).
#
#   test/fuzz/run.sh replay [PATH...]     plain cc builds with a small main(): every harness
#                                         over its corpus (test/fuzz/corpus/<harness>/) plus
#                                         deterministic mutations; no clang, no libFuzzer.
#                                         PATHs: more corpus roots, harness directories
#                                         (named after their harness) or sketch inputs
#   test/fuzz/run.sh fuzz HARNESS [SECONDS]   libFuzzer run of one harness (default 60 s);
#                                         HARNESS "all" runs every harness in turn
#   test/fuzz/run.sh list                 the harness names
#   test/fuzz/run.sh seeds                rewrite the seed corpus from a running server with
#                                         the extension installed (PGHOST etc.)
#   test/fuzz/run.sh [SECONDS]            the sketch harness, as before
#
# Environment:
#   PG_CONFIG        pg_config of the server headers (default: PATH, then Debian's)
#   FUZZ_WORK        where libFuzzer keeps its growing corpus and crash files
#                    (default /tmp/funnel-fuzz; <harness>/corpus, <harness>/artifacts)
#   FUZZ_JOBS        parallel libFuzzer processes of one harness (default 1)
#   FUZZ_RUNS        stop after this many executions instead of SECONDS (-runs)
#   FUZZ_NO_BUILD    set: use the binaries already in $FUZZ_WORK/bin (parallel runs)
#   FUZZ_MUTATIONS   mutations per corpus file in replay mode (default 150; the sketch
#                    harness: FUZZ_SKETCH_MUTATIONS, default 20000 in all)
#   FUNNEL_FUZZ_ALLOW  SQLSTATEs to tolerate for now (known bugs not fixed yet)
#   CC               compiler for replay mode (default cc)
#   FUZZ_REPLAY_SANITIZE  set: replay built with ASan and UBSan (make test-sanitize)
# A crash: reproduce with  FUNNEL_FUZZ_TARGET=HARNESS $FUZZ_WORK/bin/fuzz_HARNESS FILE
# or without clang:        test/fuzz/run.sh replay DIR_NAMED_AFTER_HARNESS
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=sketch
case "${1:-}" in
	replay|fuzz|list|seeds) MODE=$1; shift ;;
	-h|--help) sed -n '2,28p' "$0"; exit 0 ;;
esac

HARNESSES="pipeline_in pipeline_recv summary_in summary_recv journey_in journey_recv events_in
events_recv conversion_in conversion_recv pipeline_flow_in pipeline_flow_recv winrate_curve_in
winrate_curve_recv stage_outcomes_in stage_outcomes_recv stage_value_in stage_value_recv
next_step_events_in next_step_events_recv next_steps_in next_steps_recv sequence_in sequence_recv sequence_pattern window_funnel_mode
sketch"
if [ "$MODE" = list ]; then echo $HARNESSES | tr ' ' '\n'; exit 0; fi

PG_CONFIG=${PG_CONFIG:-$(command -v pg_config || echo /usr/lib/postgresql/15/bin/pg_config)}
INC=$("$PG_CONFIG" --includedir-server)
PGLIBS=""
for lib in libpgcommon_shlib.a libpgport_shlib.a; do
	for d in "$("$PG_CONFIG" --pkglibdir)" "$("$PG_CONFIG" --libdir)"; do
		if [ -f "$d/$lib" ]; then PGLIBS="$PGLIBS $d/$lib"; break; fi
	done
done
SRC="src/conversion.c src/journey.c src/numsum.c src/pipeline.c src/sketch.c src/sketch_pg.c
src/textform.c src/duration.c src/registry_names.c src/state.c src/state_cache.c src/summary.c src/events.c src/events_mode.c
src/events_pattern.c src/window_funnel.c src/sequence.c src/seqstore.c src/wire_names.c src/history.c src/survival.c src/winrate.c src/defrecord.c src/learned.c src/stagetime.c src/nextstep.c src/srf.c test/fuzz/pgshim.c test/fuzz/funnel_fuzz.c"
SKETCH_SRC="test/fuzz/sketch_fuzz.c src/sketch.c"
CFLAGS_COMMON="-g -I$INC -Isrc -Itest/fuzz -Wall -Wno-unused-parameter -Wno-missing-field-initializers"

# Known bugs not fixed yet can be tolerated so that a run gets past them:
# FUNNEL_FUZZ_ALLOW (SQLSTATEs), FUNNEL_FUZZ_KNOWN (funnel_fuzz.c), FUZZ_UBSAN_SKIP (UBSan
# checks to leave out, e.g. nonnull-attribute,float-cast-overflow).  None by default.
export FUNNEL_FUZZ_ALLOW=${FUNNEL_FUZZ_ALLOW-}
export FUNNEL_FUZZ_KNOWN=${FUNNEL_FUZZ_KNOWN-}
FUZZ_UBSAN_SKIP=${FUZZ_UBSAN_SKIP-}

BUILD=$(mktemp -d /tmp/funnel-fuzz-build.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT

build_replay() {
	local san=""
	: "${CC:=cc}"
	# FUZZ_REPLAY_SANITIZE (make test-sanitize): the replay under ASan and UBSan
	if [ -n "${FUZZ_REPLAY_SANITIZE:-}" ]; then
		san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
		[ -n "$FUZZ_UBSAN_SKIP" ] && san="$san -fno-sanitize=$FUZZ_UBSAN_SKIP"
		export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
	fi
	# shellcheck disable=SC2086
	$CC -O1 $san $CFLAGS_COMMON -Werror -DFUNNEL_FUZZ_MAIN -o "$BUILD/funnel_replay" $SRC $PGLIBS -lm
	# shellcheck disable=SC2086
	$CC -std=c99 -O1 -g $san -Wall -Wextra -Werror -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SKETCH_SRC -lm
}

# The backend shim (pgshim.c) re-implements the pieces of PostgreSQL 15's backend API the
# parsers use; later majors changed some of those signatures (DecodeDateTime, DecodeSpecial,
# the noreturn attribute).  Elsewhere the replay covers the quantile sketch only, and says so.
PG_MAJOR_FUZZ=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
if [ "$MODE" = replay ] && [ "$PG_MAJOR_FUZZ" != 15 ]; then
	echo "funnel harnesses skipped: the backend shim targets PostgreSQL 15's API (found $PG_MAJOR_FUZZ); replaying the sketch harness only"
	: "${CC:=cc}"
	# shellcheck disable=SC2086
	$CC -std=c99 -O1 -g -Wall -Wextra -Werror -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SKETCH_SRC -lm
	sketch_paths=(test/fuzz/corpus/sketch)
	"$BUILD/sketch_replay" --mutate "${FUZZ_SKETCH_MUTATIONS:-20000}" "${sketch_paths[@]}"
	exit 0
fi

if [ "$MODE" = replay ]; then
	[ -n "$PGLIBS" ] || { echo "libpgcommon_shlib.a not found (postgresql-server-dev-15)" >&2; exit 2; }
	build_replay
	funnel_paths=(test/fuzz/corpus)
	sketch_paths=(test/fuzz/corpus/sketch)
	for p in "$@"; do
		case "$(basename "$p")" in
			sketch) sketch_paths+=("$p") ;;
			*) if [ -d "$p" ]; then funnel_paths+=("$p"); else sketch_paths+=("$p"); fi ;;
		esac
	done
	"$BUILD/funnel_replay" --mutate "${FUZZ_MUTATIONS:-150}" "${funnel_paths[@]}"
	"$BUILD/sketch_replay" --mutate "${FUZZ_SKETCH_MUTATIONS:-20000}" "${sketch_paths[@]}"
	exit 0
fi

if [ "$MODE" = seeds ]; then
	bash test/fuzz/seeds.sh
	build_replay
	# the *_recv seeds are derived again, but for the findings and the OID forms that
	# send wrote before 1.1 (*.oid.bin), which recv still reads and no send writes now
	find test/fuzz/corpus -path '*_recv/*' -type f ! -name 'finding_*' ! -name '*.oid.bin' -delete
	"$BUILD/funnel_replay" --binary-seeds test/fuzz/corpus
	exit 0
fi

fuzzer_builds() {
	command -v clang >/dev/null 2>&1 &&
		printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' \
			>"$BUILD/probe.c" &&
		clang -fsanitize=fuzzer,address,undefined -o "$BUILD/probe" "$BUILD/probe.c" >/dev/null 2>&1
}

if ! fuzzer_builds; then
	if [ "$(id -u)" = 0 ]; then
		echo "== installing clang and libclang-rt-dev (libFuzzer)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
	fi
	fuzzer_builds || {
		echo "clang with libFuzzer is needed: apt-get install clang libclang-rt-dev (Debian 12: clang 14)" >&2
		exit 2
	}
fi

FUZZ_WORK=${FUZZ_WORK:-/tmp/funnel-fuzz}
FLAGS="-O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
[ -n "$FUZZ_UBSAN_SKIP" ] && FLAGS="$FLAGS -fno-sanitize=$FUZZ_UBSAN_SKIP"

# the libFuzzer binaries: one program, one name per harness (fuzz_<harness>)
build_fuzz() {
	mkdir -p "$FUZZ_WORK/bin"
	# the shim itself carries no coverage instrumentation (it is not under test)
	# shellcheck disable=SC2086
	clang ${FLAGS/fuzzer,/fuzzer-no-link,} -fsanitize-coverage=0 $CFLAGS_COMMON -Wno-ignored-attributes \
		-c -o "$BUILD/pgshim.o" test/fuzz/pgshim.c
	# shellcheck disable=SC2086
	clang $FLAGS $CFLAGS_COMMON -Wno-ignored-attributes -o "$FUZZ_WORK/bin/funnel_fuzz" \
		${SRC/test\/fuzz\/pgshim.c/} "$BUILD/pgshim.o" $PGLIBS -lm
	# shellcheck disable=SC2086
	clang -std=c99 $FLAGS -g -o "$FUZZ_WORK/bin/fuzz_sketch" $SKETCH_SRC -lm
	for h in $HARNESSES; do
		[ "$h" = sketch ] || ln -f "$FUZZ_WORK/bin/funnel_fuzz" "$FUZZ_WORK/bin/fuzz_$h"
	done
	cc -std=c99 -O1 -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SKETCH_SRC -lm
}

# fuzz_one HARNESS SECONDS: libFuzzer over a copy of the committed corpus
fuzz_one() {
	local h=$1 secs=$2 corpus="$FUZZ_WORK/$1/corpus" art="$FUZZ_WORK/$1/artifacts"
	local max_len=16384 dict=() jobs=() limit=(-max_total_time="$secs")
	mkdir -p "$corpus" "$art"
	cp -n test/fuzz/corpus/"$h"/* "$corpus"/ 2>/dev/null || true
	case "$h" in
		*_in) dict=(-dict="$PWD/test/fuzz/json.dict") ;;
		sequence_pattern|window_funnel_mode) max_len=2048 ;;
		sketch) max_len=140000; "$BUILD/sketch_replay" --seeds "$corpus" >/dev/null ;;
	esac
	if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS"); fi
	if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS"); fi
	echo "== fuzzing $h for ${secs}s (corpus $corpus, crashes in $art)"
	(cd "$art" && "$FUZZ_WORK/bin/fuzz_$h" "${limit[@]}" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=4096 "${dict[@]}" "${jobs[@]}" -artifact_prefix="$art/" \
		-print_final_stats=1 "$corpus")
}

if [ -n "${FUZZ_NO_BUILD:-}" ] && [ -x "$FUZZ_WORK/bin/fuzz_sketch" ]; then
	cc -std=c99 -O1 -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SKETCH_SRC -lm
else
	build_fuzz
fi
if [ "$MODE" = sketch ]; then
	fuzz_one sketch "${1:-60}"
	exit $?
fi
HARNESS=${1:?"usage: test/fuzz/run.sh fuzz HARNESS|all [SECONDS]"}
SECS=${2:-60}
if [ "$HARNESS" = all ]; then
	for h in $HARNESSES; do fuzz_one "$h" "$SECS"; done
else
	echo " $HARNESSES " | tr '\n' ' ' | grep -q " $HARNESS " || { echo "unknown harness $HARNESS (run.sh list)" >&2; exit 2; }
	fuzz_one "$HARNESS" "$SECS"
fi
