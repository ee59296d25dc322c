using System.Collections.Generic;
using System.Text;

namespace Gadget.Bpf.Generators.Emit;

/// <summary>C names to C# names: <c>exec_event</c> -> <c>ExecEvent</c>, <c>args_count</c> -> <c>ArgsCount</c>, keywords escaped.</summary>
internal static class CSharpNames
{
    private static readonly HashSet<string> Keywords = new()
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long",
        "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
        "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch",
        "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void",
        "volatile", "while",
    };

    /// <summary>
    /// PascalCase of a C identifier: words split at underscores, each capitalized; a word written all in capitals (a C
    /// constant's, <c>SAMPLE_GETPPID</c>) is lowered after its first letter (<c>SampleGetppid</c>); a leading digit gets an underscore.
    /// </summary>
    public static string Pascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var word in name.Split('_', '.', '-'))
        {
            var letters = 0;
            var capitals = 0;
            foreach (var c in word)
            {
                letters += char.IsLetter(c) ? 1 : 0;
                capitals += char.IsUpper(c) ? 1 : 0;
            }
            var allCapitals = letters > 1 && letters == capitals;
            var first = true;
            foreach (var c in word)
            {
                if (!char.IsLetterOrDigit(c))
                {
                    continue;
                }
                builder.Append(first ? char.ToUpperInvariant(c) : allCapitals ? char.ToLowerInvariant(c) : c);
                first = false;
            }
        }
        if (builder.Length == 0 || char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        return builder.ToString();
    }

    /// <summary>An identifier usable as is (<c>@</c> before a keyword).</summary>
    public static string Identifier(string name) => Keywords.Contains(name) ? "@" + name : name;

    /// <summary><paramref name="wanted"/>, or it with a number appended, whichever <paramref name="taken"/> does not hold yet (then added).</summary>
    public static string Unique(string wanted, HashSet<string> taken)
    {
        var name = wanted;
        for (var i = 2; !taken.Add(name); i++)
        {
            name = wanted + i;
        }
        return name;
    }

    /// <summary>A string literal.</summary>
    public static string Literal(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>Text safe inside an XML doc comment.</summary>
    public static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
