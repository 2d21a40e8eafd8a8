#ifndef KERN_START_INIT_H
#define KERN_START_INIT_H

/* Load the "init" module and start it with the bootstrap handles. */
void start_init(void);

#endif
