using Gadget.Linux;

namespace Gadget.Bpf.Tests;

/// <summary>The internal Linux ABI layer at run time: what the kernel writes is where this architecture's layout reads it.</summary>
public sealed class LinuxAbiRuntimeTests
{
    [Fact]
    public unsafe void TheKernelFillsEpollEventsWhereThisArchitecturesLayoutReadsThem()
    {
        var epoll = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        var first = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        var second = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        try
        {
            Assert.True(epoll >= 0 && first >= 0 && second >= 0);
            // Tokens with every byte distinct: a layout off by any amount reads another value.
            const ulong firstToken = 0x1122334455667788, secondToken = 0x99AABBCCDDEEFF01;
            var add = stackalloc byte[EpollEvents.MaxSize];
            EpollEvents.Write(add, Libc.EPOLLIN, firstToken);
            Assert.Equal(0, Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, first, add));
            EpollEvents.Write(add, Libc.EPOLLIN, secondToken);
            Assert.Equal(0, Libc.epoll_ctl(epoll, Libc.EPOLL_CTL_ADD, second, add));
            ulong one = 1;
            Assert.Equal(sizeof(ulong), (int)Libc.write(first, &one, sizeof(ulong)));
            Assert.Equal(sizeof(ulong), (int)Libc.write(second, &one, sizeof(ulong)));

            var events = stackalloc byte[4 * EpollEvents.MaxSize];
            var ready = Libc.epoll_wait(epoll, events, 4, -1);

            Assert.Equal(2, ready);
            Assert.Equal([firstToken, secondToken], new[] { EpollEvents.Data(events, 0), EpollEvents.Data(events, 1) }.Order());
        }
        finally
        {
            Libc.close(second);
            Libc.close(first);
            Libc.close(epoll);
        }
    }

    [Fact]
    public void BootClockConvertsToWallClockAndBack()
    {
        var now = BootClock.NowNanoseconds();
        Assert.Equal(now / 100 * 100, BootClock.FromUtc(BootClock.ToUtc(now)));
        Assert.Equal(0UL, BootClock.FromUtc(BootClock.ToUtc(0).AddDays(-1)));
        Assert.True(BootClock.NowNanoseconds() >= now);
    }
}
