using System.Text;

namespace Gadget.Agent.Tests;

/// <summary>A TextWriter the client writes to; tests await the first line matching a predicate.</summary>
public sealed class ObservedWriter : TextWriter
{
    private readonly Lock gate = new();
    private readonly StringBuilder text = new();
    private readonly StringBuilder line = new();
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Found)> waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (gate)
            {
                return text.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (gate)
        {
            text.Append(value);
            if (value != '\n')
            {
                line.Append(value);
                return;
            }
            var complete = line.ToString();
            line.Clear();
            foreach (var waiter in waiters.Where(w => w.Predicate(complete)).ToList())
            {
                waiter.Found.TrySetResult(complete);
                waiters.Remove(waiter);
            }
        }
    }

    /// <summary>A task completing with the first line (written from now on) that matches.</summary>
    public Task<string> NextLine(Func<string, bool> predicate)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiters.Add((predicate, found));
        }
        return found.Task;
    }
}
