namespace Gadget.Gadgets;

/// <summary>Linux's address family numbers as the kernel reports them (they differ from .NET's <c>AddressFamily</c>).</summary>
internal static class LinuxAddressFamily
{
    public const ushort Inet = 2;
    public const ushort Inet6 = 10;
}
