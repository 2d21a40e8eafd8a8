/* The census (idl/census.idl): the kernel's live view of a job tree's
 * processes and threads, and the start and exit events procd serves
 * proc:, thread: and event:proc from. */
#ifndef KERN_OBJ_CENSUS_H
#define KERN_OBJ_CENSUS_H

struct process;
struct thread;

/* p's first thread `first` is about to be made runnable. */
void census_process_started(struct process *p, struct thread *first);
/* p has ended (exit reason and code set) and is about to signal
 * TERMINATED. Only for processes that started. */
void census_process_exited(struct process *p);

#endif
