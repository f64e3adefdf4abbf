#!/bin/bash
# Ownership across guest and host (issue 14); make idmap-check.  Runs as
# root on the host, one guest boot per case, guest side tests/guest/idmap.sh.
#
#   1. vfsd as root with --translate-uid/--translate-gid map:0:100000:65536:
#      guest root's file, directory and symlink are 100000:100000 on the
#      host and 0:0 in the guest; chown to 1000 gives 101000 on the host and
#      1000 in the guest; guest user 1000's file is 101000; a host owner
#      outside the map (5000) shows as 65534; guest id 70000, outside the
#      map, can neither create a file (EPERM) nor be given one.
#   2. vfsd unprivileged (setpriv to UID:GID $user, no supplementary
#      groups) with squash-guest:0:$user:4294967295 for both kinds: every
#      file any guest user creates or chowns is $user's on the host, none
#      is root's.
#   3. vfsd unprivileged without --translate-*: virtiofsd's user namespace
#      default, guest root is the daemon's user (host $user, guest 0:0),
#      and other guest ids may not create or be given files (EPERM).
# Prints TAP; exit 0 if all pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
harness=(build/bin/vfs-harness --kernel "${KERNEL:-bookworm}")
# An id with no passwd entry and no privileges on this host.
user=${IDMAP_USER:-4242}
logs=$(mktemp -d)
shared=
trap 'rm -rf "$shared" "$logs"' EXIT

fails=0
number=0
check() { # check OK NAME [LOG]
	number=$((number + 1))
	if [ "$1" = 1 ]; then
		echo "ok $number - $2"
	else
		echo "not ok $number - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3"
		fails=$((fails + 1))
	fi
}

# boot NAME [HARNESS OPTIONS...]: the guest script on a fresh share made by
# the caller; its output in $logs/NAME, the daemon's log in $logs/NAME.daemon.
boot() {
	local name=$1
	shift
	"${harness[@]}" run --transport ours --daemon vfsd --cache none --shared "$shared" \
		--timeout 300 -q --keep-logs --results "$logs/results" "$@" -- idmap.sh \
		>"$logs/$name" 2>&1
	local rc=$? run_dir
	run_dir=$(sed -n 's/.*logs kept in \([^ ]*\).*/\1/p' "$logs/$name" | tail -n 1)
	cat "$run_dir"/daemon.log >"$logs/$name.daemon" 2>/dev/null
	check $((rc == 0)) "$name: the guest ran (exit status $rc)" "$logs/$name"
}

# The guest's view: "idmap: owner NAME UID GID" and "idmap: NAME ok|failed".
guest_owner() { sed -n "s|^idmap: owner $2 ||p" "$logs/$1" | tr -d '\r'; }
guest_result() { sed -n "s/^idmap: $2 //p" "$logs/$1" | tr -d '\r'; }
host_owner() { stat -c '%u %g' "$shared/$1" 2>/dev/null; }

# expect_owners WHERE CASE WANT NAME...: every NAME has owner WANT.
expect_owners() {
	local where=$1 case=$2 want=$3 f got bad=""
	shift 3
	for f in "$@"; do
		if [ "$where" = host ]; then got=$(host_owner "$f"); else got=$(guest_owner "$case" "$f"); fi
		[ "$got" = "$want" ] || bad+=" $f is '$got'"
	done
	check $([ -z "$bad" ] && echo 1 || echo 0) \
		"$case: on the $where, $* owned by $want${bad:+ (but$bad)}" "$logs/$case"
}

# expect_eperm CASE NAME: the guest's NAME failed with EPERM.
expect_eperm() {
	local got
	got=$(guest_result "$1" "$2")
	check $([[ "$got" == failed:*"Operation not permitted"* ]] && echo 1 || echo 0) \
		"$1: $2 refused with EPERM ($got)" "$logs/$1"
}

new_share() { # new_share OWNER
	shared=$(mktemp -d /dev/shm/vfs-idmap-XXXXXX)
	chown "$1" "$shared"
	chmod 755 "$shared"
}

echo "TAP version 13"

# 1. Root, a 1:1 map of 65536 ids.
new_share 100000:100000
echo host >"$shared/hostfile"
chown 5000:5000 "$shared/hostfile"
echo host >"$shared/mapped"
chown 101000:100000 "$shared/mapped"
boot map --daemon-arg=--translate-uid=map:0:100000:65536 \
	--daemon-arg=--translate-gid=map:0:100000:65536
expect_owners host map "100000 100000" file dir link pub
expect_owners host map "101000 101000" chowned pub/by1000
expect_owners guest map "0 0" file dir link pub
expect_owners guest map "1000 1000" chowned pub/by1000
expect_owners guest map "1000 0" mapped
expect_owners guest map "65534 65534" hostfile
expect_eperm map chown-70000
expect_eperm map user70000-create
check $([ ! -e "$shared/pub/by70000" ] && echo 1 || echo 0) "map: no file for guest id 70000"
rm -rf "$shared"

# 2. Unprivileged, every guest id squashed onto the daemon's user.
new_share "$user:$user"
echo host >"$shared/hostfile" # root's
boot squash --daemon-user "$user:$user" \
	--daemon-arg=--translate-uid=squash-guest:0:$user:4294967295 \
	--daemon-arg=--translate-gid=squash-guest:0:$user:4294967295
check $(grep -q "unprivileged" "$logs/squash.daemon" && echo 1 || echo 0) \
	"squash: vfsd ran unprivileged" "$logs/squash.daemon"
expect_owners host squash "$user $user" file dir link chowned pub pub/by1000 pub/by70000
expect_owners guest squash "$user $user" file chowned pub/by70000
# Host root's file: outside the daemon's user namespace.
expect_owners guest squash "65534 65534" hostfile
rm -rf "$shared"

# 3. Unprivileged, no rules: guest root is the daemon's user, nobody else.
new_share "$user:$user"
boot default --daemon-user "$user:$user"
expect_owners host default "$user $user" file dir link chowned pub
expect_owners guest default "0 0" file dir link chowned pub
expect_eperm default chown-1000
expect_eperm default user1000-create
rm -rf "$shared"
shared=

echo "1..$number"
exit $((fails > 0))
