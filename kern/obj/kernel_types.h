/* The kernel's view of the IDL-generated constants (type ids, signals,
 * rights). Until the IDL compiler's output is wired in, the few the core
 * needs are defined here. */
#ifndef KERN_OBJ_KERNEL_TYPES_H
#define KERN_OBJ_KERNEL_TYPES_H

#define LO_TYPE_PROCESS 1
#define LO_TYPE_THREAD  2
#define LO_TYPE_VMO     3
#define LO_SIG_THREAD_TERMINATED  (1u << 0)
#define LO_SIG_PROCESS_TERMINATED (1u << 0)

#endif
