using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Gadget.CommandLine;

/// <summary>System.CommandLine's help, followed by the command's own sections (its fields, a line each).</summary>
internal sealed class SectionedHelpAction(HelpAction standard, IReadOnlyDictionary<Command, Func<string>> sections) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        var code = standard.Invoke(parseResult);
        if (sections.TryGetValue(parseResult.CommandResult.Command, out var text))
        {
            var output = parseResult.InvocationConfiguration.Output;
            output.WriteLine(text());
            output.WriteLine();
        }
        return code;
    }
}
