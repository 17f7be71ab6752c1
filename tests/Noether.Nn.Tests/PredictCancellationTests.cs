using Noether.Nn.Architectures;
using Noether.Tensors;

namespace Noether.Nn.Tests;

/// <summary><see cref="Model{T}.Predict(IReadOnlyList{Tensor{T}}, CancellationToken)"/> stops between nodes.</summary>
public sealed class PredictCancellationTests
{
    [Fact]
    public void ASignalledTokenStopsPredictAndAnUnsignalledOneChangesNothing()
    {
        var model = Model<double>.Initialize(Builders.Mlp(4, [8, 8], 3), new Rng(1));
        var x = Tensor<double>.RandomNormal(new Rng(2), 5, 4);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => model.Predict([x], cancelled.Token));
        using var live = new CancellationTokenSource();
        var withToken = model.Predict([x], live.Token);
        var without = model.Predict(x);
        Assert.Equal(without[0].ToArray(), withToken[0].ToArray());
    }
}
