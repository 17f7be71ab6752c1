namespace Noether.Metanetworks.Graphs;

/// <summary>What a node of a parameter graph stands for.</summary>
public enum NodeKind
{
    /// <summary>An input feature or channel of the network (fixed: never permuted).</summary>
    Input,
    /// <summary>A hidden neuron or channel.</summary>
    Hidden,
    /// <summary>An output feature of the network (fixed).</summary>
    Output,
    /// <summary>The bias node of one layer: its edges carry the layer's biases.</summary>
    Bias,
    /// <summary>The gain node (γ) of a normalisation layer.</summary>
    NormGain,
    /// <summary>The shift node (β) of a normalisation layer.</summary>
    NormShift,
    /// <summary>A middle node of attention, shared by the query, key and value projections.</summary>
    AttentionMiddle,
}

/// <summary>What an edge of a parameter graph stands for.</summary>
public enum EdgeKind
{
    /// <summary>A Linear weight (kernel position 0, 0, or the flattened spatial position after Flatten).</summary>
    Linear,
    /// <summary>One entry of a convolution kernel (kernel position as a feature).</summary>
    Conv,
    /// <summary>A bias, from the layer's bias node.</summary>
    Bias,
    /// <summary>A normalisation gain γ_c.</summary>
    NormGain,
    /// <summary>A normalisation shift β_c.</summary>
    NormShift,
    /// <summary>A residual connection: weight 1, no parameter behind it.</summary>
    Residual,
    /// <summary>A query projection weight or bias.</summary>
    Query,
    /// <summary>A key projection weight or bias.</summary>
    Key,
    /// <summary>A value projection weight or bias.</summary>
    Value,
    /// <summary>A learned additive tensor such as a positional embedding (position as kernel position).</summary>
    PositionBias,
}
