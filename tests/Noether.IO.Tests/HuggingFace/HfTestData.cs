using Noether.Tensors;

namespace Noether.IO.Tests.HuggingFace;

/// <summary>The tiny checkpoints of data/hf (written by data/hf/generate.py from plain-PyTorch references of each family).</summary>
internal static class HfTestData
{
    public static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "data", "hf", name);

    /// <summary>A fresh copy of a checkpoint in a temporary folder (for tests that damage or write next to it).</summary>
    public static string Copy(string name, string into)
    {
        var target = Path.Combine(into, name);
        Directory.CreateDirectory(target);
        foreach (var f in Directory.EnumerateFiles(Folder(name))) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    /// <summary>max |a − b| / max |b|.</summary>
    public static double Relative(Tensor<double> a, Tensor<double> b) => a.MaxAbsDiff(b) / b.ToArray().Max(Math.Abs);
}
