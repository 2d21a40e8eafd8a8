/* The storage cases of bench (bench_storage.c). */
#ifndef BENCH_STORAGE_H
#define BENCH_STORAGE_H

/* Write, read and create files on files:/disk; nothing when there is none. */
void bench_storage(void);

#endif
