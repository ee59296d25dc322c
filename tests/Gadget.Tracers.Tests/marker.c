/*
 * The first program of a test container: its first syscall after execve opens the path given as argv[1] (a marker that
 * names the container); then, by argv[2]: "segv" writes to address 0 (a real fault: the kernel kills even a pid
 * namespace's init with SIGSEGV), "exit" N calls exit_group(N), anything else (or nothing) waits for a signal.
 * No libc: nothing runs before that openat (x86-64). Built by the tests: gcc -nostdlib -static -O2 -o marker marker.c
 */
#define SYS_openat 257
#define SYS_pause 34
#define SYS_exit_group 231
#define AT_FDCWD -100

static long syscall3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

__attribute__((used)) void marker_main(long *stack)
{
	long argc = stack[0];
	char **argv = (char **)(stack + 1);
	syscall3(SYS_openat, AT_FDCWD, (long)argv[1], 0);
	if (argc > 2 && same(argv[2], "segv"))
		*(volatile int *)0 = 1;
	if (argc > 3 && same(argv[2], "exit")) {
		long code = 0;
		for (const char *p = argv[3]; *p >= '0' && *p <= '9'; p++)
			code = code * 10 + (*p - '0');
		syscall3(SYS_exit_group, code, 0, 0);
	}
	for (;;)
		syscall3(SYS_pause, 0, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call marker_main\n");
