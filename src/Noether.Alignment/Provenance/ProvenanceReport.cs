namespace Noether.Alignment.Provenance;

/// <summary>Which evidence the test matches units on.</summary>
public enum ProvenanceEvidence
{
    /// <summary>Rows of the MLP projections (the anchor's weight test).</summary>
    Weights,
    /// <summary>MLP pre-activations on the same random token inputs (robust to any function-preserving change).</summary>
    Activations,
}

/// <summary>Settings of <see cref="ProvenanceTest"/>.</summary>
/// <param name="Permutations">T, the shuffles of each layer's permutation test; the p-value floor is 1/(T + 1).</param>
/// <param name="Seed">Seed of the shuffles (layer k uses a generator derived from it) and of random inputs.</param>
/// <param name="Alpha">Level of the verdict, compared with the harmonic-mean p.</param>
public sealed record ProvenanceOptions(int Permutations = 999, ulong Seed = 0, double Alpha = 0.01)
{
    /// <summary>Weights or activations.</summary>
    public ProvenanceEvidence Evidence { get; init; } = ProvenanceEvidence.Weights;

    /// <summary>Activations test: random token sequences fed to both models.</summary>
    public int Samples { get; init; } = 64;
}

/// <summary>The test of one pair of matched MLPs.</summary>
/// <param name="LayerA">MLP index in A.</param>
/// <param name="LayerB">MLP index in B.</param>
/// <param name="Views">"gate/up" or "in/out": the two views whose matchings are compared.</param>
/// <param name="UnitsA">Hidden units of A's MLP.</param>
/// <param name="UnitsB">Hidden units of B's MLP.</param>
/// <param name="Rho">Spearman's ρ between the two matchings (1 when both views pair every unit alike).</param>
/// <param name="Agreement">Fraction of units both views give the same partner.</param>
/// <param name="PValue">The permutation p-value, adjusted (× candidates) when layers had to be searched.</param>
/// <param name="RawPValue">The permutation p-value of this pair alone.</param>
public sealed record LayerProvenance(int LayerA, int LayerB, string Views, int UnitsA, int UnitsB, double Rho, double Agreement, double PValue, double RawPValue);

/// <summary>The verdict of a provenance test.</summary>
public enum ProvenanceVerdict
{
    /// <summary>The harmonic-mean p is at most α: B's weights are not independent of A's.</summary>
    Dependent,
    /// <summary>No evidence against independence at level α.</summary>
    Independent,
    /// <summary>The floor 1/(T + 1) exceeds α: the test cannot reject; raise the permutations.</summary>
    Inconclusive,
}

/// <summary>The result of testing whether model B derives from model A.</summary>
/// <param name="A">Model A's name.</param>
/// <param name="B">Model B's name.</param>
/// <param name="Evidence">Weights or activations.</param>
/// <param name="Layers">Per matched pair of MLPs.</param>
/// <param name="Fisher">Fisher's combined p-value (assumes independent layers).</param>
/// <param name="FisherLog10">log10 of Fisher's p (finite where the value underflows).</param>
/// <param name="HarmonicMean">The harmonic mean of the layers' p-values (valid under dependence between layers, asymptotically).</param>
/// <param name="Floor">The smallest per-layer p-value, 1/(T + 1).</param>
/// <param name="Permutations">T.</param>
/// <param name="Alpha">Level of the verdict.</param>
/// <param name="Stream">How B's residual stream was brought to A's.</param>
/// <param name="Verdict">The verdict.</param>
/// <param name="Notes">Layers not compared, adjustments made.</param>
public sealed record ProvenanceReport(string A, string B, ProvenanceEvidence Evidence, IReadOnlyList<LayerProvenance> Layers, double Fisher, double FisherLog10,
    double HarmonicMean, double Floor, int Permutations, double Alpha, string Stream, ProvenanceVerdict Verdict, IReadOnlyList<string> Notes)
{
    /// <summary>One sentence: the verdict, the combined p-values and the floor.</summary>
    public string Summary => Verdict switch
    {
        ProvenanceVerdict.Dependent => $"B is not independent of A: harmonic-mean p = {HarmonicMean:G3} ≤ α = {Alpha:G3} (Fisher p = {FormatFisher()}); each layer's p-value is at least the floor 1/(T+1) = {Floor:G3}",
        ProvenanceVerdict.Independent => $"no evidence that B derives from A: harmonic-mean p = {HarmonicMean:G3} > α = {Alpha:G3} (Fisher p = {FormatFisher()}); p-value floor 1/(T+1) = {Floor:G3}",
        _ => $"inconclusive: the p-value floor 1/(T+1) = {Floor:G3} exceeds α = {Alpha:G3}; raise --permutations (harmonic-mean p = {HarmonicMean:G3}, Fisher p = {FormatFisher()})",
    };

    /// <summary>Fisher's p, or 10^x when it underflows.</summary>
    public string FormatFisher() => Fisher > 0 ? Fisher.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : $"10^{FisherLog10:F1}";
}
