using Noether.Tensors;
using Noether.Tensors.Autodiff;

namespace Noether.Nn.Training;

/// <summary>
/// The empirical neural tangent kernel of a float64 model's first output f. For a batch of N samples with K output
/// scalars per sample (K = the product of the per-sample output shape), rows are sample-major: row n·K + k is
/// output component k of sample n. Columns follow <see cref="ParameterVector"/> order. The model runs in
/// evaluation mode (no dropout, BatchNorm on running statistics), so samples are independent.
/// </summary>
public static class Ntk
{
    /// <summary>
    /// J = ∂f(x)/∂θ as an [N·K, P] tensor, one backward pass per output scalar over a single-sample forward pass.
    /// </summary>
    public static Tensor<double> Jacobian(Model<double> model, Tensor<double> x, ParameterVector? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        var layout = parameters ?? ParameterVector.For(model);
        int n = BatchSize(model, x), k = OutputsPerSample(model);
        var jacobian = new Tensor<double>(n * k, layout.Length);
        var rows = jacobian.Span;
        var sampleShape = x.ShapeArray();
        sampleShape[0] = 1;
        var xs = x.Contiguous().Span;
        int sampleLength = xs.Length / n;
        var grads = new Dictionary<string, Tensor<double>>();
        for (int s = 0; s < n; s++)
        {
            var sample = new Tensor<double>(xs.Slice(s * sampleLength, sampleLength).ToArray(), sampleShape);
            var pass = Executor.Forward(model, [sample], training: false);
            var output = pass.Outputs[0];
            for (int c = 0; c < k; c++)
            {
                foreach (var leaf in pass.Parameters.Values) leaf.ZeroGrad();
                var seed = new Tensor<double>(output.Value.ShapeArray());
                seed.Span[c] = 1;
                output.Backward(seed);
                grads.Clear();
                foreach (var (name, leaf) in pass.Parameters)
                    if (leaf.Grad is not null) grads[name] = leaf.Grad;
                layout.Gather(grads, rows.Slice((s * k + c) * layout.Length, layout.Length), missingAsZero: true);
            }
        }
        return jacobian;
    }

    /// <summary>Θ(x, x) = J Jᵀ, [N·K, N·K], sample-major.</summary>
    public static Tensor<double> Kernel(Model<double> model, Tensor<double> x, ParameterVector? parameters = null)
    {
        var j = Jacobian(model, x, parameters);
        return j.MatMul(j.Transpose());
    }

    /// <summary>Θ(x1, x2) = J(x1) J(x2)ᵀ, [N1·K, N2·K], sample-major on both sides.</summary>
    public static Tensor<double> Kernel(Model<double> model, Tensor<double> x1, Tensor<double> x2, ParameterVector? parameters = null)
    {
        var layout = parameters ?? ParameterVector.For(model);
        return Jacobian(model, x1, layout).MatMul(Jacobian(model, x2, layout).Transpose());
    }

    /// <summary>
    /// What the gradient flow does to the outputs at <paramref name="xEval"/>: df(xEval)/dt = −Θ(xEval, xTrain)·∂L/∂f(xTrain)
    /// for a loss that depends on θ only through f(xTrain). Computed as −J(xEval)·(J(xTrain)ᵀ ∂L/∂f), the second
    /// factor by one backward pass seeded with ∂L/∂f, so Θ itself is never formed.
    /// </summary>
    /// <param name="model">The model at θ(t).</param>
    /// <param name="xEval">Points whose outputs' velocity is wanted.</param>
    /// <param name="xTrain">The training batch the loss is computed on.</param>
    /// <param name="dLdf">∂L/∂f(xTrain), shaped like the model's output on <paramref name="xTrain"/>.</param>
    /// <param name="parameters">The flowing parameters; every trainable one when null.</param>
    /// <returns>df(xEval)/dt, shaped like the model's output on <paramref name="xEval"/>.</returns>
    public static Tensor<double> PredictedOutputVelocity(Model<double> model, Tensor<double> xEval, Tensor<double> xTrain, Tensor<double> dLdf,
        ParameterVector? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(dLdf);
        var layout = parameters ?? ParameterVector.For(model);
        var pass = Executor.Forward(model, [xTrain], training: false);
        var output = pass.Outputs[0];
        if (!Shapes.Equal(output.Value.Shape, dLdf.Shape))
            throw new ShapeMismatchException("Ntk.PredictedOutputVelocity", "∂L/∂f must have the shape of the model's output on xTrain", dLdf.ShapeArray(), output.Value.ShapeArray());
        output.Backward(dLdf.Contiguous());
        var grads = new Dictionary<string, Tensor<double>>();
        foreach (var (name, leaf) in pass.Parameters)
            if (leaf.Grad is not null) grads[name] = leaf.Grad;
        var gradient = new double[layout.Length];                  // Jᵀ ∂L/∂f = ∇_θ L
        layout.Gather(grads, gradient, missingAsZero: true);

        var j = Jacobian(model, xEval, layout);
        var velocity = j.MatMul(new Tensor<double>(gradient, layout.Length, 1)).Span;
        var shape = model.Predict(xEval)[0].ShapeArray();
        var result = new Tensor<double>(shape);
        var r = result.Span;
        for (int i = 0; i < r.Length; i++) r[i] = -velocity[i];
        return result;
    }

    private static int BatchSize(Model<double> model, Tensor<double> x)
    {
        var spec = model.Graph.Inputs[0];
        if (model.Graph.Inputs.Count != 1) throw new ArgumentException($"Ntk needs a single-input model; '{model.Graph.Name}' has {model.Graph.Inputs.Count}");
        if (x.Rank != spec.Shape.Length + 1 || !x.Shape[1..].SequenceEqual(spec.Shape))
            throw new ShapeMismatchException($"Ntk on model '{model.Graph.Name}'", $"x must be [batch, {string.Join(", ", spec.Shape)}]", x.ShapeArray(), spec.Shape);
        if (x.Dim(0) == 0) throw new ArgumentException("Ntk needs at least one sample");
        return x.Dim(0);
    }

    private static int OutputsPerSample(Model<double> model) => Shapes.Size(model.Graph.ShapeOf(model.Graph.Outputs[0]));
}
