using System.Diagnostics;
using System.Numerics;
using Noether.Tensors.Kernels;

namespace Noether.Tensors.Diagnostics;

/// <summary>One GEMM throughput measurement.</summary>
/// <param name="Size">n for an n×n×n product.</param>
/// <param name="Threads">Thread limit passed to the kernel.</param>
/// <param name="Kernel">"packed" (Noether's GEMM) or "dot-baseline" (one TensorPrimitives dot per output).</param>
/// <param name="ElementType">float or double.</param>
/// <param name="Gflops">Billions of floating-point operations per second (2n³ per product).</param>
/// <param name="Seconds">Mean wall time of one product.</param>
/// <param name="Repetitions">Timed repetitions after one warm-up.</param>
public sealed record GemmMeasurement(int Size, int Threads, string Kernel, string ElementType, double Gflops, double Seconds, int Repetitions);

/// <summary>Measures GEMM throughput against a simple vectorised baseline run in the same process.</summary>
public static class GemmThroughput
{
    /// <summary>Times Noether's packed GEMM on n×n×n operands of random values.</summary>
    public static GemmMeasurement Packed<T>(int n, int threads, double minSeconds = 0.5, CancellationToken cancel = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, b, c) = Operands<T>(n);
        return Time(n, threads, "packed", typeof(T).Name, minSeconds, cancel,
            () => Gemm.Multiply<T>(n, n, n, a, n, 1, b, n, 1, c, n, false, threads));
    }

    /// <summary>
    /// Times the baseline: C[i,j] = dot(A[i,:], Bᵀ[j,:]) with TensorPrimitives.Dot (SIMD, single-threaded, no blocking).
    /// </summary>
    public static GemmMeasurement DotBaseline<T>(int n, double minSeconds = 0.5, CancellationToken cancel = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, b, c) = Operands<T>(n);
        var bt = new T[b.Length];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) bt[j * n + i] = b[i * n + j];
        return Time(n, 1, "dot-baseline", typeof(T).Name, minSeconds, cancel, () =>
        {
            for (int i = 0; i < n; i++)
            {
                var row = a.AsSpan(i * n, n);
                for (int j = 0; j < n; j++) c[i * n + j] = System.Numerics.Tensors.TensorPrimitives.Dot<T>(row, bt.AsSpan(j * n, n));
            }
        });
    }

    private static (T[] A, T[] B, T[] C) Operands<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Rng(1);
        return (Tensor<T>.RandomUniform(rng, -T.One, T.One, n * n).ToArray(), Tensor<T>.RandomUniform(rng, -T.One, T.One, n * n).ToArray(), new T[n * n]);
    }

    private static GemmMeasurement Time(int n, int threads, string kernel, string type, double minSeconds, CancellationToken cancel, Action run)
    {
        run();
        int reps = 0;
        var sw = Stopwatch.StartNew();
        do { cancel.ThrowIfCancellationRequested(); run(); reps++; } while (sw.Elapsed.TotalSeconds < minSeconds);
        double seconds = sw.Elapsed.TotalSeconds / reps;
        return new GemmMeasurement(n, threads, kernel, type, 2.0 * n * n * n / seconds / 1e9, seconds, reps);
    }
}
