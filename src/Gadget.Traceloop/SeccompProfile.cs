using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gadget.Traceloop;

/// <summary>
/// An OCI seccomp profile (the <c>linux.seccomp</c> object of a runtime spec, also the format of Kubernetes'
/// <c>localhost</c> seccomp profiles): every syscall refused with an errno except the allowed ones.
/// </summary>
public sealed class SeccompProfile
{
    /// <summary>Creates a profile.</summary>
    /// <param name="allowedSyscalls">The syscall names allowed.</param>
    /// <param name="architectures">The <c>SCMP_ARCH_*</c> names the profile applies to.</param>
    /// <param name="refusedErrno">The errno returned for every other syscall.</param>
    public SeccompProfile(IEnumerable<string> allowedSyscalls, IEnumerable<string> architectures, int refusedErrno)
    {
        AllowedSyscalls = [.. allowedSyscalls.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Architectures = [.. architectures];
        RefusedErrno = refusedErrno;
    }

    /// <summary>The allowed syscalls, sorted by name.</summary>
    public IReadOnlyList<string> AllowedSyscalls { get; }

    /// <summary>The <c>SCMP_ARCH_*</c> architectures.</summary>
    public IReadOnlyList<string> Architectures { get; }

    /// <summary>The errno a refused syscall returns.</summary>
    public int RefusedErrno { get; }

    /// <summary>The profile as a JSON object (the OCI <c>linux.seccomp</c> shape).</summary>
    public JsonObject ToJsonObject() => new()
    {
        ["defaultAction"] = "SCMP_ACT_ERRNO",
        ["defaultErrnoRet"] = RefusedErrno,
        ["architectures"] = new JsonArray([.. Architectures.Select(a => (JsonNode)JsonValue.Create(a))]),
        ["syscalls"] = new JsonArray(
            new JsonObject
            {
                ["names"] = new JsonArray([.. AllowedSyscalls.Select(n => (JsonNode)JsonValue.Create(n))]),
                ["action"] = "SCMP_ACT_ALLOW",
            }),
    };

    /// <summary>The profile as indented JSON, ready for a file runc or the kubelet reads.</summary>
    public string ToJson() => ToJsonObject().ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
