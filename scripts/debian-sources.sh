#!/bin/sh
# Print "URI SUITE" for each apt source of this machine that serves Debian 12
# (bookworm, bookworm-updates, bookworm-security) with component main, in the
# order apt reads them (one-line sources.list and deb822 .sources).  Used to
# point debootstrap and chroots at the mirror the machine is configured for.
set -eu
SUITES=${1:-"bookworm bookworm-updates bookworm-security"}

for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	awk -v want=" $SUITES " '$1 == "deb" {
		i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
		if (index(want, " " $(i + 1) " ")) {
			for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i, $(i + 1); break }
		}
	}' "$f"
done
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk -v want=" $SUITES " '
	function flush(   n, u, s, i, j) {
		if (types ~ /(^| )deb( |$)/ && (" " comps " ") ~ / main /) {
			n = split(uris, u, " "); split(suites, s, " ")
			for (j in s) if (index(want, " " s[j] " ")) for (i = 1; i <= n; i++) print u[i], s[j]
		}
		types = uris = suites = comps = ""
	}
	/^[ \t]*$/ { flush(); next }
	/^#/ { next }
	tolower($1) == "types:" { $1 = ""; types = $0 }
	tolower($1) == "uris:" { $1 = ""; uris = $0 }
	tolower($1) == "suites:" { $1 = ""; suites = $0 }
	tolower($1) == "components:" { $1 = ""; comps = $0 }
	END { flush() }' "$f"
done
