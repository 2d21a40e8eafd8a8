/* lo_start: the C entry of every program. */
#include <stdint.h>

int main(void *bootstrap);
void lo_exit(int code) __attribute__((noreturn));

void lo_start(void *bootstrap)
{
	lo_exit(main(bootstrap));
}
