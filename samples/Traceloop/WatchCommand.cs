namespace Traceloop;

/// <summary>traceloop watch and dump.</summary>
internal static class WatchCommand
{
    internal static Task<int> RunAsync(string[] args) => Task.FromResult(Cli.Fail("watch: not implemented yet"));

    internal static Task<int> DumpAsync(string[] args) => Task.FromResult(Cli.Fail("dump: not implemented yet"));
}
