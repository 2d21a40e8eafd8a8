; The syscall instruction lands here (LSTAR) with interrupts off (FMASK),
; rcx = user rip, r11 = user rflags, the user stack still in rsp.
;
; Fast path: the C handlers preserve rbx, rbp and r12-r15 themselves (the
; C ABI), so entry saves only what they may clobber and the user expects
; back: the argument registers, rip, rflags and rsp. The handler's 32-bit
; status comes back in eax. If the thread must die, must reschedule, or would
; return to a non-user rip or rsp, the exit turns the saved registers into a
; full struct trap_frame (the layout interrupts use) and goes the slow way
; (syscall_slow_exit), leaving like the interrupt-frame code always did.
; Return is sysretq, to a rip and rsp checked to be user addresses.

%define PERCPU_KERNEL_RSP    8
%define PERCPU_USER_RSP      16
%define PERCPU_CURRENT       24
%define PERCPU_NEED_RESCHED  56    ; syscall.c checks these offsets
%define THREAD_KILLED        168
%define SEL_USER_DATA        (0x18 | 3)
%define SEL_USER_CODE        (0x20 | 3)
%define VEC_SYSCALL          256
%define LO_ERR_BAD_SYSCALL   -5    ; syscall.c checks it against the IDL

; The fast frame, from rsp up (words).
%define F_RIP     7
%define F_USERRSP 9

%include "frame.inc"

section .text
extern syscall_table
extern syscall_count
extern syscall_slow_exit
global syscall_entry
syscall_entry:
	swapgs
	mov [gs:PERCPU_USER_RSP], rsp
	mov rsp, [gs:PERCPU_KERNEL_RSP]
	push qword [gs:PERCPU_USER_RSP] ; user rsp
	push r11                        ; rflags
	push rcx                        ; rip
	push rdi
	push rsi
	push rdx
	push r10
	push r8
	push r9
	push rbp                        ; the user's; keeps rsp 16-byte aligned
	xor ebp, ebp                    ; the backtrace ends here
	sti
	cmp rax, [rel syscall_count]
	jae .bad_number
	mov rcx, r10                    ; the fourth argument, C's way
	call [syscall_table + rax*8]
.done:
	cli
	movsxd rax, eax                 ; handlers return a 32-bit status
	mov rcx, [gs:PERCPU_CURRENT]
	cmp byte [rcx + THREAD_KILLED], 0
	jne .slow
	cmp byte [gs:PERCPU_NEED_RESCHED], 0
	jne .slow
	mov rcx, [rsp + F_RIP*8]
	mov r11, [rsp + F_USERRSP*8]
	or r11, rcx
	shr r11, 47                     ; either at or above USER_TOP (1 << 47)?
	jnz .slow
	pop rbp
	pop r9
	pop r8
	pop r10
	pop rdx
	pop rsi
	pop rdi
	pop rcx                         ; rip
	pop r11                         ; rflags
	pop rsp                         ; user rsp
	swapgs
	o64 sysret

.bad_number:
	mov eax, LO_ERR_BAD_SYSCALL
	jmp .done

.slow:
	; Back to the registers as they were at entry (rax: the result), then
	; the full frame, as an interrupt would have saved it.
	pop rbp
	pop r9
	pop r8
	pop r10
	pop rdx
	pop rsi
	pop rdi
	pop rcx
	pop r11
	pop qword [gs:PERCPU_USER_RSP]
	push qword SEL_USER_DATA        ; ss
	push qword [gs:PERCPU_USER_RSP] ; rsp
	push r11                        ; rflags
	push qword SEL_USER_CODE        ; cs
	push rcx                        ; rip
	push qword 0                    ; error
	push qword VEC_SYSCALL          ; vector
	SAVE_GENERAL_REGISTERS
	mov rdi, rsp
	call syscall_slow_exit          ; returns with interrupts off
	; sysretq to a non-canonical rip faults in ring 0 (Intel), after our
	; swapgs; so does iretq. syscall_slow_exit kills the thread rather
	; than return to one; this is the last line of defence (a kernel panic,
	; with the kernel's GS base still loaded).
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
