using System.Diagnostics;

namespace Gadget.Bpf.Tests;

public class UsdtTests
{
    /// <summary>A C program with a USDT probe gadget:tick (sys/sdt.h), fired with the number read from each stdin line.</summary>
    private const string Program = """
        #include <stdio.h>
        #include <sys/sdt.h>
        int main(void)
        {
            long value;
            setvbuf(stdout, NULL, _IONBF, 0);
            printf("ready\n");
            while (scanf("%ld", &value) == 1) {
                DTRACE_PROBE1(gadget, tick, value);
                printf("fired %ld\n", value);
            }
            return 0;
        }
        """;

    [Fact]
    public void AUsdtProbeOfAProcessDeliversItsArgument()
    {
        var directory = Directory.CreateTempSubdirectory("gadget-usdt-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "ticker.c"), Program);
            var binary = Path.Combine(directory, "ticker");
            using (var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-o", binary, Path.Combine(directory, "ticker.c")]) { RedirectStandardError = true })!)
            {
                var errors = gcc.StandardError.ReadToEnd();
                gcc.WaitForExit();
                Assert.True(gcc.ExitCode == 0, "gcc failed (apt-get install gcc systemtap-sdt-dev): " + errors);
            }
            using var ticker = Process.Start(new ProcessStartInfo(binary) { RedirectStandardInput = true, RedirectStandardOutput = true })!;
            try
            {
                Assert.Equal("ready", ticker.StandardOutput.ReadLine());
                using var obj = TestObjects.Load(TestObjects.UsdtTest);
                using var link = obj.Program("on_tick").AttachUsdt(binary, "gadget", "tick", ticker.Id);
                foreach (var value in new[] { 5, 7, 30 })
                {
                    ticker.StandardInput.WriteLine(value);
                    ticker.StandardInput.Flush();
                    Assert.Equal($"fired {value}", ticker.StandardOutput.ReadLine());
                }
                Assert.Equal(3UL, obj.GetGlobal<ulong>("usdt_calls"));
                Assert.Equal(42L, obj.GetGlobal<long>("usdt_sum"));
                Assert.Throws<BpfAttachException>(() => obj.Program("on_tick").AttachUsdt(binary, "gadget", "no_such_probe", ticker.Id));
            }
            finally
            {
                ticker.StandardInput.Close();
                ticker.WaitForExit(10_000);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
