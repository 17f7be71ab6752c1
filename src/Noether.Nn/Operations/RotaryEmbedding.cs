using System.Text.Json.Serialization;
using Noether.Tensors;

namespace Noether.Nn.Operations;

/// <summary>Which coordinates of a head a rotary embedding rotates together.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RotaryPairing>))]
public enum RotaryPairing
{
    /// <summary>Pair i is (i, i + Dims/2), as Hugging Face's <c>rotate_half</c> (Llama, Mistral, Qwen).</summary>
    Half,
    /// <summary>Pair i is (2i, 2i + 1), as the original RoFormer / Meta Llama complex form (GPT-J).</summary>
    Interleaved,
}

/// <summary>
/// Rotary position embedding (RoPE) applied to queries and keys: at position p, pair i of the first
/// <see cref="Dims"/> coordinates of a head is rotated by the angle p·θ^(−2i/Dims), so q·k depends on the positions
/// only through their difference. Coordinates from <see cref="Dims"/> on pass unchanged.
/// </summary>
/// <param name="Theta">The base θ (10000 in Llama).</param>
/// <param name="Pairing">Which coordinates form a pair.</param>
/// <param name="Dims">Rotated coordinates per head: even, at most d_k.</param>
/// <param name="Scaling">An optional rescaling of the frequencies (Hugging Face <c>rope_scaling</c>: linear, llama3).</param>
public sealed record RotaryEmbedding(double Theta, RotaryPairing Pairing, int Dims, RotaryScaling? Scaling = null)
{
    /// <summary>Number of rotated pairs, Dims/2.</summary>
    [JsonIgnore]
    public int Pairs => Dims / 2;

    /// <summary>The coordinates (a, b) of pair <paramref name="i"/>; rotation maps (x_a, x_b) to (x_a cos − x_b sin, x_b cos + x_a sin).</summary>
    public (int A, int B) Pair(int i) => Pairing == RotaryPairing.Half ? (i, i + Pairs) : (2 * i, 2 * i + 1);

    /// <summary>The angular frequency of pair <paramref name="i"/>, θ^(−2i/Dims), rescaled by <see cref="Scaling"/> if any.</summary>
    public double Frequency(int i) => Scaling is { } s ? s.Apply(Math.Pow(Theta, -2.0 * i / Dims)) : Math.Pow(Theta, -2.0 * i / Dims);

    /// <summary>Throws unless the embedding fits heads of width <paramref name="headDim"/>.</summary>
    public void Validate(int headDim)
    {
        if (!(Theta > 1) || !double.IsFinite(Theta))
            throw new ArgumentException($"Rotary: base θ {Theta} must be a finite number above 1");
        if (Dims < 2 || Dims % 2 != 0 || Dims > headDim)
            throw new ArgumentException($"Rotary: rotated dims {Dims} must be even, at least 2 and at most the head width {headDim}");
        Scaling?.Validate();
    }

    /// <summary>
    /// The tables for positions 0..<paramref name="positions"/>−1 over a head of width <paramref name="headDim"/>:
    /// cos and sin [positions, headDim] (1 and 0 on coordinates that are not rotated) and the signed permutation
    /// P [headDim, headDim] with rot(x) = x·P, so that RoPE(x) = x ⊙ cos + (x·P) ⊙ sin.
    /// </summary>
    public (Tensor<double> Cos, Tensor<double> Sin, Tensor<double> Rotate) Tables(int positions, int headDim)
    {
        Validate(headDim);
        var cos = new Tensor<double>(positions, headDim);
        var sin = new Tensor<double>(positions, headDim);
        var rotate = new Tensor<double>(headDim, headDim);
        for (int p = 0; p < positions; p++)
            for (int c = Dims; c < headDim; c++) cos[p, c] = 1;
        for (int i = 0; i < Pairs; i++)
        {
            var (a, b) = Pair(i);
            rotate[b, a] = -1; // rot(x)_a = −x_b
            rotate[a, b] = 1;  // rot(x)_b = x_a
            double f = Frequency(i);
            for (int p = 0; p < positions; p++)
            {
                double angle = p * f;
                cos[p, a] = cos[p, b] = Math.Cos(angle);
                sin[p, a] = sin[p, b] = Math.Sin(angle);
            }
        }
        return (cos, sin, rotate);
    }

    /// <inheritdoc />
    public override string ToString() => $"rotary θ {Theta:G6}, {(Pairing == RotaryPairing.Half ? "half" : "interleaved")} pairs, {Dims} dims{(Scaling is { } sc ? $", scaled {sc}" : "")}";
}
