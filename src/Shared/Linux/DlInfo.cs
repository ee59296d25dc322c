using System.Runtime.InteropServices;

namespace Gadget.Linux;

/// <summary><c>Dl_info</c>: the shared object (and symbol) an address belongs to.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DlInfo
{
    /// <summary><c>dli_fname</c>.</summary>
    public byte* FileName;

    /// <summary><c>dli_fbase</c>.</summary>
    public void* FileBase;

    /// <summary><c>dli_sname</c>.</summary>
    public byte* SymbolName;

    /// <summary><c>dli_saddr</c>.</summary>
    public void* SymbolAddress;
}
