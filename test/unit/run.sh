#!/usr/bin/env bash
# test/unit/run.sh: build and run the plain-C unit tests (TAP on stdout).
#
#   test/unit/run.sh              cc -std=c99 -O2 -Wall -Wextra -Werror, then run
#   test/unit/run.sh --valgrind   the same binary under valgrind --leak-check=full
#   test/unit/run.sh --asan       clang (or cc) -fsanitize=address,undefined
#
# Exit status 0 only when the build succeeds and every test passes.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=${1:-plain}
BUILD=$(mktemp -d /tmp/funnel-unit.XXXXXX)
trap 'rm -rf "$BUILD"' EXIT
SRC="test/unit/sketch_test.c src/sketch.c"
WARN="-std=c99 -Wall -Wextra -Werror"

case "$MODE" in
	plain)
		${CC:-cc} $WARN -O2 -o "$BUILD/sketch_test" $SRC -lm
		"$BUILD/sketch_test"
		;;
	--valgrind)
		command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
		${CC:-cc} $WARN -O2 -g -o "$BUILD/sketch_test" $SRC -lm
		valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
			"$BUILD/sketch_test"
		;;
	--asan)
		SAN_CC=${CC:-$(command -v clang || echo cc)}
		$SAN_CC $WARN -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
			-fno-omit-frame-pointer -o "$BUILD/sketch_test" $SRC -lm
		ASAN_OPTIONS=detect_leaks=1 "$BUILD/sketch_test"
		;;
	*)
		sed -n '2,8p' "$0" >&2
		exit 2
		;;
esac
