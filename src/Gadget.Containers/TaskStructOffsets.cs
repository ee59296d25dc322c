namespace Gadget.Containers;

/// <summary>
/// Byte offsets to find a task's namespaces without BTF: <c>task_struct-&gt;nsproxy</c>, <c>nsproxy-&gt;mnt_ns</c> and
/// <c>nsproxy-&gt;uts_ns</c>, and <c>ns.inum</c> inside <c>struct mnt_namespace</c> and <c>struct uts_namespace</c>.
/// A BPF program reads the mount namespace inode of the current task as
/// <c>*(u32 *)(*(void **)(*(void **)(task + Nsproxy) + MountNamespace) + MountNamespaceInum)</c>.
/// </summary>
/// <param name="Nsproxy">Offset of <c>nsproxy</c> in <c>struct task_struct</c>.</param>
/// <param name="MountNamespace">Offset of <c>mnt_ns</c> in <c>struct nsproxy</c>.</param>
/// <param name="UtsNamespace">Offset of <c>uts_ns</c> in <c>struct nsproxy</c>.</param>
/// <param name="MountNamespaceInum">Offset of <c>ns.inum</c> in <c>struct mnt_namespace</c>.</param>
/// <param name="UtsNamespaceInum">Offset of <c>ns.inum</c> in <c>struct uts_namespace</c>.</param>
public sealed record TaskStructOffsets(int Nsproxy, int MountNamespace, int UtsNamespace, int MountNamespaceInum, int UtsNamespaceInum);
