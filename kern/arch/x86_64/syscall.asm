; The syscall instruction lands here (LSTAR) with interrupts off (FMASK),
; rcx = user rip, r11 = user rflags, the user stack still in rsp.
; We switch to the thread's kernel stack and save a struct trap_frame (the
; same layout interrupts use), so the kernel sees one kind of frame.
; Return is sysretq, to a rip and rsp that syscall_handler has checked are
; canonical user addresses.

%define PERCPU_KERNEL_RSP 8
%define PERCPU_USER_RSP   16
%define SEL_USER_DATA     (0x18 | 3)
%define SEL_USER_CODE     (0x20 | 3)
%define VEC_SYSCALL       256

%include "frame.inc"

section .text
extern syscall_handler
extern trap_return
global syscall_entry
syscall_entry:
	swapgs
	mov [gs:PERCPU_USER_RSP], rsp
	mov rsp, [gs:PERCPU_KERNEL_RSP]
	push qword SEL_USER_DATA        ; ss
	push qword [gs:PERCPU_USER_RSP] ; rsp
	push r11                        ; rflags
	push qword SEL_USER_CODE        ; cs
	push rcx                        ; rip
	push qword 0                    ; error
	push qword VEC_SYSCALL          ; vector
	SAVE_GENERAL_REGISTERS
	xor rbp, rbp                    ; the backtrace ends here
	mov rdi, rsp
	call syscall_handler            ; returns with interrupts off
	; sysretq to a non-canonical rip faults in ring 0 (Intel), after our
	; swapgs; so does iretq. syscall_handler kills the thread rather than
	; return to one; this is the last line of defence (a kernel panic, with
	; the kernel's GS base still loaded).
	mov rcx, [rsp + 15*8 + 16]      ; frame rip
	mov r11, rcx
	sar r11, 47
	jz .sysret_ok
	ud2
.sysret_ok:
	RESTORE_GENERAL_REGISTERS       ; rcx and r11 are overwritten below
	add rsp, 16                     ; vector, error
	mov rcx, [rsp]                  ; rip
	mov r11, [rsp + 16]             ; rflags
	mov rsp, [rsp + 24]             ; user rsp
	swapgs
	o64 sysret
