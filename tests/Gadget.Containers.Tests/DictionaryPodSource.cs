using System.Diagnostics.CodeAnalysis;

namespace Gadget.Containers.Tests;

/// <summary>A pod metadata source that is a dictionary changed by the test; raises PodChanged synchronously.</summary>
internal sealed class DictionaryPodSource : IPodMetadataSource
{
    private readonly Dictionary<(string, string), PodMetadata> _pods = [];
    private EventHandler<PodMetadataChangedEventArgs>? _changed;

    public event EventHandler<PodMetadataChangedEventArgs>? PodChanged
    {
        add => _changed += value;
        remove => _changed -= value;
    }

    public int Subscribers => _changed?.GetInvocationList().Length ?? 0;

    public void Set(PodMetadata pod)
    {
        lock (_pods)
        {
            _pods[(pod.Namespace, pod.Name)] = pod;
        }
        _changed?.Invoke(this, new PodMetadataChangedEventArgs(pod));
    }

    public void Delete(string ns, string name)
    {
        lock (_pods)
        {
            _pods.Remove((ns, name));
        }
        _changed?.Invoke(this, new PodMetadataChangedEventArgs(ns, name, null));
    }

    public bool TryGetPod(string @namespace, string name, string? uid, [NotNullWhen(true)] out PodMetadata? pod)
    {
        lock (_pods)
        {
            if (_pods.TryGetValue((@namespace, name), out pod) && (uid is null || pod.Uid is null || pod.Uid == uid))
            {
                return true;
            }
            pod = null;
            return false;
        }
    }
}
