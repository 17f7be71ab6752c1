using System.Diagnostics;
using System.Text;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Seeded mutation fuzzing of the .npy and .npz readers: every case must read or throw <see cref="NpyFormatException"/>,
/// never another exception, and finish in time.
/// </summary>
public class NpyFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Fragments =
        ["'", "\"", "{", "}", "(", ")", "[", "]", ",", ":", "-1", "0", "4294967296", "1.5", "True", "None", "L", "'<f4'", "'|O'", "'>i8'", "'shape'", "\\x00", "\n", new string('(', 40)];

    [Fact]
    public void MutatedNpyFilesReadOrThrowNpyFormatException()
    {
        var rng = new Rng(0xA11CE);
        var bases = new[]
        {
            Serialize(Tensor<float>.Arange(6).Reshape(2, 3)),
            Serialize(Tensor<double>.FromArray([1.5, -2.25])),
            Bytes.Npy("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 2), }\n", new byte[16]),
            Bytes.Npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", [1, 0, 1], major: 3, utf8: true),
        };
        var outcomes = Run(3000, rng, () =>
        {
            var image = MutateNpy(bases[rng.NextInt(bases.Length)], rng);
            return (image, () => Outcome(() => Npy.Read<double>(new MemoryStream(image), "fuzz.npy").Length));
        });
        Assert.True(outcomes.GetValueOrDefault("ok") > 100, Summary(outcomes));
        Assert.True(outcomes.Count >= 10, Summary(outcomes));
    }

    [Fact]
    public void MutatedNpzArchivesReadOrThrowNpyFormatException()
    {
        var rng = new Rng(0xB0B);
        using var dir = new TempDir();
        var path = dir.File("base.npz");
        Npz.Write(path, new Dictionary<string, Tensor<float>> { ["a"] = Tensor<float>.Arange(10), ["b"] = Tensor<float>.Ones(2, 2) });
        var stored = File.ReadAllBytes(path);
        // np.savez_compressed(b=np.array([1, -2, 3])) from NumPy 1.24.2.
        var deflated = Convert.FromBase64String("UEsDBBQAAAAIAAAAIQB0qPMwTgAAAJgAAAAFABQAYi5ucHkBABAAmAAAAAAAAABOAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GsY6mjoKtQoUAC5GBgj49x8CmKF8AFBLAQIUAxQAAAAIAAAAIQB0qPMwTgAAAJgAAAAFAAAAAAAAAAAAAACAAQAAAABiLm5weVBLBQYAAAAAAQABADMAAACFAAAAAAA=");
        var outcomes = Run(1500, rng, () =>
        {
            var source = rng.NextInt(2) == 0 ? stored : deflated;
            var image = (byte[])source.Clone();
            int flips = 1 + rng.NextInt(4);
            for (int i = 0; i < flips; i++) image[rng.NextInt(image.Length)] ^= (byte)(1 << rng.NextInt(8));
            if (rng.NextInt(4) == 0) Array.Resize(ref image, rng.NextInt(image.Length));
            return (image, () => Outcome(() => Npz.Read<double>(new MemoryStream(image), "fuzz.npz").Count));
        });
        Assert.True(outcomes.Count >= 3, Summary(outcomes));
    }

    private Dictionary<string, int> Run(int cases, Rng rng, Func<(byte[] Image, Func<string> Check)> next)
    {
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < cases; i++)
        {
            var (image, check) = next();
            var run = Task.Run(check);
            if (!run.Wait(CaseTimeout)) Assert.Fail($"case {i} did not finish within {CaseTimeout}: {Convert.ToBase64String(image)}");
            if (run.IsFaulted) Assert.Fail($"case {i} threw {run.Exception!.InnerException}\nimage: {Convert.ToBase64String(image)}");
            outcomes[run.Result] = outcomes.GetValueOrDefault(run.Result) + 1;
        }
        output.WriteLine($"{cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {Summary(outcomes)}");
        return outcomes;
    }

    private static string Outcome(Func<int> read)
    {
        try
        {
            read();
            return "ok";
        }
        catch (NpyFormatException e)
        {
            Assert.Contains("fuzz.np", e.Message);
            return e.Kind.ToString();
        }
    }

    private static byte[] MutateNpy(byte[] image, Rng rng)
    {
        var list = image.ToList();
        int headerEnd = Math.Min(list.Count, 128);
        switch (rng.NextInt(5))
        {
            case 0: list[rng.NextInt(list.Count)] ^= (byte)(1 << rng.NextInt(8)); break;
            case 1: list.RemoveRange(rng.NextInt(list.Count), 1); break;
            case 2: list.InsertRange(10 + rng.NextInt(headerEnd - 10), Encoding.ASCII.GetBytes(Fragments[rng.NextInt(Fragments.Length)])); break;
            case 3: list = list.Take(rng.NextInt(list.Count)).ToList(); break;
            default: return image.Concat(new byte[1 + rng.NextInt(8)]).ToArray();
        }
        // Keep the header length field consistent half of the time, so the literal parser is reached.
        var result = list.ToArray();
        if (rng.NextInt(2) == 0 && result.Length > 10 && result[6] == 1)
        {
            int newline = Array.IndexOf(result, (byte)'\n', 10);
            if (newline > 0) BitConverter.GetBytes((ushort)(newline - 9)).CopyTo(result, 8);
        }
        return result;
    }

    private static byte[] Serialize<T>(Tensor<T> t) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var m = new MemoryStream();
        Npy.Write(m, t);
        return m.ToArray();
    }

    private static string Summary(Dictionary<string, int> outcomes) => string.Join(", ", outcomes.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
}
