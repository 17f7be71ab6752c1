using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Numerics;
using Noether.Tensors;
using Noether.Tensors.Autodiff;
using Noether.Tensors.Kernels;

namespace Noether.Nn.Training;

/// <summary>
/// Forward and backward buffers of K stacked models for one mini-batch size, and the pass over a range of models.
/// Every buffer is laid out [K, rows, width], so a range of models is one contiguous slice. Linear layers multiply
/// per model with the operands and summation order the sequential trainer's autodiff uses (bit-identical results); ReLU and leaky ReLU
/// run the SIMD kernels of their ops over the whole range, other activations their own autodiff per model.
/// </summary>
internal sealed class StackedPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly StackedPlan _plan;
    private readonly StackedParameters<T> _p;
    private readonly int _k;
    private readonly T[][] _values, _grads;
    private readonly (Variable<T> In, Variable<T> Out)?[,] _activations;
    private readonly T[] _transposed, _lossScratch;
    private readonly int _largest;

    public StackedPass(StackedPlan plan, StackedParameters<T> parameters, int rows)
    {
        _plan = plan; _p = parameters; _k = parameters.Count; Rows = rows;
        X = new T[_k * rows * plan.Inputs];
        Labels = new int[_k * rows];
        _values = plan.Nodes.Select(n => new T[_k * rows * n.Width]).ToArray();
        _grads = plan.Nodes.Select(n => new T[_k * rows * n.Width]).ToArray();
        _activations = new (Variable<T>, Variable<T>)?[_k, plan.Nodes.Count];
        Losses = new T[_k];
        int fin = plan.Inputs, largest = 0;
        foreach (var node in plan.Nodes) { if (node.Linear is not null) largest = Math.Max(largest, fin * node.Width); fin = node.Width; }
        _largest = largest;
        _transposed = new T[_k * largest]; // weights transposed to [in, out] for the small kernel's forward
        _lossScratch = new T[_k * 3 * rows];
    }

    /// <summary>Samples per model.</summary>
    public int Rows { get; }
    /// <summary>Inputs [K, rows, features].</summary>
    public T[] X { get; }
    /// <summary>Labels [K, rows].</summary>
    public int[] Labels { get; }
    /// <summary>Per model, the loss of the last pass.</summary>
    public T[] Losses { get; }

    /// <summary>Forward, loss and backward for models [lo, hi).</summary>
    public void Run(int lo, int hi, StackedKernel kernel)
    {
        for (int n = 0; n < _plan.Nodes.Count; n++) Forward(n, lo, hi, kernel);
        int c = _plan.Outputs, last = _plan.Nodes.Count - 1;
        for (int m = lo; m < hi; m++)
            Losses[m] = StackedLoss.CrossEntropy<T>(_values[last].AsSpan(m * Rows * c, Rows * c), Labels.AsSpan(m * Rows, Rows), _grads[last].AsSpan(m * Rows * c, Rows * c), c,
                _lossScratch.AsSpan(m * 3 * Rows, 3 * Rows));
        for (int n = last; n >= 0; n--) Backward(n, lo, hi, kernel);
    }

    /// <summary>The negative-side slope of ReLU (0) or leaky ReLU, run by the same SIMD kernels as their ops; null for others.</summary>
    private static T? Slope(Operations.Activation f) => f switch
    {
        Operations.ReluActivation => T.Zero,
        Operations.LeakyReluActivation l => T.CreateChecked(l.Alpha),
        _ => null,
    };

    private T[] InputOf(int n) => n == 0 ? X : _values[n - 1];
    private int WidthIn(int n) => n == 0 ? _plan.Inputs : _plan.Nodes[n - 1].Width;

    private void Forward(int n, int lo, int hi, StackedKernel kernel)
    {
        var node = _plan.Nodes[n];
        int fin = WidthIn(n), fout = node.Width, r = Rows;
        var x = InputOf(n); var y = _values[n];
        if (node.Activation is { } f)
        {
            int size = r * fout;
            if (Slope(f) is { } alpha) SimdKernels.LeakyRelu<T>(x.AsSpan(lo * size, (hi - lo) * size), alpha, y.AsSpan(lo * size, (hi - lo) * size));
            else if (f is Operations.IdentityActivation) x.AsSpan(lo * size, (hi - lo) * size).CopyTo(y.AsSpan(lo * size));
            else
                // Other activations run through their own autodiff, one model at a time (small tensors, no large-object heap).
                for (int m = lo; m < hi; m++)
                {
                    var input = Variable<T>.Parameter(new Tensor<T>(x.AsMemory(m * size, size), r, fin));
                    var output = f.Apply(input);
                    output.Value.Contiguous().Span.CopyTo(y.AsSpan(m * size, size));
                    _activations[m, n] = (input, output);
                }
            return;
        }
        var w = _p.Weights[n]!;
        if (kernel == StackedKernel.SmallGemm)
        {
            for (int m = lo; m < hi; m++)
            {
                var wt = _transposed.AsSpan(m * _largest, fout * fin); // each model its own region: ranges run concurrently
                Transpose(w.AsSpan(m * fout * fin, fout * fin), fout, fin, wt);
                // y = x·Wᵀ, then + b as its own rounding step, as the sequential trainer adds the bias after the product.
                SmallGemm.Multiply<T>(r, fout, fin, x.AsSpan(m * r * fin, r * fin), fin, 1, wt, y.AsSpan(m * r * fout, r * fout),
                    _p.Biases[n] is { } bm ? bm.AsSpan(m * fout, fout) : default);
            }
            return;
        }
        else if (kernel == StackedKernel.BatchedMatMul)
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
                for (int i = 0; i < r; i++) AddInPlace(y.AsSpan((m * r + i) * fout, fout), bias);
            }
    }

    private void Backward(int n, int lo, int hi, StackedKernel kernel)
    {
        var node = _plan.Nodes[n];
        int fin = WidthIn(n), fout = node.Width, r = Rows;
        var g = _grads[n]; var x = InputOf(n);
        if (node.Activation is { } f)
        {
            if (n == 0) return;
            int size = r * fout;
            var dx = _grads[n - 1];
            if (Slope(f) is { } alpha)
                SimdKernels.LeakyReluBackward<T>(x.AsSpan(lo * size, (hi - lo) * size), g.AsSpan(lo * size, (hi - lo) * size), alpha, dx.AsSpan(lo * size, (hi - lo) * size));
            else if (f is Operations.IdentityActivation) g.AsSpan(lo * size, (hi - lo) * size).CopyTo(dx.AsSpan(lo * size));
            else
                for (int m = lo; m < hi; m++)
                {
                    var (input, output) = _activations[m, n]!.Value;
                    output.Backward(new Tensor<T>(g.AsMemory(m * size, size), r, fout));
                    input.Grad!.Contiguous().Span.CopyTo(dx.AsSpan(m * size, size));
                    _activations[m, n] = null;
                }
            return;
        }
        var w = _p.Weights[n]!; var gw = _p.WeightGrads[n]!;
        if (_p.BiasGrads[n] is { } gb)
            for (int m = lo; m < hi; m++)
            {
                var sum = gb.AsSpan(m * fout, fout);
                g.AsSpan(m * r * fout, fout).CopyTo(sum);
                for (int i = 1; i < r; i++) AddInPlace(sum, g.AsSpan((m * r + i) * fout, fout));
            }
        if (kernel == StackedKernel.SmallGemm)
        {
            for (int m = lo; m < hi; m++)
            {
                var gm = g.AsSpan(m * r * fout, r * fout);
                SmallGemm.Multiply<T>(fout, fin, r, gm, 1, fout, x.AsSpan(m * r * fin, r * fin), gw.AsSpan(m * fout * fin, fout * fin));
                if (n > 0) SmallGemm.Multiply<T>(r, fin, fout, gm, fout, 1, w.AsSpan(m * fout * fin, fout * fin), _grads[n - 1].AsSpan(m * r * fin, r * fin));
            }
            return;
        }
        if (kernel == StackedKernel.BatchedMatMul)
        {
            var x3 = new Tensor<T>(x.AsMemory(lo * r * fin, (hi - lo) * r * fin), hi - lo, r, fin);
            var g3 = new Tensor<T>(g.AsMemory(lo * r * fout, (hi - lo) * r * fout), hi - lo, r, fout);
            g3.Transpose().MatMul(x3, maxThreads: 1).Span.CopyTo(gw.AsSpan(lo * fin * fout, (hi - lo) * fin * fout));
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
            // ∂W [out, in] = gᵀ·x: each element is the same k-ordered dot product as the autodiff's (xᵀ·g)ᵀ.
            Gemm.Multiply<T>(fout, fin, r, gm, 1, fout, x.AsSpan(m * r * fin, r * fin), fin, 1, gw.AsSpan(m * fout * fin, fout * fin), fin, false, 1);
            if (n > 0)
                Gemm.Multiply<T>(r, fin, fout, gm, fout, 1, w.AsSpan(m * fout * fin, fout * fin), fin, 1, _grads[n - 1].AsSpan(m * r * fin, r * fin), fin, false, 1);
        }
    }

    /// <summary>dst [cols, rows] = src [rows, cols]ᵀ, both row-major.</summary>
    private static void Transpose(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst)
    {
        if (src.Length < rows * cols || dst.Length < rows * cols) throw new ArgumentException("Transpose: spans too short");
        ref T s = ref MemoryMarshal.GetReference(src);
        ref T d = ref MemoryMarshal.GetReference(dst);
        for (int i = 0; i < cols; i++)
        {
            ref T di = ref Unsafe.Add(ref d, i * rows);
            ref T si = ref Unsafe.Add(ref s, i);
            for (int o = 0; o < rows; o++) Unsafe.Add(ref di, o) = Unsafe.Add(ref si, o * cols);
        }
    }

    /// <summary>acc[j] += x[j], element by element (the same additions TensorPrimitives.Add makes, without its call overhead on short rows).</summary>
    private static void AddInPlace(Span<T> acc, ReadOnlySpan<T> x)
    {
        int n = acc.Length, j = 0;
        ref T pa = ref MemoryMarshal.GetReference(acc);
        ref T px = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
                (Vector512.LoadUnsafe(ref pa, (nuint)j) + Vector512.LoadUnsafe(ref px, (nuint)j)).StoreUnsafe(ref pa, (nuint)j);
        for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
            (Vector256.LoadUnsafe(ref pa, (nuint)j) + Vector256.LoadUnsafe(ref px, (nuint)j)).StoreUnsafe(ref pa, (nuint)j);
        for (; j < n; j++) Unsafe.Add(ref pa, j) += Unsafe.Add(ref px, j);
    }
}
