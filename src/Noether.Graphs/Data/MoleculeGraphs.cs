using System.Globalization;
using System.IO.Compression;

namespace Noether.Graphs.Data;

/// <summary>
/// Reads the compact molecule graph file written once by <c>experiments/eigen/make_molecules.py</c> from Debian
/// rdkit-data's NCI set (see that script for the format). Node features (13): one-hot element over
/// C, N, O, S, F, Cl, Br, I, P, other; formal charge; aromatic flag; attached hydrogens / 4. Edge features (4): one-hot
/// bond type single, double, triple, aromatic. Targets: tpsa, rings, logp. Salts give disconnected graphs.
/// </summary>
public static class MoleculeGraphs
{
    private static readonly int[] Elements = [6, 7, 8, 16, 9, 17, 35, 53, 15];

    /// <summary>Node feature count.</summary>
    public const int NodeFeatures = 13;

    /// <summary>Edge feature count.</summary>
    public const int EdgeFeatures = 4;

    /// <summary>
    /// Loads the file and splits it with a fixed shuffle (seed 7, independent of the training seed): 500 test, 500
    /// validation, the rest (or the first <paramref name="maxTrain"/> of them) training. Molecules with more than
    /// <paramref name="maxAtoms"/> heavy atoms are left out (the few very large ones dominate the pair costs of SPE).
    /// </summary>
    public static GraphDataset Load(string? path = null, int maxTrain = int.MaxValue, int maxAtoms = 60)
    {
        var (targets, graphs) = path is null ? ReadBuiltIn() : Read(path);
        var kept = graphs.Where(g => g.NodeCount <= maxAtoms).ToList();
        var order = new Noether.Tensors.Rng(7).Permutation(kept.Count);
        var shuffled = order.Select(i => kept[i]).ToList();
        var ds = GraphDataset.FromOrdered("molecules", targets, shuffled, 500, 500);
        return ds with { Train = ds.Train.Take(maxTrain).ToList() };
    }

    /// <summary>The copy of data/molecules-nci5k.txt.gz embedded in this assembly.</summary>
    public static (string[] Targets, List<GraphSample> Graphs) ReadBuiltIn()
    {
        using var stream = typeof(MoleculeGraphs).Assembly.GetManifestResourceStream("Noether.Graphs.Data.molecules-nci5k.txt.gz")
            ?? throw new InvalidOperationException("The molecule graphs are missing from the Noether.Graphs assembly");
        return Read(stream, "molecules-nci5k.txt.gz (built in)");
    }

    /// <summary>Parses every molecule of a file; errors name the file and line.</summary>
    public static (string[] Targets, List<GraphSample> Graphs) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: molecule graph file not found (written by experiments/eigen/make_molecules.py)", path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Parses a gzip stream in the format of make_molecules.py; <paramref name="path"/> names it in errors.</summary>
    public static (string[] Targets, List<GraphSample> Graphs) Read(Stream stream, string path)
    {
        using var gz = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        string[]? targets = null;
        var graphs = new List<GraphSample>();
        int lineNo = 0;
        string? line;
        string Next()
        {
            lineNo++;
            return reader.ReadLine() ?? throw new FormatException($"{path}: line {lineNo}: file ends inside a molecule");
        }
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "targets") { targets = parts[1..]; continue; }
            if (parts[0] != "m" || targets is null || parts.Length != 3 + targets.Length)
                throw new FormatException($"{path}: line {lineNo}: expected 'm <atoms> <bonds> <{targets?.Length ?? 0} targets>' after a 'targets' line, got '{Short(line)}'");
            int n = Int(parts[1], lineNo), m = Int(parts[2], lineNo);
            var y = parts[3..].Select(s => Double(s, lineNo)).ToArray();
            var atoms = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (atoms[0] != "a" || atoms.Length != n + 1) throw new FormatException($"{path}: line {lineNo}: expected 'a' and {n} atoms, got {atoms.Length - 1} tokens");
            var x = new double[n * NodeFeatures];
            for (int i = 0; i < n; i++)
            {
                var f = atoms[i + 1].Split(',');
                if (f.Length != 4) throw new FormatException($"{path}: line {lineNo}: atom {i} '{atoms[i + 1]}' needs Z,charge,aromatic,H");
                int z = Int(f[0], lineNo), slot = Array.IndexOf(Elements, z);
                x[i * NodeFeatures + (slot < 0 ? 9 : slot)] = 1;
                x[i * NodeFeatures + 10] = Int(f[1], lineNo);
                x[i * NodeFeatures + 11] = Int(f[2], lineNo);
                x[i * NodeFeatures + 12] = Int(f[3], lineNo) / 4.0;
            }
            var bonds = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (bonds[0] != "b" || bonds.Length != m + 1) throw new FormatException($"{path}: line {lineNo}: expected 'b' and {m} bonds, got {bonds.Length - 1} tokens");
            var src = new int[m]; var dst = new int[m]; var e = new double[m * EdgeFeatures];
            for (int b = 0; b < m; b++)
            {
                var f = bonds[b + 1].Split(',');
                if (f.Length != 3) throw new FormatException($"{path}: line {lineNo}: bond {b} '{bonds[b + 1]}' needs u,v,type");
                src[b] = Int(f[0], lineNo); dst[b] = Int(f[1], lineNo);
                int type = Int(f[2], lineNo);
                if (type < 1 || type > 4) throw new FormatException($"{path}: line {lineNo}: bond {b} has type {type}, expected 1..4");
                e[b * EdgeFeatures + type - 1] = 1;
            }
            graphs.Add(new GraphSample(n, x, NodeFeatures, src, dst, e, EdgeFeatures, y, $"{path}: molecule {graphs.Count} (line {lineNo - 2})"));
        }
        if (targets is null) throw new FormatException($"{path}: no 'targets' line");
        return (targets, graphs);

        int Int(string s, int at) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v
            : throw new FormatException($"{path}: line {at}: '{s}' is not an integer");
        double Double(string s, int at) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new FormatException($"{path}: line {at}: '{s}' is not a number");
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
