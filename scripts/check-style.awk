# check-style.awk: the checks of scripts/check-style.sh, one rule a block.
FNR == 1 { incomment = 0 }
{
	line = $0
	# Column count with tabs at 8.
	col = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (c == "\t") col = col + 8 - col % 8
		else col++
	}
	if (col > 80) { print FILENAME ":" FNR ": longer than 80 columns"; bad++ }
	code = line
	gsub(/'([^'\\]|\\.)'/, "''", code)
	gsub(/"([^"\\]|\\.)*"/, "\"\"", code)
	if (code ~ /^[ \t]*(\*|\/\*)/) code = ""
	gsub(/\/\*.*\*\//, "", code)
	if (code ~ /\/\*/) { sub(/\/\*.*/, "", code); }
	if (code ~ /(^|[^:])\/\//) { print FILENAME ":" FNR ": // comment"; bad++ }
	if (code ~ /(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|sscanf|gets)[ \t]*\(/) {
		print FILENAME ":" FNR ": banned function"; bad++
	}
	if (code ~ /(^|[^a-z_])if *\(.*[^=!<>]=[^=].*\)/ && code !~ /for *\(/ ) {
		tmp = code
		gsub(/[=!<>]=/, "", tmp)
		if (tmp ~ /if *\(\(*[^=]*[^=]=[^=]/) {
			print FILENAME ":" FNR ": assignment inside a condition"; bad++
		}
	}
	if (FILENAME ~ /^lib\// && code ~ /(^|[^a-z_])(malloc|calloc|realloc|free|strdup|strndup)[ \t]*\(/ && FILENAME != "lib/alloc.c") {
		print FILENAME ":" FNR ": raw allocation outside lib/alloc.c"; bad++
	}
}
END { if (bad > 0) { print bad " style problem(s)"; exit 1 } }
