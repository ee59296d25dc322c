using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary>
/// P/Invoke declarations for the system's libbpf (<c>libbpf.so.1</c>, version 1.0 or newer).
/// libbpf 1.x reports failures as a negative errno return value, or as a NULL pointer with errno set.
/// </summary>
internal static unsafe partial class LibBpf
{
    internal const string Library = "libbpf.so.1";

    // --- objects -------------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "bpf_object__open_file", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_object__open_file(string path, BpfObjectOpenOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_object__open_mem", SetLastError = true)]
    internal static partial nint bpf_object__open_mem(void* objBuf, nuint objBufSize, BpfObjectOpenOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_object__load")]
    internal static partial int bpf_object__load(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__close")]
    internal static partial void bpf_object__close(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__name")]
    internal static partial byte* bpf_object__name(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__btf")]
    internal static partial nint bpf_object__btf(nint obj);

    [LibraryImport(Library, EntryPoint = "bpf_object__next_program")]
    internal static partial nint bpf_object__next_program(nint obj, nint prev);

    [LibraryImport(Library, EntryPoint = "bpf_object__next_map")]
    internal static partial nint bpf_object__next_map(nint obj, nint prev);

    // --- programs ------------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "bpf_program__name")]
    internal static partial byte* bpf_program__name(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__section_name")]
    internal static partial byte* bpf_program__section_name(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__fd")]
    internal static partial int bpf_program__fd(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__type")]
    internal static partial int bpf_program__type(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_autoload")]
    internal static partial int bpf_program__set_autoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Library, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool bpf_program__autoload(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_type")]
    internal static partial int bpf_program__set_type(nint prog, int type);

    [LibraryImport(Library, EntryPoint = "bpf_program__expected_attach_type")]
    internal static partial int bpf_program__expected_attach_type(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_expected_attach_type")]
    internal static partial int bpf_program__set_expected_attach_type(nint prog, int type);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_attach_target", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_program__set_attach_target(nint prog, int attachProgFd, string? attachFunctionName);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_autoattach")]
    internal static partial void bpf_program__set_autoattach(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoattach);

    [LibraryImport(Library, EntryPoint = "bpf_program__autoattach")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool bpf_program__autoattach(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_iter", SetLastError = true)]
    internal static partial nint bpf_program__attach_iter(nint prog, void* opts);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_usdt", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_usdt(nint prog, int pid, string binaryPath, string provider, string name, void* opts);

    [LibraryImport(Library, EntryPoint = "bpf_iter_create")]
    internal static partial int bpf_iter_create(int linkFd);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_log_buf")]
    internal static partial int bpf_program__set_log_buf(nint prog, byte* logBuf, nuint logSize);

    [LibraryImport(Library, EntryPoint = "bpf_program__set_log_level")]
    internal static partial int bpf_program__set_log_level(nint prog, uint logLevel);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach", SetLastError = true)]
    internal static partial nint bpf_program__attach(nint prog);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_tracepoint", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_tracepoint(nint prog, string category, string name);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_raw_tracepoint", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_raw_tracepoint(nint prog, string name);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_kprobe", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_kprobe(nint prog, [MarshalAs(UnmanagedType.U1)] bool retprobe, string functionName);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_uprobe_opts", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_program__attach_uprobe_opts(nint prog, int pid, string binaryPath, nuint funcOffset, BpfUprobeOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_program__attach_perf_event", SetLastError = true)]
    internal static partial nint bpf_program__attach_perf_event(nint prog, int perfEventFd);

    // --- links ---------------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "bpf_link__destroy")]
    internal static partial int bpf_link__destroy(nint link);

    [LibraryImport(Library, EntryPoint = "bpf_link__fd")]
    internal static partial int bpf_link__fd(nint link);

    [LibraryImport(Library, EntryPoint = "bpf_link__pin", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_link__pin(nint link, string path);

    [LibraryImport(Library, EntryPoint = "bpf_link__unpin")]
    internal static partial int bpf_link__unpin(nint link);

    [LibraryImport(Library, EntryPoint = "bpf_link__open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint bpf_link__open(string path);

    // --- maps owned by an object ---------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "bpf_map__name")]
    internal static partial byte* bpf_map__name(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__fd")]
    internal static partial int bpf_map__fd(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__btf_value_type_id")]
    internal static partial uint bpf_map__btf_value_type_id(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__type")]
    internal static partial int bpf_map__type(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__key_size")]
    internal static partial uint bpf_map__key_size(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__value_size")]
    internal static partial uint bpf_map__value_size(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__max_entries")]
    internal static partial uint bpf_map__max_entries(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__map_flags")]
    internal static partial uint bpf_map__map_flags(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_key_size")]
    internal static partial int bpf_map__set_key_size(nint map, uint size);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_value_size")]
    internal static partial int bpf_map__set_value_size(nint map, uint size);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_type")]
    internal static partial int bpf_map__set_type(nint map, int type);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_map_flags")]
    internal static partial int bpf_map__set_map_flags(nint map, uint flags);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_autocreate")]
    internal static partial int bpf_map__set_autocreate(nint map, [MarshalAs(UnmanagedType.U1)] bool autocreate);

    [LibraryImport(Library, EntryPoint = "bpf_map__autocreate")]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool bpf_map__autocreate(nint map);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_max_entries")]
    internal static partial int bpf_map__set_max_entries(nint map, uint maxEntries);

    [LibraryImport(Library, EntryPoint = "bpf_map__initial_value")]
    internal static partial void* bpf_map__initial_value(nint map, nuint* size);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_inner_map_fd")]
    internal static partial int bpf_map__set_inner_map_fd(nint map, int fd);

    [LibraryImport(Library, EntryPoint = "bpf_map__set_pin_path", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_map__set_pin_path(nint map, string? path);

    [LibraryImport(Library, EntryPoint = "bpf_map__reuse_fd")]
    internal static partial int bpf_map__reuse_fd(nint map, int fd);

    // --- BTF -----------------------------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "btf__find_by_name_kind", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int btf__find_by_name_kind(nint btf, string typeName, uint kind);

    [LibraryImport(Library, EntryPoint = "btf__type_by_id")]
    internal static partial BtfType* btf__type_by_id(nint btf, uint id);

    [LibraryImport(Library, EntryPoint = "btf__name_by_offset")]
    internal static partial byte* btf__name_by_offset(nint btf, uint offset);

    // --- low-level syscall wrappers (return negative errno) -------------------------------

    [LibraryImport(Library, EntryPoint = "bpf_map_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_map_create(int mapType, string? mapName, uint keySize, uint valueSize, uint maxEntries, BpfMapCreateOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_elem")]
    internal static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_elem_flags")]
    internal static partial int bpf_map_lookup_elem_flags(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_and_delete_elem")]
    internal static partial int bpf_map_lookup_and_delete_elem(int fd, void* key, void* value);

    [LibraryImport(Library, EntryPoint = "bpf_map_update_elem")]
    internal static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, EntryPoint = "bpf_map_delete_elem")]
    internal static partial int bpf_map_delete_elem(int fd, void* key);

    [LibraryImport(Library, EntryPoint = "bpf_map_get_next_key")]
    internal static partial int bpf_map_get_next_key(int fd, void* key, void* nextKey);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_batch")]
    internal static partial int bpf_map_lookup_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, BpfMapBatchOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_map_lookup_and_delete_batch")]
    internal static partial int bpf_map_lookup_and_delete_batch(int fd, void* inBatch, void* outBatch, void* keys, void* values, uint* count, BpfMapBatchOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_map_update_batch")]
    internal static partial int bpf_map_update_batch(int fd, void* keys, void* values, uint* count, BpfMapBatchOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_map_delete_batch")]
    internal static partial int bpf_map_delete_batch(int fd, void* keys, uint* count, BpfMapBatchOptions* opts);

    [LibraryImport(Library, EntryPoint = "bpf_obj_pin", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_obj_pin(int fd, string path);

    [LibraryImport(Library, EntryPoint = "bpf_obj_get", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int bpf_obj_get(string path);

    [LibraryImport(Library, EntryPoint = "bpf_obj_get_info_by_fd")]
    internal static partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLength);

    [LibraryImport(Library, EntryPoint = "bpf_map_get_fd_by_id")]
    internal static partial int bpf_map_get_fd_by_id(uint id);

    [LibraryImport(Library, EntryPoint = "bpf_prog_test_run_opts")]
    internal static partial int bpf_prog_test_run_opts(int progFd, BpfTestRunOptions* opts);

    // --- feature probes and misc ---------------------------------------------------------

    [LibraryImport(Library, EntryPoint = "libbpf_probe_bpf_prog_type")]
    internal static partial int libbpf_probe_bpf_prog_type(int progType, void* opts);

    [LibraryImport(Library, EntryPoint = "libbpf_probe_bpf_map_type")]
    internal static partial int libbpf_probe_bpf_map_type(int mapType, void* opts);

    [LibraryImport(Library, EntryPoint = "libbpf_probe_bpf_helper")]
    internal static partial int libbpf_probe_bpf_helper(int progType, int helperId, void* opts);

    [LibraryImport(Library, EntryPoint = "libbpf_num_possible_cpus")]
    internal static partial int libbpf_num_possible_cpus();

    [LibraryImport(Library, EntryPoint = "libbpf_major_version")]
    internal static partial uint libbpf_major_version();

    [LibraryImport(Library, EntryPoint = "libbpf_minor_version")]
    internal static partial uint libbpf_minor_version();

    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    internal static partial nint libbpf_set_print(delegate* unmanaged[Cdecl]<int, byte*, nint, int> callback);

    [LibraryImport(Library, EntryPoint = "libbpf_strerror")]
    internal static partial int libbpf_strerror(int err, byte* buf, nuint size);
}
