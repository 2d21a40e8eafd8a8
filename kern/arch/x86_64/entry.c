/* The two outermost frames of every kernel stack: the boot CPU's entry into
 * kmain, and a new thread's entry into thread_first_run. Each zeroes rbp
 * (our backtraces stop at rbp 0) and says in its unwind info that it has no
 * caller (.cfi_undefined rip), so a gdb backtrace ends cleanly here instead
 * of walking into whatever lies beyond the stack. They are assembly in a C
 * file because NASM writes no unwind info. */

__asm__(
	".cfi_sections .debug_frame\n"
	".text\n"

	/* From boot.asm, on the boot stack; edi/esi: multiboot2 magic, info. */
	".globl kernel_entry\n"
	".type kernel_entry, @function\n"
	"kernel_entry:\n"
	"	.cfi_startproc\n"
	"	.cfi_undefined rip\n"
	"	xor %ebp, %ebp\n"
	"	call kmain\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	"	.cfi_endproc\n"
	".size kernel_entry, . - kernel_entry\n"

	/* A new thread's first "return" lands here (switch.asm), with
	 * r12 = function and r13 = argument. */
	".globl thread_trampoline\n"
	".type thread_trampoline, @function\n"
	"thread_trampoline:\n"
	"	.cfi_startproc\n"
	"	.cfi_undefined rip\n"
	"	mov %r12, %rdi\n"
	"	mov %r13, %rsi\n"
	"	xor %ebp, %ebp\n"
	"	call thread_first_run\n"
	"	ud2\n"
	"	.cfi_endproc\n"
	".size thread_trampoline, . - thread_trampoline\n");
