# gen/: the IDL compiler and the rights auditor. Filled in by the IDL work.
