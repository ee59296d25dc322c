using System.Text;
using FileTopValue = Gadget.Gadgets.Bpf.Filetop.FiletopValue;

namespace Gadget.Gadgets.Tests;

/// <summary>How <see cref="FileTop"/> makes a name and a path of the dentry names the kernel read (names[0] the file's).</summary>
public sealed class FileTopNamesTests
{
    [Theory]
    [InlineData(new[] { "busybox", "bin", "rootfs", "tmp" }, true, FileType.Regular, "busybox", "/tmp/rootfs/bin/busybox")]
    [InlineData(new[] { "x", "b", "a", "data" }, false, FileType.Regular, "x", ".../data/a/b/x")]
    [InlineData(new[] { "x" }, true, FileType.Regular, "x", "/x")]
    [InlineData(new[] { "TCP" }, false, FileType.Socket, "socket:[42]", "socket:[42]")]
    [InlineData(new[] { "" }, false, FileType.Pipe, "pipe:[42]", "pipe:[42]")]
    [InlineData(new[] { "fifo", "run" }, true, FileType.Pipe, "fifo", "/run/fifo")]
    [InlineData(new[] { "[eventfd]" }, false, FileType.Other, "[eventfd]", "[eventfd]")]
    public void NameAndPath(string[] names, bool rooted, FileType type, string name, string path)
    {
        var value = default(FileTopValue);
        for (var i = 0; i < names.Length; i++)
        {
            Encoding.UTF8.GetBytes(names[i]).CopyTo(value.Names[i]);
        }
        value.Depth = (uint)names.Length;
        value.Rooted = rooted ? 1u : 0u;
        Assert.Equal((name, path), FileTop.Names(ref value, type, 42));
    }

    [Fact]
    public void AFullNameWithoutItsNulIsReadWhole()
    {
        var value = default(FileTopValue);
        var full = new string('n', ((Span<byte>)value.Names[0]).Length);
        Encoding.ASCII.GetBytes(full).CopyTo(value.Names[0]);
        value.Depth = 1;
        value.Rooted = 1;
        Assert.Equal((full, "/" + full), FileTop.Names(ref value, FileType.Regular, 1));
    }
}
