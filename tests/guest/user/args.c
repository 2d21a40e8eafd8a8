/* Command-line options of the test suite (args.h). */
#include "args.h"

/* Options and how many words follow each (fuzz's classes are optional,
 * and nothing follows them on the fuzz entry's line). */
static const struct {
	const char *name;
	unsigned words;
} options[] = {
	{ "only", 2 },
	{ "fuzz", 3 },
};

static const char *skip_spaces(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static size_t word_length(const char *p)
{
	size_t n = 0;
	while (p[n] && p[n] != ' ')
		n++;
	return n;
}

static int word_is(const char *w, size_t n, const char *name)
{
	size_t i = 0;
	while (i < n && name[i] && w[i] == name[i])
		i++;
	return i == n && name[i] == '\0';
}

/* How many words follow the option word w (0: not an option). */
static unsigned option_words(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		if (word_is(w, n, options[i].name))
			return options[i].words;
	}
	return 0;
}

const char *args_option(const char *args, const char *name)
{
	const char *p = skip_spaces(args);
	while (*p) {
		size_t n = word_length(p);
		if (word_is(p, n, name))
			return p + n;
		unsigned skip = option_words(p, n);
		p = skip_spaces(p + n);
		for (; skip && *p; skip--)
			p = skip_spaces(p + word_length(p));
	}
	return NULL;
}

size_t args_word(const char **p, char *out, size_t size)
{
	const char *w = skip_spaces(*p);
	size_t n = word_length(w);
	size_t copied = 0;
	while (copied < n && copied + 1 < size) {
		out[copied] = w[copied];
		copied++;
	}
	if (size)
		out[copied] = '\0';
	*p = w + n;
	return copied;
}

uint64_t args_number(const char **p)
{
	const char *w = skip_spaces(*p);
	uint64_t v = 0;
	while (*w >= '0' && *w <= '9')
		v = v * 10 + (uint64_t)(*w++ - '0');
	*p = w + word_length(w);
	return v;
}
