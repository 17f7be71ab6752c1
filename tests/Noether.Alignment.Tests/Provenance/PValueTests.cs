using Noether.Alignment.Provenance;

namespace Noether.Alignment.Tests.Provenance;

/// <summary>The permutation p formula, Fisher's method and the harmonic mean p against values worked out by hand.</summary>
public class PValueTests
{
    [Theory]
    [InlineData(0, 99, 0.01)]
    [InlineData(3, 99, 0.04)]
    [InlineData(99, 99, 1.0)]
    [InlineData(0, 999, 0.001)]
    public void PermutationPValueIsCountPlusOneOverTPlusOne(int count, int t, double expected)
    {
        Assert.Equal(expected, PValues.Permutation(count, t), 12);
        Assert.Equal(1.0 / (t + 1), PValues.Floor(t), 12);
        Assert.True(PValues.Permutation(count, t) >= PValues.Floor(t));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(11, 10)]
    [InlineData(0, 0)]
    public void PermutationPValueRefusesImpossibleCounts(int count, int t)
        => Assert.Throws<ArgumentOutOfRangeException>(() => PValues.Permutation(count, t));

    [Fact]
    public void FisherMatchesTheClosedFormForTwoAndThreeLayers()
    {
        // k = 2: X/2 = −ln(p1·p2), P(χ²₄ ≥ X) = p1·p2·(1 + X/2) = 0.002·(1 + ln 500).
        Assert.Equal(0.002 * (1 + Math.Log(500)), PValues.Fisher([0.01, 0.2]), 12);
        // k = 3, all 0.5: X/2 = 3 ln 2, P = 1/8 · (1 + 3 ln 2 + (3 ln 2)²/2).
        double h = 3 * Math.Log(2);
        Assert.Equal(0.125 * (1 + h + h * h / 2), PValues.Fisher([0.5, 0.5, 0.5]), 12);
        // One layer: Fisher's p is the layer's p; all ones give 1.
        Assert.Equal(0.037, PValues.Fisher([0.037]), 12);
        Assert.Equal(1.0, PValues.Fisher([1.0, 1.0]), 12);
    }

    [Fact]
    public void FisherLogStaysFiniteWhereTheValueUnderflows()
    {
        var tiny = Enumerable.Repeat(1e-300, 4).ToArray();
        double log = PValues.FisherLog(tiny);
        Assert.True(double.IsFinite(log) && log < -2000, $"log Fisher p = {log}");
        // Against the closed form: log(p⁴) + log Σ_{j<4} h^j/j! with h = −4 ln 1e-300.
        double h = -4 * Math.Log(1e-300);
        double expected = -h + Math.Log(1 + h + h * h / 2 + h * h * h / 6);
        Assert.Equal(expected, log, 9);
    }

    [Fact]
    public void HarmonicMeanMatchesHandValues()
    {
        Assert.Equal(2 / (100.0 + 5.0), PValues.HarmonicMean([0.01, 0.2]), 12);
        Assert.Equal(0.3, PValues.HarmonicMean([0.3, 0.3, 0.3]), 12);
        Assert.Equal(3 / (1000.0 + 1 + 1), PValues.HarmonicMean([0.001, 1, 1]), 12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void CombinationRefusesValuesOutsideTheUnitInterval(double bad)
    {
        Assert.Throws<ArgumentException>(() => PValues.Fisher([0.5, bad]));
        Assert.Throws<ArgumentException>(() => PValues.HarmonicMean([bad]));
        Assert.Throws<ArgumentException>(() => PValues.HarmonicMean([]));
    }

    [Fact]
    public void SpearmanMatchesTheRankFormula()
    {
        // No ties: ρ = 1 − 6Σd²/(n(n²−1)) = 1 − 6·4/120 = 0.8.
        Assert.Equal(0.8, SpearmanTest.Rho([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]), 12);
        // Ranks only: a monotone map of either vector changes nothing.
        Assert.Equal(0.8, SpearmanTest.Rho([10, 20, 300, 4000, 50000], [-5, -9, 1, 0, 7]), 12);
        Assert.Equal(-1.0, SpearmanTest.Rho([1, 2, 3, 4], [4, 3, 2, 1]), 12);
        // Ties share their mean rank: y ranks (0.5, 0.5, 2), x ranks (0, 1, 2).
        double rx0 = -1, rx2 = 1, ry0 = -0.5, ry2 = 1;
        double expected = (rx0 * ry0 + rx2 * ry2) / Math.Sqrt((rx0 * rx0 + rx2 * rx2) * (2 * ry0 * ry0 + ry2 * ry2));
        Assert.Equal(expected, SpearmanTest.Rho([1, 2, 3], [7, 7, 9]), 12);
    }

    [Fact]
    public void PermutationTestOfIdenticalOrderIsAtTheFloorAndIndependentOrderIsNot()
    {
        var x = Enumerable.Range(0, 40).Select(i => (double)i).ToArray();
        var same = SpearmanTest.Test(x, x, 999, 1);
        Assert.Equal(1.0, same.Rho, 12);
        Assert.Equal(0.001, same.PValue, 12);
        var shuffled = (double[])x.Clone();
        new Noether.Tensors.Rng(5).Shuffle(shuffled.AsSpan());
        var independent = SpearmanTest.Test(x, shuffled, 999, 1);
        Assert.True(independent.PValue > 0.01, $"ρ = {independent.Rho}, p = {independent.PValue}");
        // The p-value is a multiple of 1/(T+1) and the same for the same seed.
        Assert.Equal(0, Math.Round(independent.PValue * 1000) - independent.PValue * 1000, 9);
        Assert.Equal(independent, SpearmanTest.Test(x, shuffled, 999, 1));
    }
}
