using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Seeded mutation fuzzing of the reader: valid files are mutated thousands of times (bit flips in the header and the
/// length prefix, truncation, extension, spliced, deleted and duplicated JSON fragments, replaced numbers and dtypes).
/// Every case must read consistently or throw <see cref="SafetensorsFormatException"/>: no other exception, no hang.
/// </summary>
public class SafetensorsFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Cases = 6000;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] Fragments =
    [
        "\"", "{", "}", "[", "]", ",", ":", "-1", "0", "1e400", "1.5", "18446744073709551616", "4294967296", "2147483647",
        "null", "true", "\"x\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F32\"", "\"F99\"",
        "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},",
        "\\u0000", "\\ud800", "\\\"", " ", "\n", new string('[', 70), "\"__metadata__\":{\"k\":\"v\"},",
    ];

    private static readonly string[] DtypeNames = [.. Enum.GetValues<SafetensorsDtype>().Select(d => d.ToHeaderName()), "F128", "f32", "", "I4"];

    private sealed record Basis(byte[] Image, Dictionary<string, (SafetensorsDtype Dtype, int[] Shape, byte[] Raw, double[] Values)> Tensors);

    [Fact]
    public void MutatedFilesReadConsistentlyOrThrowFormatException()
    {
        var rng = new Rng(0x5AFE7E45);
        var bases = Enumerable.Range(0, 6).Select(i => MakeBasis(rng, i)).ToArray();
        var outcomes = new Dictionary<string, int>();
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir();
        for (int i = 0; i < Cases; i++)
        {
            var basis = bases[rng.NextInt(bases.Length)];
            var image = Mutate(basis.Image, rng);
            var path = dir.Write($"case{i}.safetensors", image);
            var run = Task.Run(() => Check(path, basis));
            if (!run.Wait(CaseTimeout))
                Assert.Fail($"case {i} did not finish within {CaseTimeout}: {Convert.ToBase64String(image)}");
            if (run.IsFaulted)
                Assert.Fail($"case {i} threw {run.Exception!.InnerException}\nimage: {Convert.ToBase64String(image)}");
            outcomes[run.Result] = outcomes.GetValueOrDefault(run.Result) + 1;
            File.Delete(path);
        }
        // The mutations must reach both outcomes and most checks, or the test proves little.
        var summary = string.Join(", ", outcomes.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        output.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s: {summary}");
        Assert.True(outcomes.GetValueOrDefault("ok") > Cases / 20, summary);
        Assert.True(outcomes.Count >= 16, $"only {outcomes.Count} distinct outcomes: {summary}");
    }

    /// <summary>Opens and reads everything; returns "ok" or the error kind. Any other exception faults the task.</summary>
    private static string Check(string path, Basis basis)
    {
        try
        {
            using var file = SafetensorsFile.Open(path);
            long covered = 0;
            foreach (var e in file.Entries)
            {
                Assert.Equal(e.ElementCount * e.Dtype.Size(), e.ByteLength);
                covered += e.ByteLength;
                var raw = file.RawBytes(e.Name).ToArray();
                var d = file.Read<double>(e.Name);
                var f = file.Read<float>(e.Name);
                Assert.Equal(e.ShapeArray(), d.ShapeArray());
                Assert.Equal(e.ElementCount, d.Length);
                Assert.Equal(d.ToArray().Select(v => (float)v), f.ToArray());
                if (e.Dtype == SafetensorsDtype.F32) Assert.Equal(f.ToArray(), file.ReadView<float>(e.Name).ToArray());
                if (e.Dtype == SafetensorsDtype.F64) Assert.Equal(d.ToArray(), file.ReadView<double>(e.Name).ToArray());
                // An entry that survived the mutation unchanged must decode to the original values.
                if (basis.Tensors.TryGetValue(e.Name, out var original) && original.Dtype == e.Dtype
                    && original.Shape.SequenceEqual(e.ShapeArray()) && original.Raw.AsSpan().SequenceEqual(raw))
                    Assert.Equal(original.Values, d.ToArray());
            }
            Assert.Equal(file.FileLength - 8 - file.HeaderLength, covered);
            return "ok";
        }
        catch (SafetensorsFormatException e)
        {
            Assert.Contains(path, e.Message);
            return e.Kind.ToString();
        }
    }

    private static Basis MakeBasis(Rng rng, int index)
    {
        var tensors = Samples.Random(rng, 2 + rng.NextInt(5));
        if (index == 0) tensors = Samples.EveryDtype().Select(s => s.ToTensor()).ToList();
        var metadata = index % 2 == 0 ? null : new[] { new KeyValuePair<string, string>("format", "pt"), new("note", $"basis {index}") };
        var image = SafetensorsWriter.Serialize(tensors, metadata);
        using var dir = new TempDir();
        using var file = SafetensorsFile.Open(dir.Write("basis.safetensors", image));
        var map = file.Entries.ToDictionary(e => e.Name, e => (e.Dtype, e.ShapeArray(), file.RawBytes(e.Name).ToArray(), file.Read<double>(e.Name).ToArray()));
        return new Basis(image, map);
    }

    private static byte[] Mutate(byte[] image, Rng rng)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(image);
        var header = image.AsSpan(8, headerLength).ToArray().ToList();
        var data = image.AsSpan(8 + headerLength).ToArray();
        int steps = rng.NextInt(3);
        bool headerEdited = false;
        for (int s = 0; s < steps; s++)
        {
            switch (rng.NextInt(7))
            {
                case 6: // shift one tensor's byte range, keeping its length
                    ShiftOffsets(header, rng);
                    break;
                case 0: // splice a fragment
                    header.InsertRange(rng.NextInt(header.Count + 1), Encoding.UTF8.GetBytes(Fragments[rng.NextInt(Fragments.Length)]));
                    break;
                case 1: // delete a span
                    if (header.Count > 0) { int at = rng.NextInt(header.Count); header.RemoveRange(at, Math.Min(header.Count - at, 1 + rng.NextInt(12))); }
                    break;
                case 2: // duplicate a span
                    if (header.Count > 0) { int at = rng.NextInt(header.Count), n = Math.Min(header.Count - at, 1 + rng.NextInt(40)); header.InsertRange(rng.NextInt(header.Count + 1), header.GetRange(at, n)); }
                    break;
                case 3: // replace a number
                    ReplaceToken(header, rng, IsDigit, ["0", "1", "-1", "3", "4", "8", "9", "16", "24", "1e3", "2147483648", "18446744073709551615", "99999999999999999999"]);
                    break;
                case 4: // replace a dtype name
                    ReplaceToken(header, rng, IsUpperOrDigit, DtypeNames);
                    break;
                default: // flip bits in the header
                    if (header.Count > 0) header[rng.NextInt(header.Count)] ^= (byte)(1 << rng.NextInt(8));
                    break;
            }
            headerEdited = true;
        }
        var headerBytes = header.ToArray();
        // Usually keep the prefix honest so the JSON checks are reached; sometimes leave it stale.
        ulong prefix = headerEdited && rng.NextInt(5) > 0 ? (ulong)headerBytes.Length : (ulong)headerLength;
        var result = Bytes.Safetensors(headerBytes, prefix, data);
        switch (rng.NextInt(8))
        {
            case 0: result[rng.NextInt(8)] ^= (byte)(1 << rng.NextInt(8)); break; // flip the length prefix
            case 1: BinaryPrimitives.WriteUInt64LittleEndian(result, new[] { 0UL, 1UL, 100_000_001UL, ulong.MaxValue, (ulong)result.Length, prefix - 1, prefix + 1 }[rng.NextInt(7)]); break;
            case 2: Array.Resize(ref result, rng.NextInt(result.Length)); break; // truncate
            case 3: result = Bytes.Concat(result, Enumerable.Range(0, 1 + rng.NextInt(16)).Select(_ => (byte)rng.NextUInt64()).ToArray()); break; // extend
            case 4: if (result.Length > 8) result[8 + rng.NextInt(result.Length - 8)] ^= (byte)(1 << rng.NextInt(8)); break; // flip anywhere
        }
        return result;
    }

    /// <summary>Rewrites one "data_offsets":[b,e] as [b+k,e+k] for a small k.</summary>
    private static void ShiftOffsets(List<byte> header, Rng rng)
    {
        var text = Encoding.UTF8.GetString(header.ToArray());
        var matches = System.Text.RegularExpressions.Regex.Matches(text, "\"data_offsets\":\\[(\\d+),(\\d+)\\]");
        if (matches.Count == 0) return;
        var m = matches[rng.NextInt(matches.Count)];
        long k = new long[] { -8, -4, -2, -1, 1, 2, 4, 8 }[rng.NextInt(8)];
        var replaced = $"\"data_offsets\":[{System.Numerics.BigInteger.Parse(m.Groups[1].Value) + k},{System.Numerics.BigInteger.Parse(m.Groups[2].Value) + k}]";
        header.Clear();
        header.AddRange(Encoding.UTF8.GetBytes(text[..m.Index] + replaced + text[(m.Index + m.Length)..]));
    }

    /// <summary>Replaces one maximal run of bytes matching <paramref name="inToken"/> with a random replacement.</summary>
    private static void ReplaceToken(List<byte> header, Rng rng, Func<byte, bool> inToken, string[] replacements)
    {
        var starts = Enumerable.Range(0, header.Count).Where(i => inToken(header[i]) && (i == 0 || !inToken(header[i - 1]))).ToArray();
        if (starts.Length == 0) return;
        int start = starts[rng.NextInt(starts.Length)], end = start;
        while (end < header.Count && inToken(header[end])) end++;
        header.RemoveRange(start, end - start);
        header.InsertRange(start, Encoding.UTF8.GetBytes(replacements[rng.NextInt(replacements.Length)]));
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static bool IsUpperOrDigit(byte b) => b is >= (byte)'A' and <= (byte)'Z' or (byte)'_' || IsDigit(b);
}
