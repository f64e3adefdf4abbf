#include "path_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int path_list_read(const char *file, struct path_list *list)
{
	FILE *f = fopen(file, "r");
	size_t len = 0, cap = 0, n = 0, i;
	char *line;

	memset(list, 0, sizeof(*list));
	if (!f) {
		perror(file);
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			list->text = realloc(list->text, cap);
			if (!list->text)
				goto fail;
		}
		size_t got = fread(list->text + len, 1, cap - len - 1, f);

		if (got == 0)
			break;
		len += got;
	}
	list->text[len] = '\0';
	for (i = 0; i < len; i++)
		n += list->text[i] == '\n';
	list->paths = calloc(n + 1, sizeof(char *));
	if (!list->paths)
		goto fail;
	for (line = strtok(list->text, "\n"); line; line = strtok(NULL, "\n"))
		list->paths[list->count++] = line;
	fclose(f);
	return 0;
fail:
	fclose(f);
	path_list_free(list);
	return -1;
}

void path_list_free(struct path_list *list)
{
	free(list->paths);
	free(list->text);
	memset(list, 0, sizeof(*list));
}
