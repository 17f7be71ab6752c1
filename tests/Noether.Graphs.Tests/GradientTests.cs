using Noether.Graphs.Encodings;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Tests;

/// <summary>Float64 finite-difference checks of every graph op, layer and encoding (inputs and parameters).</summary>
public class GradientTests
{
    private const double Tolerance = 1e-6;

    private static void Check(Func<V[], V> f, params Tensor<double>[] inputs)
    {
        var r = GradCheck.Run(f, inputs);
        Assert.True(r.MaxRelativeError <= Tolerance, $"max relative error {r.MaxRelativeError:E3} at input {r.Worst.Input} element {r.Worst.Element}: analytic {r.Analytic}, numeric {r.Numeric}");
    }

    private static readonly GraphBatch Batch = GraphBatch.Create(GraphFixtures.Mixed());

    [Fact]
    public void MessagePassingPrimitivesAndPooling()
    {
        var h = Tensor<double>.RandomNormal(new Rng(1), Batch.NodeCount, 3);
        var m = Tensor<double>.RandomNormal(new Rng(2), Batch.Source.Length, 3);
        Check(v => MessagePassing.GatherSource(v[0], Batch), h);
        Check(v => MessagePassing.GatherTarget(v[0], Batch), h);
        Check(v => MessagePassing.ScatterToTarget(v[0], Batch), m);
        Check(v => MessagePassing.NeighbourSum(v[0], Batch), h);
        Check(v => MessagePassing.SumPool(v[0], Batch), h);
        Check(v => MessagePassing.MeanPool(v[0], Batch), h);
    }

    [Fact]
    public void GinAndGatedGcnLayers()
    {
        var store = new ParameterStore(new Rng(3));
        var gin = new GinLayer(store, "gin", 4);
        var gated = new GatedGcnLayer(store, "gated", 4);
        var h = Tensor<double>.RandomNormal(new Rng(4), Batch.NodeCount, 4);
        var e = Tensor<double>.RandomNormal(new Rng(5), Batch.Source.Length, 4);
        Check(v => gin.Forward(v[0], null, Batch), h);
        Check(v => gin.Forward(v[0], v[1], Batch), h, e);
        Check(v => { var (n, ed) = gated.Forward(v[0], v[1], Batch); return Ops.Concat([MessagePassing.SumPool(n, Batch), MessagePassing.SumPool(MessagePassing.ScatterToTarget(ed, Batch), Batch)], 1); }, h, e);
        ParameterGradCheck.AssertMatches(store, () =>
        {
            var hv = V.Constant(h);
            var (n, ed) = gated.Forward(gin.Forward(hv, V.Constant(e), Batch), V.Constant(e), Batch);
            return n + MessagePassing.ScatterToTarget(ed, Batch);
        });
    }

    [Fact]
    public void SignNetAndRawEigenvectorsWithRespectToTheEigenvectors()
    {
        var spectral = new SpectralBatch(Batch, Batch.Graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 5);
        var store = new ParameterStore(new Rng(6));
        var signNet = new SignNet(store, 5, 4, 3);
        var raw = new RawEigenvectors(store, 5, 3);
        ParameterGradCheck.RandomiseBiases(store);
        Check(v => signNet.Forward(v[0], Batch, spectral, null), spectral.Vectors);
        Check(v => raw.Forward(v[0], Batch, spectral, null), spectral.Vectors);
        ParameterGradCheck.AssertMatches(store, () => signNet.Encode(Batch, spectral) + raw.Encode(Batch, spectral));
    }

    [Theory]
    [InlineData(PositionalEncodingKind.BasisNet)]
    [InlineData(PositionalEncodingKind.Spe)]
    public void ProjectionEncodingsWithRespectToTheirParameters(PositionalEncodingKind kind)
    {
        var spectral = new SpectralBatch(Batch, Batch.Graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 5);
        var store = new ParameterStore(new Rng(7));
        var pe = PositionalEncoding.Create(kind, store, 5, 4, 3)!;
        ParameterGradCheck.AssertMatches(store, () => pe.Encode(Batch, spectral));
    }

    [Fact]
    public void SpeReadoutWithRespectToTheProjections()
    {
        var spectral = new SpectralBatch(Batch, Batch.Graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 5);
        var store = new ParameterStore(new Rng(8));
        var spe = new Spe(store, 4, 3, channels: 3);
        ParameterGradCheck.RandomiseBiases(store);
        Check(v => spe.Readout(v[0], spectral), spe.Z(spectral).Value);
    }

    [Fact]
    public void SignEquivariantLayer()
    {
        var store = new ParameterStore(new Rng(9));
        var layer = new SignEquivariantLayer(store, "se", 4, 5);
        var v0 = Tensor<double>.RandomNormal(new Rng(10), 6, 4);
        Check(v => layer.Forward(v[0]), v0);
        ParameterGradCheck.AssertMatches(store, () => layer.Forward(V.Constant(v0)));
    }

    [Theory]
    [InlineData(GraphLayerKind.Gin, PositionalEncodingKind.Spe)]
    [InlineData(GraphLayerKind.GatedGcn, PositionalEncodingKind.SignNet)]
    public void WholeRegressor(GraphLayerKind layer, PositionalEncodingKind kind)
    {
        var spectral = new SpectralBatch(Batch, Batch.Graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 4);
        var store = new ParameterStore(new Rng(11));
        var net = new GraphRegressor(store, new GraphRegressorOptions { Layer = layer, Encoding = kind, Eigenvectors = 4, Width = 5, EncoderWidth = 4, EncodingDimension = 3, Layers = 2 }, 1, 0, 1);
        ParameterGradCheck.AssertMatches(store, () => net.Forward(Batch, spectral), tolerance: 1e-5, perParameter: 2);
    }
}
