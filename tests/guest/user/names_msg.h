/* The messages of child.c's "names" mode (test_regkept.c): a name to
 * resolve through the child's own root, and what came of it. */
#ifndef UTEST_NAMES_MSG_H
#define UTEST_NAMES_MSG_H

#include "lightos/registry.h"

struct names_ask {
	uint32_t rights;
	/* 0: open now. Else open on a thread of its own, kill that thread
	 * this many ms later and join it (the answer's status: CANCELED, or
	 * the open's own if it ended first). */
	uint32_t kill_after_ms;
	/* With kill_after_ms: a name opened (on the main thread) before the
	 * kill, "" for none. */
	char during[64];
	char name[LO_REGISTRY_PATH_MAX + 8];   /* NUL-terminated by the reader */
};

struct names_answer {
	int32_t status;      /* of the open (with kill_after_ms: the thread's) */
	int32_t during;      /* of the `during` open */
	uint32_t rights;     /* of the object opened */
	uint64_t id;         /* its object id */
	uint32_t kept;       /* lo_registry_kept_mounts() after the open */
};

#endif
