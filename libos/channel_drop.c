/* lo_channel_drop: take a message off a channel whatever its size. A read
 * too small for the next message leaves it queued (BUFFER_TOO_SMALL), so a
 * server that cannot take it whole would read the same message for ever;
 * this reads it into a buffer of its own size and closes its handles. */
#include "lightos/protocols.h"
#include "lightos/runtime.h"

#define DROP_MAX_HANDLES 64   /* a message never carries more (idl/channel.idl) */

status_t lo_channel_drop(lo_channel_t ch, void *prefix, uint32_t size)
{
	lo_memset(prefix, 0, size);
	for (;;) {
		struct lo_channel_read_result got;
		status_t st = lo_channel_read(ch, NULL, 0, NULL, 0, &got);
		if (st == LO_OK)
			return LO_OK;   /* it was empty: nothing more to drop */
		if (st != LO_ERR_BUFFER_TOO_SMALL)
			return st;
		char *bytes = lo_malloc(got.bytes ? got.bytes : 1);
		if (!bytes)
			return LO_ERR_NO_MEMORY;
		lo_handle_t handles[DROP_MAX_HANDLES];
		st = lo_channel_read(ch, bytes, got.bytes, handles, DROP_MAX_HANDLES, &got);
		if (st == LO_OK) {
			lo_memcpy(prefix, bytes, got.bytes < size ? got.bytes : size);
			for (uint32_t i = 0; i < got.handles; i++)
				lo_handle_close(handles[i]);
		}
		lo_free(bytes);
		/* BUFFER_TOO_SMALL again: another thread took it and a bigger one is next. */
		if (st != LO_ERR_BUFFER_TOO_SMALL)
			return st;
	}
}
