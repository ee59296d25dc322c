namespace Gadget.Bpf;

/// <summary>How <c>BPF_MAP_UPDATE_ELEM</c> treats an existing key.</summary>
public enum BpfMapUpdateFlags : ulong
{
    /// <summary><c>BPF_ANY</c>: create or replace.</summary>
    Any = 0,

    /// <summary><c>BPF_NOEXIST</c>: create only; fails with EEXIST if the key exists.</summary>
    NoExist = 1,

    /// <summary><c>BPF_EXIST</c>: replace only; fails with ENOENT if the key is missing.</summary>
    Exist = 2,

    /// <summary><c>BPF_F_LOCK</c>: update under the value's <c>bpf_spin_lock</c>.</summary>
    Lock = 4,
}
