// SPDX-License-Identifier: MIT
/*
 * bpf-loadcheck: loads every BPF object of a directory into the running kernel, as Gadget's C# code would, and says
 * which loaded. Run inside the arm64 VM of eng/arm64-loadcheck.sh (it is cross-compiled for arm64 and linked against
 * the libbpf.so.1 that Gadget.Bpf ships for linux-arm64), but it builds and runs on any architecture.
 *
 *   bpf-loadcheck DIR      prints one line per object, then '<passed> passed, <failed> failed, <skipped> skipped'
 *
 *   OK name                          loaded (programs and maps created), then closed
 *   OK name: rejected as expected    a program the object carries to be refused (a test object) was refused
 *   SKIP name: reason                the object needs a kernel feature this kernel lacks (the C# tests skip it too)
 *   FAIL name: reason                followed by the tail of libbpf's log (the verifier's log when it rejected)
 *
 * What is set before load mirrors the C# code that loads the object: see the table 'objects' below. An object not in
 * the table is loaded as it is (every program, every map with its compiled size), as BpfObject.Load does.
 * Exit status: 0 when nothing failed, 1 otherwise, 2 on a usage error.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libbpf's messages of the current load, of which a failure prints the tail. */
static char log_buf[256 * 1024];
static size_t log_len;

static int capture(enum libbpf_print_level level, const char *format, va_list args)
{
	(void)level;
	if (log_len < sizeof(log_buf) - 1) {
		int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, format, args);
		if (n > 0)
			log_len += (size_t)n < sizeof(log_buf) - log_len ? (size_t)n : sizeof(log_buf) - 1 - log_len;
	}
	return 0;
}

static void print_log_tail(int lines)
{
	const char *start = log_buf + log_len;
	int seen = 0;
	while (start > log_buf) {
		if (start[-1] == '\n' && start != log_buf + log_len && ++seen > lines)
			break;
		start--;
	}
	for (const char *line = start; *line;) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);
		printf("    | %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
}

/* Kernel features the C# code probes (Gadget.Bpf.Tests.KernelFeatures): the objects that need them are skipped. */
static bool has_bpf_loop(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_loop, NULL) == 1;
}

static bool has_bloom_filter(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_BLOOM_FILTER, NULL) == 1;
}

static bool has_task_btf(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACING, BPF_FUNC_get_current_task_btf, NULL) == 1 ||
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_get_current_task_btf, NULL) == 1;
}

static int set_program(struct bpf_object *obj, const char *name, struct bpf_program **out)
{
	*out = bpf_object__find_program_by_name(obj, name);
	if (!*out) {
		fprintf(stderr, "no program '%s'\n", name);
		return -ENOENT;
	}
	return 0;
}

/* tests/Gadget.Bpf.Tests/SurfaceObject.cs: the stack map's value size, the custom sections' types, the tp_btf target. */
static int configure_surface(struct bpf_object *obj)
{
	struct bpf_program *p;
	struct bpf_map *stacks = bpf_object__find_map_by_name(obj, "stacks");
	int err = stacks ? bpf_map__set_value_size(stacks, 32 * sizeof(__u64)) : -ENOENT;
	if (!err && !(err = set_program(obj, "on_exec", &p)))
		err = bpf_program__set_attach_target(p, 0, "sched_process_exec");
	if (!err && !(err = set_program(obj, "custom_section", &p)))
		err = bpf_program__set_type(p, BPF_PROG_TYPE_RAW_TRACEPOINT);
	if (!err && !(err = set_program(obj, "custom_iter", &p))) {
		err = bpf_program__set_type(p, BPF_PROG_TYPE_TRACING);
		err = err ?: bpf_program__set_expected_attach_type(p, BPF_TRACE_ITER);
		err = err ?: bpf_program__set_attach_target(p, 0, "task");
	}
	return err;
}

/* tests/Gadget.Bpf.Tests/TestObjects.cs: syscall_events' emit_burst calls bpf_loop and is left out without it. */
static int configure_syscall_events(struct bpf_object *obj)
{
	struct bpf_program *p;
	int err = set_program(obj, "emit_burst", &p);
	return err ?: bpf_program__set_autoload(p, has_bpf_loop());
}

struct object_config {
	const char *name;
	int (*configure)(struct bpf_object *obj);
	const char *kconfig;
	/* Programs the object carries to be refused by the verifier: the object is loaded without them, then each alone
	 * must fail. */
	const char *rejected[4];
	/* Non-NULL: the feature the object needs, probed before loading: without it the object is skipped. */
	bool (*needs)(void);
	const char *needs_what;
	/* Non-NULL: without this feature the object must fail to load (what the C# tests check) instead of loading. */
	bool (*fails_without)(void);
};

static const struct object_config objects[] = {
	{ .name = "libbpf_surface.bpf.o", .configure = configure_surface },
	{ .name = "syscall_events.bpf.o", .configure = configure_syscall_events },
	{ .name = "kconfig_test.bpf.o", .kconfig = "CONFIG_GADGET_ANSWER=42\n" },
	{ .name = "load_failures.bpf.o", .rejected = { "rejected_by_verifier" } },
	{ .name = "verifier_reject.bpf.o", .rejected = { "unchecked_lookup" } },
	{ .name = "perf_map_in_map.bpf.o", .needs = has_bpf_loop, .needs_what = "bpf_loop (Linux 5.17)" },
	{ .name = "maps.bpf.o", .needs = has_bloom_filter, .needs_what = "bloom filter maps (Linux 5.16)" },
	{ .name = "helper_probe.bpf.o", .fails_without = has_task_btf },
};

static const struct object_config *config_of(const char *name)
{
	static const struct object_config plain;
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (strcmp(objects[i].name, name) == 0)
			return &objects[i];
	return &plain;
}

static bool is_rejected(const struct object_config *config, const char *program)
{
	for (int i = 0; i < 4 && config->rejected[i]; i++)
		if (strcmp(config->rejected[i], program) == 0)
			return true;
	return false;
}

/*
 * The inner maps of maps of maps that are perf event arrays get one entry per possible CPU, as TraceloopTracer's
 * template does (libbpf 1.1 does not size an inner perf event array by itself). The templates' fds are kept until
 * the object is closed.
 */
static int size_inner_perf_arrays(struct bpf_object *obj, int *fds, int max_fds, int *count)
{
	struct bpf_map *map;
	bpf_object__for_each_map(map, obj) {
		struct bpf_map *inner = bpf_map__inner_map(map);
		if (!inner || bpf_map__type(inner) != BPF_MAP_TYPE_PERF_EVENT_ARRAY || bpf_map__max_entries(inner) != 0)
			continue;
		if (*count == max_fds)
			return -E2BIG;
		int fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "loadcheck_tmpl", 4, 4, libbpf_num_possible_cpus(), NULL);
		if (fd < 0)
			return fd;
		fds[(*count)++] = fd;
		int err = bpf_map__set_inner_map_fd(map, fd);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Opens the object from its bytes, configures it, sets autoload for each program (only: the one program named, or,
 * with only == NULL, every program but the rejected ones), and loads it. Returns 0 or a negative errno; *stage says
 * which step failed.
 */
static int load_once(const char *name, const void *elf, size_t size, const struct object_config *config,
		     const char *only, const char **stage)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name, .kconfig = config->kconfig);
	int fds[8], nfds = 0, err;
	struct bpf_program *p;
	struct bpf_object *obj = bpf_object__open_mem(elf, size, &opts);
	if (!obj) {
		*stage = "open";
		return -errno;
	}
	err = config->configure ? config->configure(obj) : 0;
	*stage = "configure";
	if (!err) {
		bpf_object__for_each_program(p, obj) {
			bool load = only ? strcmp(bpf_program__name(p), only) == 0
					 : bpf_program__autoload(p) && !is_rejected(config, bpf_program__name(p));
			bpf_program__set_autoload(p, load);
		}
		err = size_inner_perf_arrays(obj, fds, 8, &nfds);
	}
	if (!err) {
		*stage = "load";
		err = bpf_object__load(obj);
	}
	bpf_object__close(obj);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	return err;
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	void *data = NULL;
	if (fstat(fileno(f), &st) == 0 && (data = malloc(st.st_size ? st.st_size : 1)) != NULL &&
	    fread(data, 1, st.st_size, f) != (size_t)st.st_size) {
		free(data);
		data = NULL;
	}
	*size = st.st_size;
	fclose(f);
	return data;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_objects(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 6 && strcmp(e->d_name + n - 6, ".bpf.o") == 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIRECTORY_OF_BPF_OBJECTS\n", argv[0]);
		return 2;
	}
	libbpf_set_print(capture);
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct dirent **entries;
	int n = scandir(argv[1], &entries, only_objects, by_name);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	int passed = 0, failed = 0, skipped = 0;
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		const struct object_config *config = config_of(name);
		char path[4096];
		size_t size;
		snprintf(path, sizeof(path), "%s/%s", argv[1], name);
		void *elf = read_file(path, &size);
		if (!elf) {
			printf("FAIL %s: cannot read %s: %s\n", name, path, strerror(errno));
			failed++;
			continue;
		}
		if (config->needs && !config->needs()) {
			printf("SKIP %s: this kernel lacks %s\n", name, config->needs_what);
			skipped++;
			free(elf);
			continue;
		}
		const char *stage;
		log_len = 0;
		log_buf[0] = 0;
		int err = load_once(name, elf, size, config, NULL, &stage);
		bool expect_failure = config->fails_without && !config->fails_without();
		if (expect_failure) {
			if (err) {
				printf("OK %s: refused as expected on a kernel without its feature (%s: %s)\n", name, stage, strerror(-err));
				passed++;
			} else {
				printf("FAIL %s: loaded although the feature probe says this kernel lacks what it needs\n", name);
				failed++;
			}
			free(elf);
			continue;
		}
		if (err) {
			printf("FAIL %s: %s: %s\n", name, stage, strerror(-err));
			print_log_tail(20);
			failed++;
			free(elf);
			continue;
		}
		/* Each program the object carries to be refused must be refused, alone. */
		bool ok = true;
		char refused[256] = "";
		for (int r = 0; r < 4 && config->rejected[r]; r++) {
			log_len = 0;
			log_buf[0] = 0;
			err = load_once(name, elf, size, config, config->rejected[r], &stage);
			if (!err || strcmp(stage, "load") != 0) {
				printf("FAIL %s: program %s %s\n", name, config->rejected[r],
				       err ? "failed before the verifier could refuse it" : "loaded although the verifier must refuse it");
				if (err)
					print_log_tail(20);
				ok = false;
				break;
			}
			snprintf(refused + strlen(refused), sizeof(refused) - strlen(refused), "%s%s (%s)", *refused ? ", " : "",
				 config->rejected[r], strerror(-err));
		}
		if (ok && *refused)
			printf("OK %s: rejected as expected: %s\n", name, refused);
		else if (ok)
			printf("OK %s\n", name);
		ok ? passed++ : failed++;
		free(elf);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
