#!/usr/bin/env bash
# test/fuzz/run.sh: fuzz the quantile sketch's deserializer (test/fuzz/sketch_fuzz.c).
#
#   test/fuzz/run.sh [fuzz] [SECONDS]     libFuzzer run, default 60 s (clang; installed if
#                                         missing and we are root)
#   test/fuzz/run.sh replay [PATH...]     plain cc build with a small main(): replays the
#                                         built-in seed corpus, every file under PATH... (and
#                                         test/fuzz/corpus if it exists), plus deterministic
#                                         mutations of the seeds; no clang, no libFuzzer
#
# Environment:
#   FUZZ_CORPUS   corpus directory the fuzzer grows (default /tmp/funnel-sketch-fuzz/corpus;
#                 seeds from valid serialized sketches are written into it first)
#   FUZZ_JOBS     parallel libFuzzer workers (default 1)
#   FUZZ_MUTATIONS  number of mutations in replay mode (default 20000)
#   CC            compiler for replay mode (default cc)
# Crashes are written to $FUZZ_ARTIFACTS (default /tmp/funnel-sketch-fuzz/artifacts); replay
# one with: test/fuzz/run.sh replay /path/to/crash-file
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=fuzz
case "${1:-}" in
	fuzz) MODE=fuzz; shift ;;
	replay) MODE=replay; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
esac

SRC="test/fuzz/sketch_fuzz.c src/sketch.c"
BUILD=$(mktemp -d /tmp/funnel-sketch-fuzz-build.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT

if [ "$MODE" = replay ]; then
	: "${CC:=cc}"
	$CC -std=c99 -O1 -g -Wall -Wextra -Werror -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SRC -lm
	paths=("$@")
	[ -d test/fuzz/corpus ] && paths+=(test/fuzz/corpus)
	"$BUILD/sketch_replay" --mutate "${FUZZ_MUTATIONS:-20000}" "${paths[@]}"
	exit $?
fi

SECONDS_TO_RUN=${1:-60}
CORPUS=${FUZZ_CORPUS:-/tmp/funnel-sketch-fuzz/corpus}
ARTIFACTS=${FUZZ_ARTIFACTS:-/tmp/funnel-sketch-fuzz/artifacts}
FLAGS="-std=c99 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"

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

# shellcheck disable=SC2086
clang $FLAGS -o "$BUILD/sketch_fuzz" $SRC -lm
# seeds: valid serialized sketches, written by the standalone build
cc -std=c99 -O1 -DQS_FUZZ_MAIN -o "$BUILD/sketch_replay" $SRC -lm
mkdir -p "$CORPUS" "$ARTIFACTS"
"$BUILD/sketch_replay" --seeds "$CORPUS" >/dev/null

JOBS=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
	# parallel workers log to fuzz-N.log in the current directory: run them in $ARTIFACTS
	JOBS=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
	cd "$ARTIFACTS"
fi
echo "== fuzzing qs_deserialize for ${SECONDS_TO_RUN}s (corpus $CORPUS, artifacts $ARTIFACTS)"
"$BUILD/sketch_fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=140000 -len_control=50 \
	"${JOBS[@]}" -artifact_prefix="$ARTIFACTS/" -print_final_stats=1 "$CORPUS"
