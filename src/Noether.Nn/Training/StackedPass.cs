using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using Noether.Tensors.Kernels;

namespace Noether.Nn.Training;

/// <summary>
/// Forward and backward buffers of K stacked models for one mini-batch size, and the pass over a range of models.
/// Every buffer is laid out [K, rows, width], so a range of models is one contiguous slice. Linear layers multiply
/// per model with the operands the sequential trainer's autodiff uses (so results agree to rounding); activations run
/// through their own autodiff once per range, on the range's slice.
/// </summary>
internal sealed class StackedPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly StackedPlan _plan;
    private readonly StackedParameters<T> _p;
    private readonly int _k;
    private readonly T[][] _values, _grads;
    private readonly (Variable<T> In, Variable<T> Out)?[,] _activations;

    public StackedPass(StackedPlan plan, StackedParameters<T> parameters, int rows, int ranges)
    {
        _plan = plan; _p = parameters; _k = parameters.Count; Rows = rows;
        X = new T[_k * rows * plan.Inputs];
        Labels = new int[_k * rows];
        _values = plan.Nodes.Select(n => new T[_k * rows * n.Width]).ToArray();
        _grads = plan.Nodes.Select(n => new T[_k * rows * n.Width]).ToArray();
        _activations = new (Variable<T>, Variable<T>)?[ranges, plan.Nodes.Count];
        Losses = new T[_k];
    }

    /// <summary>Samples per model.</summary>
    public int Rows { get; }
    /// <summary>Inputs [K, rows, features].</summary>
    public T[] X { get; }
    /// <summary>Labels [K, rows].</summary>
    public int[] Labels { get; }
    /// <summary>Per model, the loss of the last pass.</summary>
    public T[] Losses { get; }

    /// <summary>Forward, loss and backward for models [lo, hi); <paramref name="range"/> indexes the saved activations.</summary>
    public void Run(int range, int lo, int hi, StackedKernel kernel)
    {
        for (int n = 0; n < _plan.Nodes.Count; n++) Forward(range, n, lo, hi, kernel);
        int c = _plan.Outputs, last = _plan.Nodes.Count - 1;
        for (int m = lo; m < hi; m++)
            Losses[m] = StackedLoss.CrossEntropy<T>(_values[last].AsSpan(m * Rows * c, Rows * c), Labels.AsSpan(m * Rows, Rows), _grads[last].AsSpan(m * Rows * c, Rows * c), c);
        for (int n = last; n >= 0; n--) Backward(range, n, lo, hi, kernel);
    }

    private T[] InputOf(int n) => n == 0 ? X : _values[n - 1];
    private int WidthIn(int n) => n == 0 ? _plan.Inputs : _plan.Nodes[n - 1].Width;

    private void Forward(int range, int n, int lo, int hi, StackedKernel kernel)
    {
        var node = _plan.Nodes[n];
        int fin = WidthIn(n), fout = node.Width, r = Rows;
        var x = InputOf(n); var y = _values[n];
        if (node.Activation is { } f)
        {
            var input = Variable<T>.Parameter(new Tensor<T>(x.AsMemory(lo * r * fin, (hi - lo) * r * fin), (hi - lo) * r, fin));
            var output = f.Apply(input);
            output.Value.Contiguous().Span.CopyTo(y.AsSpan(lo * r * fout, (hi - lo) * r * fout));
            _activations[range, n] = (input, output);
            return;
        }
        var w = _p.Weights[n]!;
        if (kernel == StackedKernel.BatchedMatMul)
        {
            var x3 = new Tensor<T>(x.AsMemory(lo * r * fin, (hi - lo) * r * fin), hi - lo, r, fin);
            var w3 = new Tensor<T>(w.AsMemory(lo * fout * fin, (hi - lo) * fout * fin), hi - lo, fout, fin);
            x3.MatMul(w3.Transpose(), maxThreads: 1).Span.CopyTo(y.AsSpan(lo * r * fout, (hi - lo) * r * fout));
        }
        else
            for (int m = lo; m < hi; m++)
                Gemm.Multiply<T>(r, fout, fin, x.AsSpan(m * r * fin, r * fin), fin, 1, w.AsSpan(m * fout * fin, fout * fin), 1, fin,
                    y.AsSpan(m * r * fout, r * fout), fout, false, 1);
        if (_p.Biases[n] is { } b)
            for (int m = lo; m < hi; m++)
            {
                var bias = b.AsSpan(m * fout, fout);
                for (int i = 0; i < r; i++)
                {
                    var row = y.AsSpan((m * r + i) * fout, fout);
                    System.Numerics.Tensors.TensorPrimitives.Add<T>(row, bias, row);
                }
            }
    }

    private void Backward(int range, int n, int lo, int hi, StackedKernel kernel)
    {
        var node = _plan.Nodes[n];
        int fin = WidthIn(n), fout = node.Width, r = Rows;
        var g = _grads[n];
        if (node.Activation is not null)
        {
            if (n == 0) return;
            var (input, output) = _activations[range, n]!.Value;
            output.Backward(new Tensor<T>(g.AsMemory(lo * r * fout, (hi - lo) * r * fout), (hi - lo) * r, fout));
            input.Grad!.Contiguous().Span.CopyTo(_grads[n - 1].AsSpan(lo * r * fin, (hi - lo) * r * fin));
            _activations[range, n] = null;
            return;
        }
        var x = InputOf(n); var w = _p.Weights[n]!; var gw = _p.WeightGradsT[n]!;
        if (_p.BiasGrads[n] is { } gb)
            for (int m = lo; m < hi; m++)
            {
                var sum = gb.AsSpan(m * fout, fout);
                g.AsSpan(m * r * fout, fout).CopyTo(sum);
                for (int i = 1; i < r; i++) System.Numerics.Tensors.TensorPrimitives.Add<T>(sum, g.AsSpan((m * r + i) * fout, fout), sum);
            }
        if (kernel == StackedKernel.BatchedMatMul)
        {
            var x3 = new Tensor<T>(x.AsMemory(lo * r * fin, (hi - lo) * r * fin), hi - lo, r, fin);
            var g3 = new Tensor<T>(g.AsMemory(lo * r * fout, (hi - lo) * r * fout), hi - lo, r, fout);
            x3.Transpose().MatMul(g3, maxThreads: 1).Span.CopyTo(gw.AsSpan(lo * fin * fout, (hi - lo) * fin * fout));
            if (n > 0)
            {
                var w3 = new Tensor<T>(w.AsMemory(lo * fout * fin, (hi - lo) * fout * fin), hi - lo, fout, fin);
                g3.MatMul(w3, maxThreads: 1).Span.CopyTo(_grads[n - 1].AsSpan(lo * r * fin, (hi - lo) * r * fin));
            }
            return;
        }
        for (int m = lo; m < hi; m++)
        {
            var gm = g.AsSpan(m * r * fout, r * fout);
            // ∂W is computed transposed, [in, out] = xᵀ·g, as the autodiff of x·Wᵀ does.
            Gemm.Multiply<T>(fin, fout, r, x.AsSpan(m * r * fin, r * fin), 1, fin, gm, fout, 1, gw.AsSpan(m * fin * fout, fin * fout), fout, false, 1);
            if (n > 0)
                Gemm.Multiply<T>(r, fin, fout, gm, fout, 1, w.AsSpan(m * fout * fin, fout * fin), fin, 1, _grads[n - 1].AsSpan(m * r * fin, r * fin), fin, false, 1);
        }
    }
}
