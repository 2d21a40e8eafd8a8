; Application processors start here: a startup IPI makes them run the page
; at TRAMP_BASE in real mode. smp.c copies this code there and fills the
; parameters at TRAMP_BASE + TRAMP_PARAMS. The code goes 16 -> 32 -> 64 bit
; on boot.asm's page tables (which identity-map the first GiB and map the
; kernel at -2 GiB), then jumps to ap_entry64 in the higher half, which
; loads the kernel's tables and its stack and calls ap_main.

TRAMP_BASE   equ 0x8000
TRAMP_PARAMS equ 0xf00          ; struct trampoline_params in smp.c
%define T(x) (TRAMP_BASE + (x) - ap_trampoline_start)

section .rodata
bits 16
global ap_trampoline_start
global ap_trampoline_end
ap_trampoline_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	o32 lgdt [T(tgdt_ptr)]
	mov eax, cr0
	or eax, 1                   ; protected mode
	mov cr0, eax
	jmp dword 0x08:T(pm32)

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5              ; PAE
	mov cr4, eax
	mov eax, [TRAMP_BASE + TRAMP_PARAMS]   ; boot page tables, below 4 GiB
	mov cr3, eax
	mov ecx, 0xc0000080         ; EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11) ; long mode, no-execute (the kernel's tables use NX)
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) ; paging, write-protect
	mov cr0, eax
	jmp 0x18:T(lm64)

bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [TRAMP_BASE + TRAMP_PARAMS + 24]   ; ap_entry64
	jmp rax

align 8
tgdt:
	dq 0
	dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
	dq 0x00cf92000000ffff       ; 0x10: data
	dq 0x00209a0000000000       ; 0x18: 64-bit code
tgdt_ptr:
	dw 4 * 8 - 1
	dd T(tgdt)
ap_trampoline_end:

section .text
bits 64
global ap_entry64
extern ap_main
ap_entry64:
	; The parameters are identity-mapped only in the boot tables: read
	; them all before switching to the kernel's.
	mov rax, [TRAMP_BASE + TRAMP_PARAMS + 8]    ; kernel page tables
	mov rsp, [TRAMP_BASE + TRAMP_PARAMS + 16]   ; this CPU's idle stack
	mov rdi, [TRAMP_BASE + TRAMP_PARAMS + 32]   ; this CPU's index
	mov cr3, rax
	xor rbp, rbp                ; ends the frame-pointer chain for backtraces
	call ap_main
.hang:
	cli
	hlt
	jmp .hang
