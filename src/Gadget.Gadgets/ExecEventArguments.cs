namespace Gadget.Gadgets;

/// <summary>The arguments of an <see cref="ExecEventView"/>, one span of bytes each, without copying: a <c>foreach</c> source.</summary>
public ref struct ExecEventArguments
{
    private ReadOnlySpan<byte> _rest;
    private int _left;

    internal ExecEventArguments(ReadOnlySpan<byte> arguments, int count)
    {
        _rest = arguments;
        _left = count;
    }

    /// <summary>The current argument's bytes (no NUL).</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
    public readonly ExecEventArguments GetEnumerator() => this;

    /// <summary>Moves to the next argument.</summary>
    public bool MoveNext()
    {
        if (_rest.IsEmpty || _left <= 0)
        {
            return false;
        }
        var end = _rest.IndexOf((byte)0);
        Current = end < 0 ? _rest : _rest[..end];
        _rest = end < 0 ? default : _rest[(end + 1)..];
        _left--;
        return true;
    }
}
