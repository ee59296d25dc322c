using System.Text.Json;
using Gadget.Traceloop.Decoding;

namespace Gadget.Traceloop.Tests;

/// <summary>
/// A task's comm is read as UTF-8, as the gadgets read it: a traced program that renames itself (prctl PR_SET_NAME) to
/// "café" is "café" in its records and their JSON, not the Latin-1 reading "cafÃ©". A name the kernel cuts at 15 bytes
/// inside a character ends with one U+FFFD, the rest as it was. Before: each byte was one character.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class CommandNameTests
{
    // "abcdefghijklmn" is 14 bytes: the kernel keeps the first of the euro sign's three.
    private const string Program = """
        #include <sys/prctl.h>
        #include <unistd.h>
        int main(void) {
          prctl(PR_SET_NAME, "caf\xc3\xa9", 0, 0, 0);
          getppid();
          prctl(PR_SET_NAME, "abcdefghijklmn\xe2\x82\xacx", 0, 0, 0);
          getppid();
          prctl(PR_SET_NAME, "\xe2\x82\xac\xff\xe2\x82\xac", 0, 0, 0);
          getppid();
          return 0;
        }
        """;

    [Fact]
    public async Task AUtf8NameIsRecordedExactlyAndACutCharacterIsOneReplacementCharacter()
    {
        var directory = Directory.CreateTempSubdirectory("gadget-comm-");
        try
        {
            var source = Path.Combine(directory.FullName, "rename.c");
            await File.WriteAllTextAsync(source, Program);
            var binary = Gcc.Compile(source, Path.Combine(directory.FullName, "rename"));

            await using var tracer = TraceloopTracer.Start();
            await using var command = TracedCommand.Start(tracer, binary, []);
            Assert.Equal(0, await command.WaitForExitAsync());
            var history = command.Dump();

            var getppids = history.Where(r => SyscallTable.Current.GetName(r) == "getppid").ToList();
            string[] expected = ["café", "abcdefghijklmn\uFFFD", "€\uFFFD€"];
            Assert.Equal(expected, getppids.Select(r => r.Command));
            var json = new SyscallJsonFormatter();
            Assert.Equal(expected, getppids.Select(r =>
            {
                using var record = JsonDocument.Parse(json.Format(r));
                return record.RootElement.GetProperty("comm").GetString();
            }));
            // Interned: one string for one name.
            Assert.Same(getppids[0].Command, history.Last(r => r.Command == "café" && !ReferenceEquals(r, getppids[0])).Command);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
