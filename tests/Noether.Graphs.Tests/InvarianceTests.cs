using Noether.Graphs.Encodings;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Tests;

/// <summary>
/// Must-show 1: SignNet and SPE ignore eigenvector signs, BasisNet and SPE ignore bases of repeated eigenspaces (to
/// 1e-10 in float64), raw eigenvectors do not, and the sign-equivariant layer commutes with sign flips.
/// </summary>
public class InvarianceTests
{
    private const double Exact = 1e-10;

    private static (GraphBatch Batch, List<GraphSpectrum> Spectra) Fixture()
    {
        var graphs = GraphFixtures.Mixed();
        return (GraphBatch.Create(graphs), graphs.Select(g => GraphSpectrum.Of(g)).ToList());
    }

    private static Tensor<double> Encode(PositionalEncodingKind kind, GraphBatch batch, IReadOnlyList<GraphSpectrum> spectra, int k = 6)
    {
        var store = new ParameterStore(new Rng(11));
        var pe = PositionalEncoding.Create(kind, store, k, 8, 5)!;
        return pe.Encode(batch, new SpectralBatch(batch, spectra, k)).Value;
    }

    private static Tensor<double> Model(PositionalEncodingKind kind, GraphLayerKind layer, GraphBatch batch, IReadOnlyList<GraphSpectrum> spectra)
    {
        var store = new ParameterStore(new Rng(12));
        var net = new GraphRegressor(store, new GraphRegressorOptions { Encoding = kind, Layer = layer, Eigenvectors = 6, Width = 8, EncoderWidth = 8, EncodingDimension = 4 }, 1, 0, 1);
        ParameterGradCheck.RandomiseBiases(store); // the head's zero-initialised weight would make every output equal
        var y = net.Forward(batch, new SpectralBatch(batch, spectra, 6)).Value;
        Assert.True(y.ToArray().Max() - y.ToArray().Min() > 1e-3, "the model must not be constant");
        return y;
    }

    [Theory]
    [InlineData(PositionalEncodingKind.SignNet)]
    [InlineData(PositionalEncodingKind.Spe)]
    [InlineData(PositionalEncodingKind.BasisNet)]
    public void SignFlipsLeaveTheEncodingUnchanged(PositionalEncodingKind kind)
    {
        var (batch, spectra) = Fixture();
        var before = Encode(kind, batch, spectra);
        for (ulong seed = 1; seed <= 5; seed++)
        {
            var rng = new Rng(seed);
            var flipped = spectra.Select(s => GraphFixtures.FlipSigns(s, rng)).ToList();
            Assert.True(GraphFixtures.MaxAbsDifference(spectra[0].Vectors, flipped[0].Vectors) > 0.1);
            double d = GraphFixtures.MaxAbsDifference(before, Encode(kind, batch, flipped));
            Assert.True(d <= Exact, $"{kind}: sign flips (seed {seed}) moved the encoding by {d:E2}");
        }
    }

    [Theory]
    [InlineData(PositionalEncodingKind.BasisNet)]
    [InlineData(PositionalEncodingKind.Spe)]
    public void BasisChangesInRepeatedEigenspacesLeaveTheEncodingUnchanged(PositionalEncodingKind kind)
    {
        var (batch, spectra) = Fixture();
        var before = Encode(kind, batch, spectra);
        for (ulong seed = 1; seed <= 5; seed++)
        {
            var rng = new Rng(seed);
            var rotated = spectra.Select(s => GraphFixtures.RotateBases(s, rng)).ToList();
            Assert.True(GraphFixtures.MaxAbsDifference(spectra[0].Vectors, rotated[0].Vectors) > 0.05, "the rotation must change the eigenvectors");
            double d = GraphFixtures.MaxAbsDifference(before, Encode(kind, batch, rotated));
            Assert.True(d <= Exact, $"{kind}: basis change (seed {seed}) moved the encoding by {d:E2}");
        }
    }

    [Theory]
    [InlineData(PositionalEncodingKind.SignNet, GraphLayerKind.Gin)]
    [InlineData(PositionalEncodingKind.Spe, GraphLayerKind.GatedGcn)]
    [InlineData(PositionalEncodingKind.BasisNet, GraphLayerKind.Gin)]
    public void WholeModelsInheritTheInvariance(PositionalEncodingKind kind, GraphLayerKind layer)
    {
        var (batch, spectra) = Fixture();
        var rng = new Rng(4);
        var changed = kind == PositionalEncodingKind.SignNet
            ? spectra.Select(s => GraphFixtures.FlipSigns(s, rng)).ToList()
            : spectra.Select(s => GraphFixtures.RotateBases(GraphFixtures.FlipSigns(s, rng), rng)).ToList();
        double d = GraphFixtures.MaxAbsDifference(Model(kind, layer, batch, spectra), Model(kind, layer, batch, changed));
        Assert.True(d <= Exact, $"{kind}/{layer}: prediction moved by {d:E2}");
    }

    [Fact]
    public void RawEigenvectorsAreNeitherSignNorBasisInvariant()
    {
        var (batch, spectra) = Fixture();
        var before = Encode(PositionalEncodingKind.Eig, batch, spectra);
        var flipped = spectra.Select(s => GraphFixtures.FlipSigns(s, new Rng(1))).ToList();
        var rotated = spectra.Select(s => GraphFixtures.RotateBases(s, new Rng(2))).ToList();
        Assert.True(GraphFixtures.MaxAbsDifference(before, Encode(PositionalEncodingKind.Eig, batch, flipped)) > 1e-3);
        Assert.True(GraphFixtures.MaxAbsDifference(before, Encode(PositionalEncodingKind.Eig, batch, rotated)) > 1e-3);
        var model = Model(PositionalEncodingKind.Eig, GraphLayerKind.Gin, batch, spectra);
        Assert.True(GraphFixtures.MaxAbsDifference(model, Model(PositionalEncodingKind.Eig, GraphLayerKind.Gin, batch, flipped)) > 1e-4);
    }

    [Fact]
    public void SignNetIsNotBasisInvariant()
    {
        // SignNet handles signs only: a rotation inside a 2-dimensional eigenspace changes its output.
        var (batch, spectra) = Fixture();
        var rotated = spectra.Select(s => GraphFixtures.RotateBases(s, new Rng(2))).ToList();
        Assert.True(GraphFixtures.MaxAbsDifference(Encode(PositionalEncodingKind.SignNet, batch, spectra),
            Encode(PositionalEncodingKind.SignNet, batch, rotated)) > 1e-4);
    }

    [Fact]
    public void SignEquivariantLayerCommutesWithSignFlips()
    {
        var rng = new Rng(9);
        var layer = new SignEquivariantLayer(new ParameterStore(new Rng(10)), "se", 5, 7);
        var v = Tensor<double>.RandomNormal(rng, 12, 5);
        var signs = Enumerable.Range(0, 5).Select(l => l % 2 == 0 ? -1.0 : 1.0).ToArray();
        var s = new Tensor<double>(signs, 1, 5);
        var f = layer.Forward(V.Constant(v)).Value;
        var fs = layer.Forward(V.Constant(v * s)).Value;
        Assert.True(GraphFixtures.MaxAbsDifference(fs, f * s) <= 1e-12);
        Assert.True(GraphFixtures.MaxAbsDifference(fs, f) > 1e-2, "the layer must not be sign invariant");
        Assert.True(GraphFixtures.MaxAbsDifference(f, v) > 1e-2, "the layer must not be the identity");
    }
}
