# Host unit tests of kernel library code that runs unchanged on the host.
