using Noether.Graphs.Encodings;
using Noether.Graphs.Layers;
using Noether.Graphs.Spectral;
using Noether.Tensors;
using V = Noether.Tensors.Autodiff.Variable<double>;

namespace Noether.Graphs.Tests;

/// <summary>
/// Must-show 4: disconnected graphs, isolated nodes, empty graphs and k larger than the node count are handled by
/// zero padding with a mask (documented on <see cref="SpectralBatch"/>); malformed graphs get a clear error.
/// </summary>
public class BadInputTests
{
    private static readonly GraphSample TwoTriangles = GraphFixtures.FromEdges(6, [(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3)], "two-triangles");
    private static readonly GraphSample WithIsolated = GraphFixtures.FromEdges(4, [(0, 1), (1, 2)], "isolated");
    private static readonly GraphSample Empty = GraphFixtures.FromEdges(0, [], "empty");

    [Fact]
    public void DisconnectedGraphsHaveOneZeroEigenvaluePerComponentAndStayInvariant()
    {
        var s = GraphSpectrum.Of(TwoTriangles);
        Assert.Equal(2, s.Eigenspaces[0].Dimension);
        Assert.Equal(0, s.Eigenspaces[0].Value, 1e-12);
        var batch = GraphBatch.Create([TwoTriangles]);
        var store = new ParameterStore(new Rng(1));
        var spe = new Spe(store, 6, 4);
        var rotated = GraphFixtures.RotateBases(s, new Rng(2));
        Assert.True(GraphFixtures.MaxAbsDifference(s.Vectors, rotated.Vectors) > 0.05);
        Assert.True(GraphFixtures.MaxAbsDifference(spe.Encode(batch, new SpectralBatch(batch, [s], 3)).Value,
            spe.Encode(batch, new SpectralBatch(batch, [rotated], 3)).Value) <= 1e-10);
    }

    [Fact]
    public void IsolatedNodesGetEigenvalueOneAndNoMessages()
    {
        var s = GraphSpectrum.Of(WithIsolated);
        // Eigenvalue 1 is shared by the isolated node's indicator and the path 0-1-2: the indicator lies in that eigenspace.
        var space = s.Eigenspaces.Single(e => Math.Abs(e.Value - 1) < 1e-9);
        Assert.Equal(2, space.Dimension);
        double inside = 0;
        for (int l = space.Start; l < space.Start + space.Dimension; l++) inside += s.Vectors[3, l] * s.Vectors[3, l];
        Assert.Equal(1, inside, 1e-12);
        var batch = GraphBatch.Create([WithIsolated]);
        var sum = MessagePassing.NeighbourSum(V.Constant(Tensor<double>.Ones(4, 2)), batch).Value;
        Assert.Equal(0, sum[3, 0]);
        Assert.Equal(2, sum[1, 0]);
    }

    [Fact]
    public void KLargerThanTheNodeCountIsZeroPaddedAndMasked()
    {
        var small = GraphFixtures.Path(3);
        var batch = GraphBatch.Create([small, GraphFixtures.Cycle(8)]);
        var spectral = new SpectralBatch(batch, batch.Graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 6);
        for (int i = 0; i < 3; i++)
            for (int l = 0; l < 6; l++)
            {
                Assert.Equal(l < 3 ? 1 : 0, spectral.Mask[i, l]);
                if (l >= 3) Assert.Equal(0, spectral.Vectors[i, l]);
            }
        // Whatever sits in the padded slots is ignored: junk there leaves raw-eigenvector and SignNet encodings unchanged.
        var junk = spectral.Vectors.Clone();
        for (int i = 0; i < 3; i++) for (int l = 3; l < 6; l++) junk[i, l] = 7 + i - l;
        var store = new ParameterStore(new Rng(3));
        foreach (PositionalEncoding pe in new PositionalEncoding[] { new SignNet(store, 6, 4, 3), new RawEigenvectors(store, 6, 3) })
        {
            var clean = pe.Forward(V.Constant(spectral.Vectors), batch, spectral, null).Value;
            var dirty = pe.Forward(V.Constant(junk), batch, spectral, null).Value;
            Assert.True(GraphFixtures.MaxAbsDifference(clean, dirty) == 0, $"{pe.GetType().Name} reads padded eigenvectors");
        }
    }

    [Theory]
    [InlineData(PositionalEncodingKind.None)]
    [InlineData(PositionalEncodingKind.Eig)]
    [InlineData(PositionalEncodingKind.SignNet)]
    [InlineData(PositionalEncodingKind.BasisNet)]
    [InlineData(PositionalEncodingKind.Spe)]
    public void EmptyGraphsPoolToZerosAndBatchesOfOnlyEmptyGraphsStillRun(PositionalEncodingKind kind)
    {
        foreach (var layer in new[] { GraphLayerKind.Gin, GraphLayerKind.GatedGcn })
        {
            var store = new ParameterStore(new Rng(4));
            var net = new GraphRegressor(store, new GraphRegressorOptions { Encoding = kind, Layer = layer, Eigenvectors = 4, Width = 6 }, 1, 0, 1);
            ParameterGradCheck.RandomiseBiases(store);
            foreach (var graphs in new[] { new List<GraphSample> { GraphFixtures.Cycle(5), Empty, WithIsolated }, [Empty, Empty] })
            {
                var batch = GraphBatch.Create(graphs);
                var spectral = new SpectralBatch(batch, graphs.Select(g => GraphSpectrum.Of(g)).ToList(), 4);
                var y = net.Forward(batch, spectral).Value;
                Assert.Equal([graphs.Count, 1], y.ShapeArray());
                Assert.All(y.ToArray(), v => Assert.True(double.IsFinite(v)));
                int e = graphs.IndexOf(Empty);
                // An empty graph's prediction is the head applied to a zero pooled vector, whatever else is in the batch.
                var alone = net.Forward(GraphBatch.Create([Empty]), new SpectralBatch(GraphBatch.Create([Empty]), [GraphSpectrum.Of(Empty)], 4)).Value;
                Assert.Equal(alone[0, 0], y[e, 0], 1e-12);
            }
        }
        Assert.Equal(0, MessagePassing.MeanPool(V.Constant(Tensor<double>.Ones(5, 1)), GraphBatch.Create([GraphFixtures.Cycle(5), Empty])).Value[1, 0]);
    }

    [Fact]
    public void MalformedGraphsAreRejectedWithTheGraphAndEdgeNamed()
    {
        var loop = Assert.Throws<ArgumentException>(() => GraphFixtures.FromEdges(3, [(0, 1), (2, 2)], "mol7"));
        Assert.Contains("mol7: edge 1 is a self-loop at node 2", loop.Message);
        var repeated = Assert.Throws<ArgumentException>(() => GraphFixtures.FromEdges(3, [(0, 1), (1, 0)], "mol8"));
        Assert.Contains("repeated", repeated.Message);
        var outside = Assert.Throws<ArgumentException>(() => GraphFixtures.FromEdges(3, [(0, 3)], "mol9"));
        Assert.Contains("outside 0..2", outside.Message);
        var batch = GraphBatch.Create([GraphFixtures.Cycle(4)]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpectralBatch(batch, [GraphSpectrum.Of(GraphFixtures.Cycle(4))], 0));
        var mismatch = Assert.Throws<ArgumentException>(() => new SpectralBatch(batch, [GraphSpectrum.Of(GraphFixtures.Cycle(5))], 2));
        Assert.Contains("C4 has 4 nodes but its spectrum has 5", mismatch.Message);
    }
}
