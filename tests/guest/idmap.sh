#!/bin/sh
# idmap.sh [DIR]: run in the guest by tests/idmap/check.sh.  As guest root,
# makes a file, a directory and a symlink in DIR (default /mnt), chowns a
# file to 1000 and then to 70000, and lets guest users 1000 and 70000 create
# files in a sticky world-writable directory; prints one "idmap: ..." line
# per result and per owner seen (uid gid, as stat shows them in the guest).
# The host side decides what is right for the daemon's id translation.
d=${1:-/mnt}

result() { # result NAME CMD...
	name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "idmap: $name ok"
	else
		echo "idmap: $name failed: $out"
	fi
}

as_user() { # as_user UID SHELL-LINE: busybox su needs a passwd entry
	grep -q "^u$1:" /etc/passwd 2>/dev/null || echo "u$1:x:$1:$1::/:/bin/sh" >>/etc/passwd
	su -s /bin/sh -c "$2" "u$1"
}

result create sh -c "echo data >$d/file"
result mkdir mkdir "$d/dir"
result symlink ln -s file "$d/link"
result create-chowned sh -c "echo c >$d/chowned"
result chown-1000 chown 1000:1000 "$d/chowned"
result chown-70000 chown 70000:70000 "$d/chowned"
result mkdir-pub sh -c "mkdir $d/pub && chmod 1777 $d/pub"
result user1000-create as_user 1000 "echo u >$d/pub/by1000"
result user70000-create as_user 70000 "echo u >$d/pub/by70000"
for f in file dir link chowned pub pub/by1000 pub/by70000 hostfile mapped; do
	[ -e "$d/$f" ] || [ -L "$d/$f" ] || continue
	echo "idmap: owner $f $(stat -c '%u %g' "$d/$f")"
done
