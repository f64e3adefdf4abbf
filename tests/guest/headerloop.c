// headerloop LIST REPEATS: what a compiler does with its headers, REPEATS
// times over LIST: open, fstat, read the whole file, close.  Prints the bytes
// read so that a short read shows; exits 1 on any error or when a read
// returns less than fstat said.
#include "path_list.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_one(const char *path, char *buf, size_t cap, unsigned long long *bytes)
{
	struct stat st;
	ssize_t got;
	size_t total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	while ((got = read(fd, buf, cap)) > 0)
		total += (size_t)got;
	close(fd);
	*bytes += total;
	return got < 0 || total != (size_t)st.st_size ? -1 : 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct path_list list;
	unsigned long long bytes = 0;
	unsigned long failed = 0;
	int repeats, r;
	size_t i;

	if (argc != 3 || (repeats = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: headerloop LIST REPEATS\n");
		return 2;
	}
	if (path_list_read(argv[1], &list))
		return 2;
	for (r = 0; r < repeats; r++) {
		for (i = 0; i < list.count; i++) {
			if (read_one(list.paths[i], buf, sizeof(buf), &bytes) && !failed++)
				perror(list.paths[i]);
		}
	}
	printf("headerloop: %zu files x %d: %llu bytes, %lu failed\n", list.count, repeats, bytes,
	       failed);
	path_list_free(&list);
	return failed ? 1 : 0;
}
