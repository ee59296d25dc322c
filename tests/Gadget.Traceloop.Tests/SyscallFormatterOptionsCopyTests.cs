using System.Reflection;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// <see cref="SyscallHistoryWriter"/> formats a history of several threads with a copy of its options that adds the thread
/// id (<c>WithThreadId</c>): every other setting must survive the copy, a property added later included. Each public
/// settable property is given a value other than its default, by reflection, so a new one is checked without being named.
/// </summary>
public sealed class SyscallFormatterOptionsCopyTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithThreadIdKeepsEveryOtherSetting(bool includeThreadId)
    {
        var properties = typeof(SyscallFormatterOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true }).ToList();
        Assert.Contains(properties, p => p.Name == nameof(SyscallFormatterOptions.IncludeDuration)); // the reflection sees them
        var options = new SyscallFormatterOptions();
        foreach (var property in properties)
        {
            var value = NonDefault(property, property.GetValue(SyscallFormatterOptions.Default));
            property.SetValue(options, property.Name == nameof(SyscallFormatterOptions.IncludeThreadId) ? !includeThreadId : value);
        }

        var copy = options.WithThreadId(includeThreadId);

        Assert.NotSame(options, copy);
        Assert.Equal(includeThreadId, copy.IncludeThreadId);
        Assert.Equal(!includeThreadId, options.IncludeThreadId); // the original is unchanged
        foreach (var property in properties.Where(p => p.Name != nameof(SyscallFormatterOptions.IncludeThreadId)))
        {
            Assert.True(Equals(property.GetValue(options), property.GetValue(copy)), $"WithThreadId lost {property.Name}: {property.GetValue(options)} became {property.GetValue(copy)}");
        }
        Assert.Equal(options with { IncludeThreadId = includeThreadId }, copy); // a record: equal by value
    }

    /// <summary>A value of <paramref name="property"/>'s type other than <paramref name="defaultValue"/>; a property of a
    /// type this does not know fails the test, to be given one here.</summary>
    private static object NonDefault(PropertyInfo property, object? defaultValue)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        object value = type switch
        {
            _ when type == typeof(bool) => !(bool)(defaultValue ?? false),
            _ when type == typeof(int) => (int)(defaultValue ?? 0) + 7,
            _ when type == typeof(long) => (long)(defaultValue ?? 0L) + 123_456_789,
            _ when type.IsEnum => Enum.GetValues(type).Cast<object>().Last(v => !v.Equals(defaultValue)),
            _ when type == typeof(TimeZoneInfo) => TimeZoneInfo.CreateCustomTimeZone("Test/Plus0530", TimeSpan.FromMinutes(330), "Test/Plus0530", "Test/Plus0530"),
            _ => throw new Xunit.Sdk.XunitException($"SyscallFormatterOptions.{property.Name} is a {property.PropertyType}: give this test a value of it"),
        };
        Assert.NotEqual(defaultValue, value);
        return value;
    }
}
