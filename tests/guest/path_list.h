/* A list of paths read from a file, one per line, for the metadata benchmark's
 * stat storm and build-like loop. */
#ifndef PATH_LIST_H
#define PATH_LIST_H

#include <stddef.h>

struct path_list {
	char **paths;
	size_t count;
	char *text; /* the file's contents; paths point into it */
};

/* 0, or -1 with errno set (and a message on stderr). */
int path_list_read(const char *file, struct path_list *list);
void path_list_free(struct path_list *list);

#endif
