#!/bin/sh
# Fetch Debian 13's Rust virtiofsd (package `virtiofsd`, not in Debian 12)
# with the trixie libraries it links, and make it runnable on this Debian 12
# host through trixie's own dynamic loader.
#
# usage: fetch-virtiofsd-rs.sh [OUT]     (OUT defaults to build/virtiofsd-rs)
#
# Output (all under OUT):
#   root/        the packages unpacked with dpkg-deb -x (usr/libexec/virtiofsd,
#                usr/lib/x86_64-linux-gnu/{ld-linux-x86-64.so.2,libc.so.6,...})
#   virtiofsd    a wrapper: runs root/usr/libexec/virtiofsd through
#                root/.../ld-linux-x86-64.so.2 --library-path root/...
#                (arguments passed on; `vfs-harness --daemon virtiofsd-rs`
#                runs it)
#   version      the virtiofsd package version, e.g. 1.13.2-1
#
# The binary needs trixie's glibc (>= 2.39); running it through that glibc's
# loader with an explicit library path leaves the host's libraries alone.
# Packages come from Debian's archive through a private apt configuration in
# OUT/apt (the host's sources stay as they are; the mirror is the one the
# host uses for bookworm, or $VFS_DEBIAN_MIRROR).  Once fetched, a run without
# network access keeps what is there.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$here/../build/virtiofsd-rs}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LIBDIR=usr/lib/x86_64-linux-gnu
LOADER=$LIBDIR/ld-linux-x86-64.so.2

log() { echo "fetch-virtiofsd-rs: $*" >&2; }

have_install() {
	[ -x "$OUT/virtiofsd" ] && [ -f "$OUT/version" ] && [ -x "$OUT/root/usr/libexec/virtiofsd" ]
}

mirror=${VFS_DEBIAN_MIRROR:-$("$here/debian-sources.sh" bookworm | head -n1 | cut -d" " -f1)}
if [ -z "$mirror" ]; then
	have_install && exit 0
	log "no Debian mirror in the apt sources; set VFS_DEBIAN_MIRROR"
	exit 1
fi
apt=$OUT/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
	>"$apt/sources.list"
APT_OPTS="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
if ! apt-get $APT_OPTS -q update >"$apt/update.log" 2>&1; then
	if have_install; then
		log "apt-get update for trixie failed; keeping virtiofsd $(cat "$OUT/version")"
		exit 0
	fi
	log "apt-get update for trixie failed:"
	tail -n 5 "$apt/update.log" >&2
	exit 1
fi
# shellcheck disable=SC2086
apt_cache() { apt-cache $APT_OPTS "$@"; }

version=$(apt_cache policy virtiofsd | sed -n 's/ *Candidate: //p')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	# apt-get update exits 0 when a mirror cannot be reached; the lists are empty.
	if have_install; then
		log "no trixie virtiofsd package listed (network?); keeping $(cat "$OUT/version")"
		exit 0
	fi
	log "trixie has no virtiofsd package (see $apt/update.log)"
	exit 1
fi
if have_install && [ "$(cat "$OUT/version")" = "$version" ]; then
	exit 0
fi

# virtiofsd's own dependencies (first alternative each) plus libc6's: the
# shared libraries the binary loads, and the loader itself.
direct=$(apt_cache depends virtiofsd | sed -n 's/^  Depends: \([a-z0-9][a-z0-9.+-]*\)$/\1/p')
pkgs="virtiofsd libc6"
for p in $direct $(apt_cache depends libc6 | sed -n 's/^  Depends: \([a-z0-9][a-z0-9.+-]*\)$/\1/p'); do
	case " $pkgs " in *" $p "*) ;; *) pkgs="$pkgs $p" ;; esac
done
log "trixie virtiofsd $version with$(echo " $pkgs" | sed 's/ virtiofsd//')"

dl=$OUT/download
rm -rf "$dl" "$OUT/root.new"
mkdir -p "$dl"
# shellcheck disable=SC2086
(cd "$dl" && apt-get $APT_OPTS -q download $pkgs >"$dl/download.log" 2>&1) ||
	{ log "apt-get download failed:"; tail -n 5 "$dl/download.log" >&2; exit 1; }
for deb in "$dl"/*.deb; do
	dpkg-deb -x "$deb" "$OUT/root.new"
done
[ -x "$OUT/root.new/usr/libexec/virtiofsd" ] || { log "no usr/libexec/virtiofsd in the package"; exit 1; }
[ -x "$OUT/root.new/$LOADER" ] || { log "no $LOADER in libc6"; exit 1; }

# Every library the binary needs must resolve inside the unpacked tree.
missing=$("$OUT/root.new/$LOADER" --library-path "$OUT/root.new/$LIBDIR" \
	--list "$OUT/root.new/usr/libexec/virtiofsd" | grep 'not found' || true)
[ -z "$missing" ] || { log "unresolved libraries:"; echo "$missing" >&2; exit 1; }

rm -rf "$OUT/root" "$dl"
mv "$OUT/root.new" "$OUT/root"
cat >"$OUT/virtiofsd" <<'EOF'
#!/bin/sh
# Debian 13's virtiofsd through Debian 13's loader (scripts/fetch-virtiofsd-rs.sh).
root=$(dirname "$(readlink -f "$0")")/root
exec "$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" \
	--library-path "$root/usr/lib/x86_64-linux-gnu" "$root/usr/libexec/virtiofsd" "$@"
EOF
chmod +x "$OUT/virtiofsd"
"$OUT/virtiofsd" --version >&2
echo "$version" >"$OUT/version"
