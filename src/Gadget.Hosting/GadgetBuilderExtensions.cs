using Gadget.Containers;
using Gadget.Gadgets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gadget.Hosting;

/// <summary>
/// Adds gadgets to the host: each one a singleton started (its BPF programs loaded and attached) when the host starts, with
/// the shared <see cref="ContainerCollection"/>, its <see cref="ILogger{TCategoryName}"/>, and <see cref="GadgetSettings"/>
/// bound from <c>Gadget:Gadgets:&lt;name&gt;</c> (e.g. <c>Gadget:Gadgets:execsnoop:Selector:Name</c>) and validated at start.
/// Inject the gadget and read its events: <c>await foreach (var e in execSnoop.ReadAsync(stoppingToken))</c>. One instance per
/// host: several readers of one gadget share its events (each event goes to one reader).
/// </summary>
public static class GadgetBuilderExtensions
{
    /// <summary>Adds <see cref="ExecSnoop"/> (settings name <c>execsnoop</c>).</summary>
    /// <param name="builder">The builder <see cref="GadgetServiceCollectionExtensions.AddGadget"/> returned.</param>
    /// <param name="configure">Changes the settings after binding.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddExecSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("execsnoop", configure, (options, _) => ExecSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="OpenSnoop"/> (settings name <c>opensnoop</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddOpenSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("opensnoop", configure, (options, _) => OpenSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="SigSnoop"/> (settings name <c>sigsnoop</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddSigSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("sigsnoop", configure, (options, _) => SigSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="OomKill"/> (settings name <c>oomkill</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddOomKill(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("oomkill", configure, (options, _) => OomKill.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="TcpConnect"/> (settings name <c>tcpconnect</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddTcpConnect(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("tcpconnect", configure, (options, _) => TcpConnect.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="TcpAccept"/> (settings name <c>tcpaccept</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddTcpAccept(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("tcpaccept", configure, (options, _) => TcpAccept.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="TcpTop"/> (settings name <c>tcptop</c>; <see cref="GadgetSettings.Interval"/> is its interval).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddTcpTop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("tcptop", configure, (options, settings) => TcpTop.Start(options, new TcpTopOptions { Interval = settings.Interval }), _ => 0);

    /// <summary>
    /// Adds <see cref="FileTop"/> (settings name <c>filetop</c>; <see cref="GadgetSettings.Interval"/> is its interval,
    /// <see cref="GadgetSettings.AllFiles"/> counts every file type, not only regular files).
    /// </summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddFileTop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("filetop", configure, (options, settings) => FileTop.Start(options, new FileTopOptions { Interval = settings.Interval, AllFiles = settings.AllFiles }), _ => 0);

    /// <summary>Adds <see cref="ExitSnoop"/> (settings name <c>exitsnoop</c>; process exits, not every thread's).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddExitSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("exitsnoop", configure, (options, _) => ExitSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="BindSnoop"/> (settings name <c>bindsnoop</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddBindSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("bindsnoop", configure, (options, _) => BindSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="MountSnoop"/> (settings name <c>mountsnoop</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddMountSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("mountsnoop", configure, (options, _) => MountSnoop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="TcpRetrans"/> (settings name <c>tcpretrans</c>).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddTcpRetrans(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("tcpretrans", configure, (options, _) => TcpRetrans.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="TcpDrop"/> (settings name <c>tcpdrop</c>; Linux 5.17+: the host fails to start before).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddTcpDrop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("tcpdrop", configure, (options, _) => TcpDrop.Start(options), g => g.LostEvents);

    /// <summary>Adds <see cref="Capable"/> (settings name <c>capable</c>; needs kprobes: the host fails to start on a kernel without them).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddCapable(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("capable", configure, (options, _) => Capable.Start(options), g => g.LostEvents);
    /// <summary>Adds <see cref="DnsSnoop"/> (settings name <c>dns</c>: DNS queries and responses per network namespace, no process).</summary>
    /// <inheritdoc cref="AddExecSnoop" path="/param"/>
    /// <returns><paramref name="builder"/>.</returns>
    public static IGadgetBuilder AddDnsSnoop(this IGadgetBuilder builder, Action<GadgetSettings>? configure = null) =>
        builder.AddGadget("dns", configure, (options, _) => DnsSnoop.Start(options), g => g.LostEvents);

    private static IGadgetBuilder AddGadget<TGadget>(
        this IGadgetBuilder builder,
        string name,
        Action<GadgetSettings>? configure,
        Func<GadgetOptions, GadgetSettings, TGadget> start,
        Func<TGadget, ulong> lostEvents)
        where TGadget : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<GadgetSettings>(name);
        if (builder.Configuration is { } configuration)
        {
            options.Bind(configuration.GetSection("Gadgets").GetSection(name));
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateOnStart();
        if (services.Any(d => d.ServiceType == typeof(TGadget)))
        {
            return builder;
        }
        services.AddSingleton<IValidateOptions<GadgetSettings>>(new NamedValidator(name));
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptionsMonitor<GadgetSettings>>().Get(name);
            var loggerFactory = provider.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
            var gadgetOptions = new GadgetOptions
            {
                Containers = provider.GetRequiredService<ContainerCollection>(),
                Selector = settings.Selector?.ToSelector(),
                RingBufferSize = settings.RingBufferSize,
                Logger = loggerFactory.CreateLogger<TGadget>(),
            };
            var gadgets = provider.GetRequiredService<GadgetRegistry>();
            var gadget = start(gadgetOptions, settings);
            gadgets.Started(name, () => lostEvents(gadget));
            return gadget;
        });
        services.AddSingleton(new GadgetRegistration(name, typeof(TGadget)));
        return builder;
    }

    /// <summary>Validates the settings of one gadget (the name the options were registered under).</summary>
    private sealed class NamedValidator(string name) : IValidateOptions<GadgetSettings>
    {
        private readonly GadgetHostingOptionsValidator _inner = new();

        public ValidateOptionsResult Validate(string? optionsName, GadgetSettings options) =>
            optionsName == name ? _inner.Validate(name, options) : ValidateOptionsResult.Skip;
    }
}
