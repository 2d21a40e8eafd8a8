/* Processes: an address space, a handle table and threads.
 *
 * A process ends when its last thread exits or it is killed: then every
 * handle it held is closed, its memory is unmapped and its address space
 * freed, and it signals TERMINATED. The object itself lives on while
 * anyone holds a handle (to read the exit status). */
#ifndef KERN_OBJ_PROCESS_H
#define KERN_OBJ_PROCESS_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "handle_table.h"
#include "obj/kobject.h"
#include "mm/paging.h"
#include "lib/list.h"
#include "obj/exception.h"

struct thread;

#define PROCESS_NAME_MAX 32

/* Why a process ended. */
enum exit_reason {
	EXIT_RUNNING = 0,   /* has not ended */
	EXIT_NORMAL,        /* its last thread exited */
	EXIT_KILLED,        /* killed through a handle */
	EXIT_FAULT,         /* a thread took an exception */
};

struct process {
	struct kobject obj;          /* obj.lock guards the fields below */
	struct addrspace as;
	struct cap_table handles;
	struct list threads;         /* live threads */
	uint32_t thread_count;
	bool ended;
	int64_t exit_code;
	enum exit_reason exit_reason;
	uint64_t fault_vector, fault_address, fault_rip;   /* EXIT_FAULT details */
	struct list mappings;        /* user memory mappings (mm/uvm) */
	struct exception_binding exceptions;   /* its exception handler (obj/exception.h) */
	char name[PROCESS_NAME_MAX];
};

status_t process_create(const char *name, struct process **out);
/* The first process: on a test or bench run its end ends the QEMU run. */
void process_set_init(struct process *p);
status_t process_add_thread(struct process *p, struct thread *t);
/* A thread of p finished; the last one ends the process. */
void process_thread_exited(struct process *p, struct thread *t);
/* End the process: kill its threads, release everything. Idempotent. */
void process_kill(struct process *p, enum exit_reason reason, int64_t code);

/* The process of the running thread (NULL for kernel threads). */
struct process *process_current(void);

uint64_t process_live_count(void);

#endif
