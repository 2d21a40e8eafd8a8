; uint64_t usercopy_raw(void *dst, const void *src, uint64_t n)
; Copies n bytes with user access allowed (stac/clac around the copy, for
; SMAP): whole quadwords first, then the last 0-7 bytes (a small copy is a
; few string steps, not one per byte). Returns 0, or (when a page fault
; stopped it) at least the number of bytes not copied, which callers only
; test for 0: the faulting instructions are in the exception table, so the
; trap handler resumes at their fixups instead of panicking.

section .text
global usercopy_raw
global usercopy_stac_enabled
usercopy_raw:
	mov rcx, rdx
	shr rcx, 3                  ; quadwords
	and edx, 7                  ; then bytes
	cmp byte [rel usercopy_stac_enabled], 0
	je .copy
	stac
.copy:
usercopy_fault_quad:
	rep movsq
	mov rcx, rdx
usercopy_fault_byte:
	rep movsb
usercopy_done:
	cmp byte [rel usercopy_stac_enabled], 0
	je .out
	clac
.out:
	mov rax, rcx                ; 0 when everything was copied
	ret
usercopy_quad_fixup:
	lea rcx, [rcx * 8 + rdx]    ; the quadwords left and the tail
	jmp usercopy_done

section .extable
	dq usercopy_fault_quad, usercopy_quad_fixup
	dq usercopy_fault_byte, usercopy_done

section .data
usercopy_stac_enabled: db 0   ; set when the CPU has SMAP
