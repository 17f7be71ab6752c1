using Noether.Nn.Data;

namespace Noether.IO.Numpy;

/// <summary>A classification data set from a NumPy <c>.npz</c> archive holding <c>x</c> (N × features…) and <c>y</c> (N integer labels).</summary>
public static class NpzDataset
{
    /// <summary>Loads and validates the archive; labels must be integers in [0, classes).</summary>
    public static Dataset Load(string path)
    {
        var arrays = Npz.Read<double>(path);
        if (!arrays.TryGetValue("x", out var x) || !arrays.TryGetValue("y", out var y))
            throw new InvalidDataException($"{path}: a data set needs arrays 'x' and 'y', found {string.Join(", ", arrays.Keys.Select(k => $"'{k}'"))}");
        if (x.Rank < 2 || y.Rank != 1 || y.Dim(0) != x.Dim(0))
            throw new InvalidDataException($"{path}: 'x' must be [N, features…] and 'y' [N], got x {Noether.Tensors.Shapes.Format(x.ShapeArray())} and y {Noether.Tensors.Shapes.Format(y.ShapeArray())}");
        if (x.Dim(0) == 0) throw new InvalidDataException($"{path}: the data set is empty");
        var labels = new int[y.Dim(0)];
        var ys = y.ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!double.IsFinite(ys[i]) || ys[i] != Math.Floor(ys[i]) || ys[i] < 0 || ys[i] > 1 << 20)
                throw new InvalidDataException($"{path}: label y[{i}] = {ys[i]} is not a class index");
            labels[i] = (int)ys[i];
        }
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
            if (!double.IsFinite(xs[i])) throw new InvalidDataException($"{path}: x holds {xs[i]} at flat index {i} (sample {i / (xs.Length / x.Dim(0))})");
        return new Dataset(Path.GetFileNameWithoutExtension(path), xs.Select(v => (float)v).ToArray(), x.ShapeArray()[1..], labels, labels.Max() + 1);
    }
}
