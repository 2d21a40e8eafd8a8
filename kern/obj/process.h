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
#include "lightos/abi.h"
#include "handle_table.h"
#include "obj/kobject.h"
#include "mm/paging.h"
#include "lib/list.h"
#include "obj/exception.h"

struct thread;

struct process {
	struct kobject obj;          /* obj.lock guards the fields below */
	struct addrspace as;
	struct cap_table handles;
	struct list threads;         /* live threads */
	uint32_t thread_count;
	bool started;                /* its first thread was started (census) */
	bool ended;
	int64_t exit_code;
	uint32_t exit_reason;        /* why it ended: LO_EXIT_* (idl/process.idl) */
	uint64_t fault_vector, fault_address, fault_rip;   /* LO_EXIT_FAULT details */
	struct list mappings;        /* user memory mappings (mm/uvm) */
	struct exception_binding exceptions;   /* its exception handler (obj/exception.h) */
	char name[LO_PROCESS_NAME_MAX];
	struct lo_process_identity identity;   /* set once, before it runs (process_set_identity) */
	struct list job_node;        /* in its job's processes while it runs (obj/job.c) */
};

struct job;
/* A new process in job (charged there: one process, one object). */
status_t process_create_named(struct job *job, const char *name, struct process **out);
/* The first process: on a test or bench run its end ends the QEMU run.
 * Its identity is the kernel's to attest: "(boot module)". */
void process_set_init(struct process *p);
status_t process_add_thread(struct process *p, struct thread *t);
/* A thread of p finished; the last one ends the process. */
void process_thread_exited(struct process *p, struct thread *t);
/* End the process: kill its threads, release everything. Idempotent. */
void process_terminate(struct process *p, uint32_t reason, int64_t code);

/* The process of the running thread (NULL for kernel threads). */
struct process *process_current(void);


#endif
