using System.Text.Json.Serialization;

namespace Noether.Nn.Operations;

/// <summary>How a rotary embedding's frequencies are rescaled for longer contexts (Hugging Face's <c>rope_scaling</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RotaryScalingKind>))]
public enum RotaryScalingKind
{
    /// <summary>Position interpolation: every frequency divided by the factor (<c>"linear"</c>).</summary>
    Linear,
    /// <summary>
    /// Llama 3.1 (<c>"llama3"</c>): wavelengths below L/high_freq_factor kept, above L/low_freq_factor divided by the
    /// factor, smoothly interpolated between (L the original context length).
    /// </summary>
    Llama3,
}

/// <summary>
/// A frequency rescaling of <see cref="RotaryEmbedding"/>. It changes only the angles, never which coordinates pair
/// up, so the symmetry of rotary attention is the same with or without it.
/// </summary>
/// <param name="Kind">The rule.</param>
/// <param name="Factor">The scaling factor (≥ 1 in practice; must be positive).</param>
/// <param name="LowFreqFactor">Llama3 only: low_freq_factor.</param>
/// <param name="HighFreqFactor">Llama3 only: high_freq_factor (above <paramref name="LowFreqFactor"/>).</param>
/// <param name="OriginalMaxPositions">Llama3 only: original_max_position_embeddings.</param>
public sealed record RotaryScaling(RotaryScalingKind Kind, double Factor, double LowFreqFactor = 0, double HighFreqFactor = 0, int OriginalMaxPositions = 0)
{
    /// <summary>Throws unless the numbers define a scaling.</summary>
    public void Validate()
    {
        if (!(Factor > 0) || !double.IsFinite(Factor)) throw new ArgumentException($"Rotary scaling: factor {Factor} must be a finite positive number");
        if (Kind == RotaryScalingKind.Llama3
            && (!(LowFreqFactor > 0) || !(HighFreqFactor > LowFreqFactor) || !double.IsFinite(HighFreqFactor) || OriginalMaxPositions < 1))
            throw new ArgumentException($"Rotary scaling llama3: needs 0 < low_freq_factor ({LowFreqFactor}) < high_freq_factor ({HighFreqFactor}) and original_max_position_embeddings ({OriginalMaxPositions}) ≥ 1");
    }

    /// <summary>The rescaled angular frequency of one with the unscaled frequency <paramref name="frequency"/>.</summary>
    public double Apply(double frequency)
    {
        if (Kind == RotaryScalingKind.Linear) return frequency / Factor;
        double wavelength = 2 * Math.PI / frequency;
        double low = OriginalMaxPositions / LowFreqFactor, high = OriginalMaxPositions / HighFreqFactor;
        if (wavelength < high) return frequency;
        if (wavelength > low) return frequency / Factor;
        double smooth = (OriginalMaxPositions / wavelength - LowFreqFactor) / (HighFreqFactor - LowFreqFactor);
        return (1 - smooth) * frequency / Factor + smooth * frequency;
    }

    /// <inheritdoc />
    public override string ToString() => Kind == RotaryScalingKind.Linear
        ? $"linear ×{Factor:G4}"
        : $"llama3 ×{Factor:G4} (low {LowFreqFactor:G4}, high {HighFreqFactor:G4}, original {OriginalMaxPositions})";
}
