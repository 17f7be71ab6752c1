using System.Globalization;
using System.IO.Compression;
using Noether.Tensors;

namespace Noether.Nn.Data;

/// <summary>The built-in data sets: <c>digits</c> (shipped inside the assembly) and <c>fashion-mnist</c> (Debian package).</summary>
public static class Datasets
{
    /// <summary>Names accepted by <see cref="Load"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["digits", "fashion-mnist"];

    /// <summary>Default location of the Fashion-MNIST IDX files (Debian package <c>dataset-fashion-mnist</c>).</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Loads a named data set's train and test splits, samples shaped [1, H, W].</summary>
    public static (Dataset Train, Dataset Test) Load(string name, string? directory = null) => name.ToLowerInvariant() switch
    {
        "digits" => Digits(),
        "fashion-mnist" or "fashion_mnist" or "fashionmnist" => FashionMnist(directory ?? FashionMnistDirectory),
        _ => throw new ArgumentException($"Unknown data set '{name}'. Known: {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// UCI optical digits (scikit-learn's load_digits: 1,797 images of 8×8, values 0..16, scaled to [0, 1]).
    /// Split deterministically (seed 0) into 1,437 training and 360 test images.
    /// </summary>
    public static (Dataset Train, Dataset Test) Digits()
    {
        using var stream = typeof(Datasets).Assembly.GetManifestResourceStream("Noether.Nn.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("The digits data set is missing from the Noether.Nn assembly");
        using var gz = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var features = new List<float>(1797 * 64);
        var labels = new List<int>(1797);
        string? line;
        int lineNo = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || char.IsLetter(line[0])) continue;
            var parts = line.Split(',');
            if (parts.Length != 65) throw new InvalidDataException($"digits.csv line {lineNo}: expected 65 columns, got {parts.Length}");
            for (int i = 0; i < 64; i++) features.Add(float.Parse(parts[i], CultureInfo.InvariantCulture) / 16f);
            labels.Add((int)double.Parse(parts[64], CultureInfo.InvariantCulture));
        }
        var all = new Dataset("digits", features.ToArray(), [1, 8, 8], labels.ToArray(), 10);
        var order = new Rng(0).Permutation(all.Count);
        int test = (int)Math.Ceiling(all.Count * 0.2);
        return (all.Subset(order.Skip(test), "digits/train"), all.Subset(order.Take(test), "digits/test"));
    }

    /// <summary>Fashion-MNIST from its four IDX files (gzip or plain), standardised with the training mean and std.</summary>
    public static (Dataset Train, Dataset Test) FashionMnist(string directory)
    {
        string File(string stem)
        {
            foreach (var candidate in new[] { $"{stem}.gz", stem })
            {
                var p = Path.Combine(directory, candidate);
                if (System.IO.File.Exists(p)) return p;
            }
            throw new FileNotFoundException(
                $"Fashion-MNIST file '{stem}(.gz)' not found in {directory}. Install it with: sudo apt-get install dataset-fashion-mnist", Path.Combine(directory, stem));
        }
        Dataset Read(string images, string labels, string split)
        {
            var (idims, ibytes) = Idx.ReadBytes(File(images));
            var (ldims, lbytes) = Idx.ReadBytes(File(labels));
            if (idims.Length != 3 || ldims.Length != 1 || idims[0] != ldims[0])
                throw new InvalidDataException($"Fashion-MNIST {split}: image dims {Shapes.Format(idims)} do not match label dims {Shapes.Format(ldims)}");
            const float mean = 0.2860f, std = 0.3530f;
            var f = new float[ibytes.Length];
            for (int i = 0; i < f.Length; i++) f[i] = (ibytes[i] / 255f - mean) / std;
            return new Dataset($"fashion-mnist/{split}", f, [1, idims[1], idims[2]], lbytes.Select(b => (int)b).ToArray(), 10);
        }
        return (Read("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train"), Read("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "test"));
    }
}
