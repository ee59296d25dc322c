using System.Runtime.InteropServices;

namespace Gadget.Bpf.Interop;

/// <summary><c>struct bpf_object_open_opts</c> (libbpf 1.0+ layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfObjectOpenOptions
{
    public nuint Size;
    public byte* ObjectName;
    public byte RelaxedMaps;
    public byte* PinRootPath;
    public uint RemovedAttachProgFd;
    public byte* Kconfig;
    public byte* BtfCustomPath;
    public byte* KernelLogBuffer;
    public nuint KernelLogSize;
    public uint KernelLogLevel;
}

/// <summary><c>struct bpf_map_create_opts</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfMapCreateOptions
{
    public nuint Size;
    public uint BtfFd;
    public uint BtfKeyTypeId;
    public uint BtfValueTypeId;
    public uint BtfVmlinuxValueTypeId;
    public uint InnerMapFd;
    public uint MapFlags;
    public ulong MapExtra;
    public uint NumaNode;
    public uint MapIfindex;
}

/// <summary><c>struct bpf_map_batch_opts</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfMapBatchOptions
{
    public nuint Size;
    public ulong ElementFlags;
    public ulong Flags;
}

/// <summary><c>struct bpf_uprobe_opts</c> (libbpf 1.1 layout).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfUprobeOptions
{
    public nuint Size;
    public nuint RefCounterOffset;
    public ulong Cookie;
    public byte Retprobe;
    public byte* FunctionName;
}

/// <summary><c>struct bpf_test_run_opts</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfTestRunOptions
{
    public nuint Size;
    public void* DataIn;
    public void* DataOut;
    public uint DataSizeIn;
    public uint DataSizeOut;
    public void* ContextIn;
    public void* ContextOut;
    public uint ContextSizeIn;
    public uint ContextSizeOut;
    public uint ReturnValue;
    public int Repeat;
    public uint Duration;
    public uint Flags;
    public uint Cpu;
    public uint BatchSize;
}

/// <summary><c>struct btf_type</c> header; <c>size</c> and <c>type</c> share the last field.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfType
{
    public uint NameOffset;
    public uint Info;
    public uint SizeOrType;

    public readonly uint Kind => (Info >> 24) & 0x1f;
    public readonly int VariableLength => (int)(Info & 0xffff);
}

/// <summary><c>struct btf_var_secinfo</c>: one variable of a BTF DATASEC.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfVariableSectionInfo
{
    public uint Type;
    public uint Offset;
    public uint Size;
}

/// <summary>The leading fields of <c>struct bpf_map_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfMapInfo
{
    public uint Type;
    public uint Id;
    public uint KeySize;
    public uint ValueSize;
    public uint MaxEntries;
    public uint MapFlags;
    public fixed byte Name[16];
    public uint Ifindex;
    public uint BtfVmlinuxValueTypeId;
    public ulong NetnsDev;
    public ulong NetnsIno;
    public uint BtfId;
    public uint BtfKeyTypeId;
    public uint BtfValueTypeId;
    public uint Padding;
    public ulong MapExtra;
}

/// <summary>The leading fields of <c>struct bpf_link_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BpfLinkInfo
{
    public uint Type;
    public uint Id;
    public uint ProgramId;
    public uint Padding;
    public fixed byte Union[64];
}
