#!/bin/sh
# Runs every Check suite named on the command line and prints one summary
# line; fails when any suite fails.  Suites find the build through
# CGIAUTH_BUILD and start the servers they need themselves.
set -u
B=$1; shift
CGIAUTH_BUILD=$B; export CGIAUTH_BUILD
CK_FORK=yes; export CK_FORK
passed=0; failed=0; bad=""
for t in "$@"; do
	name=$(basename "$t")
	echo "== $name"
	if "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); bad="$bad $name"
	fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed suites:$bad"; exit 1; }
