#!/bin/sh
# make check-style: the rules of STYLE.md that a script can check, over
# every C file of the project.  Prints each offence as file:line: rule and
# fails when there is any.
set -u
files=$(ls lib/*.[ch] cgi-bin/*.c cli/*.[ch] mock-provider/*.[ch] \
    spec/*.[ch] 2>/dev/null)
[ -n "$files" ] || exit 0
# shellcheck disable=SC2086
awk -f scripts/check-style.awk $files
