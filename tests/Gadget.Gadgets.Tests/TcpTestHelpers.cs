using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gadget.Gadgets.Tests;

/// <summary>Real sockets and child processes for the TCP gadget tests.</summary>
internal static class TcpTestHelpers
{
    /// <summary>A port nothing listens on now: bound, then released.</summary>
    public static int ClosedPort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Runs python3 with a script; returns its pid and its stdout once it exits.</summary>
    public static (int Pid, string Output) RunPython(string script)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python3 did not finish: " + script);
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 failed ({process.ExitCode}): {error.Result}");
        }
        return (process.Id, output.Result.Trim());
    }

    /// <summary>Runs a command; throws if it fails.</summary>
    public static string Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        }
        return output.Result;
    }

    /// <summary>Reads events until one matches, or fails after the timeout.</summary>
    public static async Task<T> FirstAsync<T>(IAsyncEnumerable<T> events, Func<T, bool> predicate, TimeSpan timeout, List<T>? seen = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var item in events.WithCancellation(cts.Token))
            {
                seen?.Add(item);
                if (predicate(item))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
        }
        throw new Xunit.Sdk.XunitException($"No matching {typeof(T).Name} within {timeout}; seen: {string.Join("; ", seen ?? [])}");
    }

    /// <summary>Runs an action on a new thread with a name: .NET makes it the thread's comm, which the kernel reports.</summary>
    public static T OnNamedThread<T>(string name, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { Name = name };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("The named thread failed", failure);
        }
        return result;
    }

    /// <summary>The comm of a live thread, as the kernel reports it.</summary>
    public static string ThreadComm(int pid, int tid) => File.ReadAllText($"/proc/{pid}/task/{tid}/comm").Trim();
}
