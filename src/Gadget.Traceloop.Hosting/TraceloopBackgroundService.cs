using System.Text;
using Gadget.Bpf;
using Gadget.Containers;
using Gadget.Traceloop.Decoding;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gadget.Traceloop.Hosting;

/// <summary>
/// Runs a <see cref="TraceloopTracer"/> for the lifetime of the host: records the containers that
/// <see cref="TraceloopHostingOptions.Selector"/> matches, and when one crashes (or a command started with
/// <see cref="RunCommandAsync"/> fails) logs its last syscalls, strace-like, and raises <see cref="HistoryDumped"/>.
/// Registered by <see cref="TraceloopServiceCollectionExtensions.AddTraceloop(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{TraceloopHostingOptions})"/>.
/// </summary>
public sealed class TraceloopBackgroundService : BackgroundService
{
    private readonly TraceloopHostingOptions _options;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly SyscallFormatter _formatter;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ContainerCollection? _sharedCollection;
    private readonly ulong? _commandOpenFileSoftLimit;
    private TraceloopTracer? _tracer;
    private ContainerCollection? _ownCollection;
    private ContainerRecorder? _recorder;

    /// <summary>Creates the service with a container collection of its own (made at start, disposed at stop).</summary>
    /// <param name="options">What to record.</param>
    /// <param name="loggerFactory">Where the histories and the diagnostics of the tracer, the container collection and libbpf go; <c>null</c>: nowhere.</param>
    public TraceloopBackgroundService(IOptions<TraceloopHostingOptions> options, ILoggerFactory? loggerFactory = null)
        : this(options, null, loggerFactory)
    {
    }

    /// <summary>Creates the service (the host does, through dependency injection, with the host's shared collection).</summary>
    /// <param name="options">What to record.</param>
    /// <param name="containers">The host's shared container collection (not disposed by the service); <c>null</c>: one of its own.</param>
    /// <param name="loggerFactory">Where the histories and the diagnostics of the tracer and libbpf go; <c>null</c>: nowhere.</param>
    public TraceloopBackgroundService(IOptions<TraceloopHostingOptions> options, ContainerCollection? containers, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _sharedCollection = containers;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<TraceloopBackgroundService>();
        _formatter = new SyscallFormatter(_options.Formatter);
        // Read now, while this host's parent is most likely still the one that started it.
        _commandOpenFileSoftLimit = _options.CommandOpenFileSoftLimit ?? TracedCommand.StartingOpenFileSoftLimit;
    }

    /// <summary>Whether the tracer is loaded and its programs attached (false before the start, after the stop, or when the start failed).</summary>
    public bool IsRecording => _tracer is not null;

    /// <summary>Raised with every history the service dumps: a selected container that crashed, or a command that failed.</summary>
    public event EventHandler<TraceloopHistoryEventArgs>? HistoryDumped;

    /// <summary>The tracer, once the service has started; <c>null</c> before and after.</summary>
    public TraceloopTracer? Tracer => _tracer;

    /// <summary>The container recorder, once started with <see cref="TraceloopHostingOptions.FollowContainers"/>; otherwise <c>null</c>.</summary>
    public ContainerRecorder? Recorder => _recorder;

    /// <summary>Completes when the tracer is loaded and following the containers (faults if that failed).</summary>
    public Task Started => _started.Task;

    /// <summary>Loads the tracer and starts following the containers, then lets the host go on.</summary>
    /// <param name="cancellationToken">Aborts the start.</param>
    /// <exception cref="BpfException">The recorder could not be loaded into the kernel.</exception>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var tracerOptions = _options.Tracer;
            tracerOptions.Logger ??= _loggerFactory.CreateLogger<TraceloopTracer>();
            _tracer = TraceloopTracer.Start(tracerOptions);
            if (_options.FollowContainers)
            {
                var collection = _sharedCollection
                    ?? (_ownCollection = new ContainerCollection(new ContainerCollectionOptions { Logger = _loggerFactory.CreateLogger<ContainerCollection>() }));
                _recorder = _tracer.Follow(collection, _options.Selector, _options.RetainedExitedContainers);
                _recorder.ContainerExited += OnContainerExited;
            }
            _logger.LogInformation(
                "Traceloop is recording {Selector} ({Bytes} bytes of kernel memory per container).",
                _options.FollowContainers ? _options.Selector.ToString() : "commands only",
                _tracer.BytesPerContainer);
            _started.TrySetResult();
        }
        catch (Exception exception)
        {
            Release();
            _started.TrySetException(exception);
            throw;
        }
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The kernel records and the collection raises its events on its own thread: nothing to poll here.
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops following the containers and unloads the tracer.</summary>
    /// <param name="cancellationToken">Ends the graceful stop early.</param>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await base.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> in a cgroup of its own, recorded from its <c>execve</c> on (<see cref="TracedCommand"/>), waits
    /// for it, and when it exits with a non-zero code logs its history and raises <see cref="HistoryDumped"/>. The cgroup and
    /// its ring are made before the command starts (what can be refused is refused before anything runs), and the command
    /// gets <see cref="TraceloopHostingOptions.CommandOpenFileSoftLimit"/> as its soft open-file limit.
    /// </summary>
    /// <param name="command">The program (looked up in <c>PATH</c>).</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="cancellationToken">Stops waiting (the command is killed).</param>
    /// <returns>The command's exit code.</returns>
    /// <exception cref="InvalidOperationException">The service has not started.</exception>
    /// <exception cref="BpfPermissionException">The command's cgroup may not be made, or its ring's memory is refused.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="TraceloopHostingOptions.CommandOpenFileSoftLimit"/> is above this
    /// process's hard open-file limit.</exception>
    public async Task<int> RunCommandAsync(string command, IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(arguments);
        var tracer = _tracer ?? throw new InvalidOperationException("The traceloop service has not started (or has stopped).");
        var argumentList = arguments.ToArray();
        await using var traced = TracedCommand.Prepare(tracer, command, argumentList, new TracedCommandOptions { OpenFileSoftLimit = _commandOpenFileSoftLimit });
        traced.Start();
        var exitCode = await traced.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            var name = string.Join(' ', [command, .. argumentList]);
            Report(new TraceloopHistoryEventArgs(name, null, exitCode, traced.Dump()), $"exited with code {exitCode}");
        }
        return exitCode;
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        Release();
        base.Dispose();
    }

    private void OnContainerExited(object? sender, ContainerHistoryEventArgs e)
    {
        if (e.IsCrash)
        {
            Report(new TraceloopHistoryEventArgs(e.Container.Name, e.Container, null, e.History), e.ExitStatus.ToString());
        }
        else if (_options.LogEveryExit)
        {
            _logger.LogInformation("{Name} ({Id}) {How}; {Count} syscalls recorded.", e.Container.Name, e.Container.Id, e.ExitStatus, e.History.Count);
        }
    }

    private void Report(TraceloopHistoryEventArgs history, string how)
    {
        try
        {
            if (_logger.IsEnabled(LogLevel.Error))
            {
                _logger.LogError("{Name} {How}; its last syscalls:{NewLine}{History}", history.Name, how, Environment.NewLine, Format(history.History));
            }
            HistoryDumped?.Invoke(this, history);
            _options.OnHistory?.Invoke(history);
        }
        catch (Exception exception)
        {
            // Raised on the collection's event thread: a failing subscriber must not stop the recording of the others.
            _logger.LogError(exception, "A traceloop history subscriber failed for {Name}.", history.Name);
        }
    }

    private string Format(IReadOnlyList<SyscallRecord> history)
    {
        var text = new StringBuilder();
        var first = Math.Max(0, history.Count - Math.Max(0, _options.LoggedSyscalls));
        if (first > 0)
        {
            text.Append("  ... ").Append(first).AppendLine(" earlier syscalls");
        }
        for (var i = first; i < history.Count; i++)
        {
            text.Append("  ");
            _formatter.Format(history[i], text);
            text.AppendLine();
        }
        return text.ToString();
    }

    private void Release()
    {
        var recorder = Interlocked.Exchange(ref _recorder, null);
        if (recorder is not null)
        {
            recorder.ContainerExited -= OnContainerExited;
            recorder.Dispose();
        }
        Interlocked.Exchange(ref _ownCollection, null)?.Dispose();
        Interlocked.Exchange(ref _tracer, null)?.Dispose();
    }
}
