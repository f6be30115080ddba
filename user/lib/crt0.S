# crt0.S: where every user program starts. exec(2) enters _start with
# argc in a0 and argv in a1 and a stack already set up, which is exactly
# how main(argc, argv) wants them; main's return value is the exit status.
        .section .text.entry
        .globl _start
_start:
        call    main
        call    exit            # a0 still holds main's result
1:      j       1b              # exit does not return; never fall through
