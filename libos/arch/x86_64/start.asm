; Program entry. The kernel (for init) or the loader (for other programs)
; starts the first thread with rdi = the bootstrap block and a 16-byte-
; aligned-minus-8 stack, as after a call. lo_start never returns.

section .text.start
global _start
extern lo_start
_start:
	xor rbp, rbp          ; ends the frame-pointer chain
	and rsp, -16
	call lo_start
	ud2
