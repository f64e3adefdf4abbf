// statstorm LIST REPEATS: lstat() every path in LIST (one per line), REPEATS
// times over.  The metadata benchmark's stat storm: with cache=none each
// lstat is a FUSE round trip, with a valid attribute cache none is.  Exits 1
// if any lstat fails (a wrong answer must not pass as a fast one).
#include "path_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	struct path_list list;
	unsigned long failed = 0;
	int repeats, r;
	size_t i;

	if (argc != 3 || (repeats = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: statstorm LIST REPEATS\n");
		return 2;
	}
	if (path_list_read(argv[1], &list))
		return 2;
	for (r = 0; r < repeats; r++) {
		for (i = 0; i < list.count; i++) {
			struct stat st;

			if (lstat(list.paths[i], &st)) {
				if (!failed++)
					perror(list.paths[i]);
			}
		}
	}
	printf("statstorm: %zu paths x %d: %lu failed\n", list.count, repeats, failed);
	path_list_free(&list);
	return failed ? 1 : 0;
}
