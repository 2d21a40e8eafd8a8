/* panic() stops the machine with a message naming the file and line;
 * assert() panics when its condition is false. Always on: a kernel that
 * continues after a broken invariant does worse damage later. */
#ifndef KERN_LIB_ASSERT_H
#define KERN_LIB_ASSERT_H

__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define assert(cond)                                                      \
	do {                                                              \
		if (!(cond))                                              \
			panic_at(__FILE__, __LINE__, "assertion failed: %s", #cond); \
	} while (0)

#endif
