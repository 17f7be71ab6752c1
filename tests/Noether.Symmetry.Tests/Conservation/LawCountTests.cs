using Noether.Nn.Architectures;
using Noether.Nn.Operations;
using Noether.Symmetry.Conservation;
using Noether.Tensors;
using Xunit.Abstractions;

namespace Noether.Symmetry.Tests.Conservation;

/// <summary>
/// Must-show 4: the derived list has exactly as many independent laws as Marcotte, Gribonval &amp; Peyré's bound allows —
/// h for a two-layer ReLU net, h(h+1)/2 for a two-layer linear net — from both sides: the rank of the derived laws'
/// gradients and D minus the rank of the Lie algebra the model's vector fields generate.
/// </summary>
public class LawCountTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("relu", 3, 4, 2)]
    [InlineData("relu", 4, 5, 3)]
    [InlineData("identity", 4, 3, 4)]
    [InlineData("identity", 5, 2, 3)]
    public void TwoLayerNetsHaveExactlyTheDerivedLaws(string activation, int inputs, int hidden, int outputs)
    {
        var graph = Builders.Mlp(inputs, [hidden], outputs, Activation.Parse(activation));
        var laws = ConservationLaws.Derive(graph, new ConservationOptions(TrainingLoss.MeanSquaredError));
        var model = Models.Randomised(graph, 5);
        var x = Tensor<double>.RandomNormal(new Rng(6), 24, inputs);
        var count = LawCounting.Count(model, laws, x);
        output.WriteLine($"{activation} {inputs}-{hidden}-{outputs}: {count}");
        int expected = activation == "relu" ? hidden : hidden * (hidden + 1) / 2;
        Assert.Equal(expected, count.Derived);
        Assert.Equal(expected, count.Independent);
        Assert.Equal(expected, count.UpperBound);
        Assert.True(count.Complete);
    }

    [Fact]
    public void AMissingLawIsNoticed()
    {
        // The other way: drop one law and the count no longer reaches the bound.
        var graph = Builders.Mlp(3, [4], 2);
        var laws = ConservationLaws.Derive(graph, new ConservationOptions(TrainingLoss.MeanSquaredError));
        var f = (QuadraticFamily)laws.Families[0];
        var fewer = new ConservedQuantities(graph.Name, [f with { Shape = QuadraticShape.Trace }], []);
        var count = LawCounting.Count(Models.Randomised(graph, 7), fewer, Tensor<double>.RandomNormal(new Rng(8), 24, 3));
        Assert.Equal(1, count.Independent);
        Assert.Equal(4, count.UpperBound);
        Assert.False(count.Complete);
    }
}
