/* init: the first process. */
#include "lightos/runtime.h"
#include "lightos/startup.h"

int main(void)
{
	lo_printf("init: hello from user space; args '%s'\n", lo_startup_args());
	return 0;
}
