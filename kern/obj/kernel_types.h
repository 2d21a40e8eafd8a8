/* The kernel's view of the IDL-generated constants (type ids, signals,
 * rights). Until the IDL compiler's output is wired in, the few the core
 * needs are defined here. */
#ifndef KERN_OBJ_KERNEL_TYPES_H
#define KERN_OBJ_KERNEL_TYPES_H

#define LO_TYPE_PROCESS 1
#define LO_TYPE_THREAD  2
#define LO_TYPE_VMO     3
#define LO_TYPE_CHANNEL 4
#define LO_TYPE_EVENT   5
#define LO_TYPE_PORT    6
#define LO_TYPE_TIMER   7
#define LO_TYPE_SYSVAR  8
#define LO_TYPE_RESOURCE 9
#define LO_TYPE_INTERRUPT 10
#define LO_TYPE_LOG     11
#define LO_SIG_SYSVAR_CHANGED      (1u << 0)
#define LO_SIG_INTERRUPT_SIGNALED  (1u << 0)
#define LO_SIG_LOG_READABLE        (1u << 0)
#define LO_SIG_CHANNEL_READABLE    (1u << 0)
#define LO_SIG_CHANNEL_WRITABLE    (1u << 1)
#define LO_SIG_CHANNEL_PEER_CLOSED (1u << 2)
#define LO_SIG_PORT_READABLE       (1u << 0)
#define LO_SIG_TIMER_SIGNALED      (1u << 0)
#define LO_SIG_THREAD_TERMINATED  (1u << 0)
#define LO_SIG_PROCESS_TERMINATED (1u << 0)

#endif
