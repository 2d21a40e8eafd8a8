; Program entry: rdi and rsi come from whoever started the thread (see
; lightos/startup.h) and go straight to lo_start(rdi, rsi), which never
; returns.

section .text.start
global _start
extern lo_start
_start:
	xor rbp, rbp          ; ends the frame-pointer chain
	and rsp, -16
	call lo_start
	ud2
