/* Names and paths: pure string work, tested on the host. */
#include "lightos/registry.h"

status_t lo_name_split(const char *name, char *registry, size_t registry_size,
		       const char **path)
{
	size_t n = 0;
	while (name[n] && name[n] != ':') {
		if (n > LO_REGISTRY_NAME_MAX)
			return LO_ERR_NAME_TOO_LONG;
		n++;
	}
	if (name[n] != ':' || n == 0)
		return LO_ERR_INVALID_ARGS;
	if (n + 1 > registry_size)
		return LO_ERR_NAME_TOO_LONG;
	for (size_t i = 0; i < n; i++)
		registry[i] = name[i];
	registry[n] = '\0';
	*path = name + n + 1;
	size_t plen = 0;
	while ((*path)[plen]) {
		if (++plen > LO_REGISTRY_PATH_MAX)
			return LO_ERR_NAME_TOO_LONG;
	}
	return LO_OK;
}

size_t lo_path_first(const char *path, const char **start, const char **rest)
{
	while (*path == '/')
		path++;
	const char *end = path;
	while (*end && *end != '/')
		end++;
	const char *next = end;   /* locals: no store through rest per byte */
	while (*next == '/')
		next++;
	*start = path;
	*rest = next;
	return (size_t)(end - path);
}
