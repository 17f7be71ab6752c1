using System.Diagnostics;
using Noether.Tensors;

namespace Noether.IO.Tests;

/// <summary>
/// Seeded byte mutations of real ONNX files: the importer must either import the model or fail with
/// <see cref="InvalidDataException"/> / <see cref="OnnxImportException"/> naming the file — never another exception.
/// </summary>
public class OnnxFuzzTests
{
    public static TheoryData<string> Seeds => new() { "hello_deepa", "cnn" };

    [Theory, MemberData(nameof(Seeds))]
    public void MutatedFilesFailCleanly(string which)
    {
        using var dir = new TempDir();
        string source;
        if (which == "cnn")
        {
            source = dir.File("cnn.onnx");
            OnnxExporter.Save(OnnxRoundTripTests.Perturbed(OnnxRoundTripTests.Build("resnet20")).Cast<float>(), source);
        }
        else source = HelloDeepaTests.Data("hello_deepa.onnx");
        var original = File.ReadAllBytes(source);
        var rng = new Rng(which == "cnn" ? 11UL : 7UL);
        int imported = 0, rejected = 0;
        const int rounds = 1000; // fixed, so every run covers the same mutants whatever the machine's speed
        for (int round = 0; round < rounds; round++)
        {
            var bytes = (byte[])original.Clone();
            int edits = 1 + (int)(rng.NextDouble() * 8);
            for (int e = 0; e < edits; e++)
            {
                // Bias edits towards the header (graph structure) where they change meaning, not just weights.
                int at = rng.NextDouble() < 0.5 ? (int)(rng.NextDouble() * Math.Min(4096, bytes.Length)) : (int)(rng.NextDouble() * bytes.Length);
                bytes[at] = rng.NextDouble() < 0.5 ? (byte)(rng.NextDouble() * 256) : (byte)(bytes[at] ^ (1 << (int)(rng.NextDouble() * 8)));
            }
            if (rng.NextDouble() < 0.1) bytes = bytes[..(int)(rng.NextDouble() * bytes.Length)];
            var path = dir.Write($"mutant_{round}.onnx", bytes);
            try { OnnxImporter.Load<float>(path); imported++; }
            catch (InvalidDataException e) { Assert.Contains(path, e.Message); rejected++; }
            catch (OnnxImportException e) { Assert.Contains(path, e.Message); rejected++; }
            catch (Exception e) { Assert.Fail($"{which} round {round}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}"); }
            File.Delete(path);
        }
        Assert.Equal(rounds, imported + rejected);
        Assert.True(rejected > 0, "no mutant was rejected: the mutations do not reach the parser");
    }
}
