; LightOS entry: GRUB (multiboot2) jumps here in 32-bit protected mode with
; paging off. We build temporary page tables, enter long mode and jump to the
; higher-half kernel. kern/mm/paging.c replaces these tables with final ones.

KERNEL_VMA      equ 0xffffffff80000000
MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
BOOT_STACK_SIZE equ 16384

section .multiboot
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; End tag.
	align 8
	dw 0
	dw 0
	dd 8
mb2_header_end:

section .boot.text
bits 32
global _start
_start:
	cli
	cld
	mov esp, boot_stack_top - KERNEL_VMA
	mov edi, eax                ; multiboot2 magic  -> first C argument
	mov esi, ebx                ; multiboot2 info   -> second C argument

	; Long mode needs CPUID leaf 0x80000001 with the LM bit.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode

	; Boot page tables: the first 1 GiB identity-mapped (to keep running
	; here), at the direct map base (PML4 slot 256) and at -2 GiB (slot 511,
	; PDPT slot 510), all with 2 MiB pages.
	mov eax, boot_pdpt_low - KERNEL_VMA
	or eax, 0x3
	mov [boot_pml4 - KERNEL_VMA], eax
	mov [boot_pml4 - KERNEL_VMA + 256 * 8], eax
	mov eax, boot_pdpt_high - KERNEL_VMA
	or eax, 0x3
	mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax
	mov eax, boot_pd - KERNEL_VMA
	or eax, 0x3
	mov [boot_pdpt_low - KERNEL_VMA], eax
	mov [boot_pdpt_high - KERNEL_VMA + 510 * 8], eax
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                ; present, writable, 2 MiB page
	mov [boot_pd - KERNEL_VMA + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jne .fill_pd

	mov eax, boot_pml4 - KERNEL_VMA
	mov cr3, eax
	mov eax, cr4
	or eax, 1 << 5              ; PAE
	mov cr4, eax
	mov ecx, 0xc0000080         ; EFER
	rdmsr
	or eax, (1 << 8) | (1 << 11) ; long mode enable, no-execute enable
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) ; paging, write-protect
	mov cr0, eax

	lgdt [boot_gdt_ptr - KERNEL_VMA]
	jmp 0x08:long_mode_entry    ; .boot is identity-mapped

.no_long_mode:
	; Tell the user on the serial port, then stop.
	mov esi, no_lm_msg - KERNEL_VMA
.print:
	mov al, [esi]
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	inc esi
	jmp .print
.halt:
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half_entry
	jmp rax

section .text
extern kernel_entry
higher_half_entry:
	mov rsp, boot_stack_top
	; edi/esi still hold the multiboot2 magic and info address.
	jmp kernel_entry            ; the outermost frame (entry.c): calls kmain

section .rodata
no_lm_msg: db "LightOS: this CPU has no 64-bit long mode; stopping.", 13, 10, 0

section .data
align 16
boot_gdt:
	dq 0
	dq 0x00209a0000000000       ; 64-bit kernel code
	dq 0x0000920000000000       ; kernel data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt - KERNEL_VMA

section .bss
align 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096
global boot_stack_top
boot_stack:     resb BOOT_STACK_SIZE
boot_stack_top:
