using System;
using System.Linq;

namespace Gadget.Bpf.Generators;

/// <summary>
/// One <c>&lt;BpfObject&gt;</c> item as the generator sees it: its path and bytes, its arm64 twin's, and its metadata.
/// Equal when all of those are (so the incremental pipeline regenerates only when the object or its options change).
/// </summary>
internal sealed class BpfObjectInput : IEquatable<BpfObjectInput>
{
    public BpfObjectInput(string path, byte[]? bytes, string? error, string? arm64Path, byte[]? arm64Bytes, string @namespace, string className, string resourceName, string types, bool isPublic, bool skeleton)
    {
        Path = path;
        Bytes = bytes;
        Error = error;
        Arm64Path = arm64Path;
        Arm64Bytes = arm64Bytes;
        Namespace = @namespace;
        ClassName = className;
        ResourceName = resourceName;
        Types = types;
        IsPublic = isPublic;
        Skeleton = skeleton;
    }

    public string Path { get; }

    /// <summary>The object's bytes; null when it could not be read (<see cref="Error"/> says why).</summary>
    public byte[]? Bytes { get; }

    public string? Error { get; }

    public string? Arm64Path { get; }

    public byte[]? Arm64Bytes { get; }

    public string Namespace { get; }

    public string ClassName { get; }

    public string ResourceName { get; }

    /// <summary>Semicolon-separated C type names to emit besides those the maps and globals reach.</summary>
    public string Types { get; }

    public bool IsPublic { get; }

    /// <summary>Whether to emit the skeleton classes (else the layouts only).</summary>
    public bool Skeleton { get; }

    public bool Equals(BpfObjectInput? other) =>
        other is not null && Path == other.Path && Error == other.Error && Arm64Path == other.Arm64Path && Namespace == other.Namespace &&
        ClassName == other.ClassName && ResourceName == other.ResourceName && Types == other.Types && IsPublic == other.IsPublic &&
        Skeleton == other.Skeleton && Same(Bytes, other.Bytes) && Same(Arm64Bytes, other.Arm64Bytes);

    public override bool Equals(object? obj) => obj is BpfObjectInput other && Equals(other);

    public override int GetHashCode() => Path.GetHashCode() ^ (Bytes?.Length ?? 0);

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);
}
