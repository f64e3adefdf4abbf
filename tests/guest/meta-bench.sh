#!/bin/sh
# In-guest side of the metadata benchmark (vfs-harness bench --metadata):
#
#   meta-bench.sh TREE REPEATS [WORKLOAD...]
#
# TREE is a git checkout on the share (the harness commits it on the host
# before the boot and leaves a few files modified).  The index is refreshed
# first; each workload runs once unmeasured (caches fill as they would in use),
# then REPEATS times, each timed by timeit; output lines:
#
#   @@META <workload> <rep> <milliseconds> <exit status>
#   @@META-SETUP-FAILED <why>
#   @@META-DONE
#
# Workloads: git-status, git-diff-stat, find, statstorm, headerloop.
tree=$1
repeats=$2
shift 2
[ $# -gt 0 ] || set -- git-status git-diff-stat find statstorm headerloop
export HOME=/root GIT_CONFIG_NOSYSTEM=1

cd "$tree" 2>/dev/null || {
	echo "@@META-SETUP-FAILED no tree at $tree"
	exit 1
}
git rev-parse --git-dir >/dev/null 2>&1 || {
	echo "@@META-SETUP-FAILED $tree is not a git checkout (or git does not run in the guest)"
	exit 1
}
# The copy has new inode numbers and ctimes: refresh the index once, so that
# git status measures stat calls, not hashing every file again.
git update-index -q --refresh >/dev/null 2>&1
# Path lists on the guest's tmpfs, not on the share under test.
find . -path ./.git -prune -o -type f -print >/tmp/meta-all.list
grep '\.h$' /tmp/meta-all.list >/tmp/meta-headers.list
echo "@@META-TREE $(wc -l </tmp/meta-all.list) files, $(wc -l </tmp/meta-headers.list) headers"

run() {
	case $1 in
	git-status) timeit git status --porcelain ;;
	git-diff-stat) timeit git diff --stat ;;
	find) timeit find . \( -newer .git/HEAD -o -size +16k \) -print ;;
	statstorm) timeit statstorm /tmp/meta-all.list 3 ;;
	headerloop) timeit headerloop /tmp/meta-headers.list 1 ;;
	*) echo "0 127" ;;
	esac
}

for w in "$@"; do
	run "$w" >/dev/null
	rep=0
	while [ $rep -lt "$repeats" ]; do
		echo "@@META $w $rep $(run "$w")"
		rep=$((rep + 1))
	done
done
echo "@@META-DONE"
