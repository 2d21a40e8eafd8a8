; uint64_t usercopy_raw(void *dst, const void *src, uint64_t n)
; Copies n bytes with user access allowed (stac/clac around the copy, for
; SMAP). Returns 0, or the number of bytes not copied when a page fault
; stopped it: the faulting instruction is in the exception table, so the
; trap handler resumes at the fixup instead of panicking.

section .text
global usercopy_raw
global usercopy_stac_enabled
usercopy_raw:
	mov rcx, rdx
	cmp byte [rel usercopy_stac_enabled], 0
	je .copy
	stac
.copy:
usercopy_fault_insn:
	rep movsb
usercopy_done:
	cmp byte [rel usercopy_stac_enabled], 0
	je .out
	clac
.out:
	mov rax, rcx                ; 0 when everything was copied
	ret

section .extable
	dq usercopy_fault_insn, usercopy_done

section .data
usercopy_stac_enabled: db 0   ; set when the CPU has SMAP
