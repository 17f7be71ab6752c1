using Noether.Tensors;

namespace Noether.Alignment.Similarity;

/// <summary>
/// Features as a row-major [rows, channels] matrix: [N, C] as it is, [N, C, H, W] with every pixel a row (pixels are
/// folded into samples, so channels stay the units), any other rank with the last axis as channels, [N] as one channel.
/// </summary>
public static class FeatureRows
{
    /// <summary>The channel count <paramref name="features"/> folds to.</summary>
    public static int Channels(Tensor<double> features) => features.Rank switch
    {
        1 => 1,
        4 => features.Dim(1),
        _ => features.Dim(features.Rank - 1),
    };

    /// <summary>Folds <paramref name="features"/> (batch first) to rows × channels.</summary>
    /// <exception cref="ArgumentException">A rank-0 tensor (no batch axis).</exception>
    public static (double[] Values, int Rows, int Channels) Fold(Tensor<double> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Rank == 0) throw new ShapeMismatchException("FeatureRows", "features need a leading sample axis", features.ShapeArray());
        var t = features.Rank == 4 ? features.Permute(0, 2, 3, 1) : features;
        int c = Channels(features);
        var values = t.Contiguous().ToArray();
        return (values, c == 0 ? 0 : values.Length / c, c);
    }
}
