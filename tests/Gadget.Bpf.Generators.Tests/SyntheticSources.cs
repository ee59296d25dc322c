namespace Gadget.Bpf.Generators.Tests;

/// <summary>C sources of synthetic objects: together they hold every BTF kind the generator reads.</summary>
internal static class SyntheticSources
{
    public const string Prologue = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        char LICENSE[] SEC("license") = "GPL";

        """;

    /// <summary>
    /// Every kind: INT, PTR, ARRAY, STRUCT, UNION, ENUM, ENUM64, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
    /// VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, with bitfields (kind_flag), nested and anonymous aggregates, a 2-D array,
    /// and a .rodata global <c>init</c> initialized from <paramref name="initializer"/>.
    /// </summary>
    public static string Kinds(string initializer, string idType = "my_u32") => Prologue + $$"""
        struct opaque;
        enum small { SMALL_A = 1, SMALL_B = -2 };
        enum big { BIG_A = 0x100000000ULL, BIG_B = 0xfffffffffffffff0ULL };
        typedef __u32 my_u32;

        struct inner { __u16 a; __u8 b; };

        struct kinds {
        	{{idType}} id;
        	const volatile __u64 qualified;
        	int *restrict restricted;
        	int __attribute__((btf_type_tag("user"))) *tagged;
        	struct opaque *opaque;
        	float f;
        	double d;
        	enum small small;
        	enum big big;
        	int matrix[2][3];
        	struct inner inners[2];
        	struct inner nested;
        	union { __u32 word; __u8 bytes[4]; } u;
        	union { __u64 anon_a; __u32 anon_b; };
        	unsigned int flag : 1;
        	int delta : 5;
        	unsigned int wide : 20;
        	__u64 big_bits : 40;
        	__u32 tagged_member __attribute__((btf_decl_tag("member")));
        	char name[7];
        };

        struct flexible { __u32 count; __u32 items[]; };

        /* Packed: members at unaligned offsets, a size that is no multiple of the widest member's alignment. */
        struct packed_rec { __u8 a; __u64 b; __u16 c; } __attribute__((packed));

        struct {
        	__uint(type, BPF_MAP_TYPE_HASH);
        	__uint(max_entries, 4);
        	__type(key, enum small);
        	__type(value, struct kinds);
        } kinds_map SEC(".maps");

        const volatile struct kinds init = {{initializer}};
        __u64 counter = 0;

        static __attribute__((noinline)) int touch(struct kinds *restrict k)
        {
        	return k->flag + k->delta;
        }

        /* struct flexible is named only here (a subprogram's parameter): emitted only when Types names it. */
        static __attribute__((noinline)) int count_items(struct flexible *f, struct packed_rec *p)
        {
        	return f->count + p->c;
        }

        SEC("tp/syscalls/sys_enter_getpid")
        int on_getpid(void *ctx)
        {
        	enum small key = SMALL_A;
        	struct kinds *k = bpf_map_lookup_elem(&kinds_map, &key);
        	if (k)
        		counter += touch(k) + count_items((struct flexible *)k, (struct packed_rec *)k);
        	return 0;
        }
        """;

    /// <summary>A map whose value is a struct only declared (BTF FWD): a type the generator cannot express.</summary>
    public const string ForwardValue = Prologue + """
        struct opaque;
        struct {
        	__uint(type, BPF_MAP_TYPE_HASH);
        	__uint(max_entries, 4);
        	__type(key, __u32);
        	__type(value, struct opaque);
        	__uint(value_size, 8);
        } opaque_map SEC(".maps");

        SEC("tp/syscalls/sys_enter_getpid")
        int on_getpid(void *ctx)
        {
        	__u32 key = 0;
        	return bpf_map_lookup_elem(&opaque_map, &key) != 0;
        }
        """;
}
