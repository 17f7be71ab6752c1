namespace Noether.Symmetry.Conservation;

/// <summary>The symmetry a family of conserved quantities comes from (SPEC §2 table).</summary>
public enum LawKind
{
    /// <summary>Per-unit positive (or non-zero) rescaling: ‖incoming rows‖² − ‖outgoing columns‖² per unit.</summary>
    Rescaling,
    /// <summary>GL(n) around a linear map (balance equations): every entry of Σ W Wᵀ − Σ Wᵀ W on the space.</summary>
    Balance,
    /// <summary>Softmax translation of the logits: column sums of the classifier (linear).</summary>
    SoftmaxTranslation,
    /// <summary>Scale invariance of a normalisation: ‖w‖² of the weights that feed it.</summary>
    NormScale,
    /// <summary>Translation invariance of a mean-centring normalisation: sums of the weights that feed it (linear).</summary>
    NormTranslation,
    /// <summary>Inputs constant over the whole data set: the first layer's weights along those directions (linear).</summary>
    ConstantInput,
}

/// <summary>Whether a law is linear or quadratic in the parameters; it fixes its exact change per GD step.</summary>
public enum LawDegree
{
    /// <summary>Q(θ − ηg) = Q(θ) exactly (Q(g) = 0).</summary>
    Linear,
    /// <summary>Q(θ − ηg) = Q(θ) + η²·Q(g) exactly.</summary>
    Quadratic,
}
