#include "status.h"

const char *status_str(status_t status)
{
	switch (status) {
	case LO_OK:                   return "OK";
	case LO_ERR_INTERNAL:         return "INTERNAL";
	case LO_ERR_NOT_SUPPORTED:    return "NOT_SUPPORTED";
	case LO_ERR_NO_RESOURCES:     return "NO_RESOURCES";
	case LO_ERR_NO_MEMORY:        return "NO_MEMORY";
	case LO_ERR_BAD_SYSCALL:      return "BAD_SYSCALL";
	case LO_ERR_INVALID_ARGS:     return "INVALID_ARGS";
	case LO_ERR_BAD_HANDLE:       return "BAD_HANDLE";
	case LO_ERR_WRONG_TYPE:       return "WRONG_TYPE";
	case LO_ERR_ACCESS_DENIED:    return "ACCESS_DENIED";
	case LO_ERR_FAULT:            return "FAULT";
	case LO_ERR_OUT_OF_RANGE:     return "OUT_OF_RANGE";
	case LO_ERR_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
	case LO_ERR_BAD_STATE:        return "BAD_STATE";
	case LO_ERR_SHOULD_WAIT:      return "SHOULD_WAIT";
	case LO_ERR_TIMED_OUT:        return "TIMED_OUT";
	case LO_ERR_CANCELED:         return "CANCELED";
	case LO_ERR_PEER_CLOSED:      return "PEER_CLOSED";
	case LO_ERR_NOT_FOUND:        return "NOT_FOUND";
	case LO_ERR_ALREADY_EXISTS:   return "ALREADY_EXISTS";
	case LO_ERR_NOT_A_REGISTRY:   return "NOT_A_REGISTRY";
	case LO_ERR_LINK_LOOP:        return "LINK_LOOP";
	case LO_ERR_NAME_TOO_LONG:    return "NAME_TOO_LONG";
	case LO_ERR_BAD_FORMAT:       return "BAD_FORMAT";
	case LO_ERR_IO:               return "IO";
	default:                      return "UNKNOWN";
	}
}
