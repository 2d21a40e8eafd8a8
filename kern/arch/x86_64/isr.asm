; Interrupt and exception entry stubs. Each stub pushes a uniform frame
; (error code or 0, vector number, then the general registers) and calls
; trap_dispatch(struct trap_frame *). See trap.h for the frame layout.

%include "frame.inc"

section .text
extern trap_dispatch

%macro STUB_NOERR 1
isr_stub_%1:
	push qword 0
	push qword %1
	jmp trap_common
%endmacro

%macro STUB_ERR 1
isr_stub_%1:
	push qword %1
	jmp trap_common
%endmacro

; Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	STUB_ERR v
%else
	STUB_NOERR v
%endif
%assign v v + 1
%endrep

trap_common:
	; Came from user mode? Then switch to the kernel's GS base.
	test qword [rsp + 24], 3
	jz .from_kernel_entry
	swapgs
.from_kernel_entry:
	SAVE_GENERAL_REGISTERS
	cld
	mov rdi, rsp
	call trap_dispatch
global trap_return
trap_return:
	RESTORE_GENERAL_REGISTERS
	test qword [rsp + 24], 3
	jz .to_kernel
	swapgs
.to_kernel:
	add rsp, 16                 ; vector and error code
	iretq

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_%+v
%assign v v + 1
%endrep
