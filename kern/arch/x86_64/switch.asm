; void context_switch(uint64_t *save_rsp, uint64_t new_rsp)
; Save the callee-saved registers on this stack, park the stack pointer in
; *save_rsp, load new_rsp and restore that thread's registers. The caller-
; saved ones are already on the stacks, per the C calling convention.

section .text
global context_switch
context_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new thread's first "return" lands in thread_trampoline (entry.c).
