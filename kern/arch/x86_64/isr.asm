; Interrupt and exception entry stubs. Each stub pushes a uniform frame
; (error code or 0, vector number, then the general registers) and calls
; trap_dispatch(struct trap_frame *). See trap.h for the frame layout.

%include "frame.inc"

%define MSR_GS_BASE 0xc0000101
%define TRAP_ERROR_USER_GS_BIT 63   ; trap.h: TRAP_ERROR_USER_GS

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
	jz .from_kernel
	swapgs
	jmp .gs_ready
.from_kernel:
	; From kernel mode the kernel's GS base is normally loaded, but not
	; between the swapgs and the sysretq/iretq of a return to user mode
	; (an NMI there, or that instruction faulting). So ask the CPU: the
	; kernel's GS base has the top bit set, the user's never does (user
	; code cannot set it: no FSGSBASE, and a selector load gives < 4 GiB).
	push rax
	push rcx
	push rdx
	mov ecx, MSR_GS_BASE
	rdmsr
	test edx, edx
	pop rdx
	pop rcx
	pop rax
	js .gs_ready
	swapgs
	bts qword [rsp + 8], TRAP_ERROR_USER_GS_BIT   ; swap back on the way out
.gs_ready:
	SAVE_GENERAL_REGISTERS
	; Interrupt gates keep the interrupted flags but IF. Clear AC (user
	; code may set it, and it would switch SMAP off), DF and TF.
	push qword 2
	popfq
	mov rdi, rsp
	call trap_dispatch
global trap_return
trap_return:
	RESTORE_GENERAL_REGISTERS
	test qword [rsp + 24], 3
	jz .to_kernel
	swapgs
	add rsp, 16                 ; vector and error code
	iretq
.to_kernel:
	bt qword [rsp + 8], TRAP_ERROR_USER_GS_BIT
	jnc .kernel_gs
	swapgs                      ; interrupted with the user's GS base: restore it
.kernel_gs:
	add rsp, 16
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
