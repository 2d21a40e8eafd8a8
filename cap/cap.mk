# cap/: the capability core. Filled in by the capability-core work.
