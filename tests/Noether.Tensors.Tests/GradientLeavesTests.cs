using Noether.Tensors.Autodiff;

namespace Noether.Tensors.Tests;

public class GradientLeavesTests
{
    [Fact]
    public void Leaves_are_the_differentiable_inputs_each_once_and_carry_the_gradient()
    {
        var w = Variable<double>.Parameter(Tensor<double>.FromArray([2.0, 3.0]), "w");
        var b = Variable<double>.Parameter(Tensor<double>.FromArray([1.0]), "b");
        var c = Variable<double>.Constant(Tensor<double>.FromArray([5.0, 7.0]), "c");
        // w is used twice; c collects no gradient; b is broadcast.
        var loss = Ops.Sum((w * w + w * c) + b);
        var leaves = loss.GradientLeaves();
        Assert.Equal(2, leaves.Count);
        Assert.Contains(w, leaves);
        Assert.Contains(b, leaves);

        loss.Backward();
        // d/dw Σ(w² + w·c + b) = 2w + c; d/db = number of elements.
        Assert.Equal([9.0, 13.0], leaves.Single(l => l.Name == "w").Grad!.ToArray());
        Assert.Equal([2.0], leaves.Single(l => l.Name == "b").Grad!.ToArray());
    }

    [Fact]
    public void A_leaf_is_its_own_only_leaf_and_a_constant_has_none()
    {
        var p = Variable<double>.Parameter(Tensor<double>.FromArray([1.0]));
        Assert.Equal([p], p.GradientLeaves());
        Assert.Empty(Variable<double>.Constant(Tensor<double>.FromArray([1.0])).GradientLeaves());
    }
}
