using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Noether.Tensors;
using Noether.Tensors.Kernels;

namespace Noether.Bench;

/// <summary>1024³ float32 GEMM on 1 and 2 threads, against a TensorPrimitives.Dot baseline in the same run.</summary>
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private const int N = 1024;
    private float[] _a = [], _b = [], _bt = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        _a = Tensor<float>.RandomUniform(rng, -1f, 1f, N * N).ToArray();
        _b = Tensor<float>.RandomUniform(rng, -1f, 1f, N * N).ToArray();
        _bt = Tensor<float>.FromArray(_b, N, N).Transpose().Contiguous().ToArray();
        _c = new float[N * N];
    }

    [Benchmark(Baseline = true, Description = "dot-baseline 1 thread")]
    public void DotBaseline()
    {
        for (int i = 0; i < N; i++)
        {
            var row = _a.AsSpan(i * N, N);
            for (int j = 0; j < N; j++) _c[i * N + j] = System.Numerics.Tensors.TensorPrimitives.Dot(row, _bt.AsSpan(j * N, N));
        }
    }

    [Benchmark(Description = "packed 1 thread")]
    public void Packed1() => Gemm.Multiply<float>(N, N, N, _a, N, 1, _b, N, 1, _c, N, false, 1);

    [Benchmark(Description = "packed 2 threads")]
    public void Packed2() => Gemm.Multiply<float>(N, N, N, _a, N, 1, _b, N, 1, _c, N, false, 2);

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() { AddColumn(new GflopsColumn(2.0 * N * N * N)); }
    }
}

/// <summary>GFLOP/s derived from the mean time of each benchmark.</summary>
public sealed class GflopsColumn(double flops) : IColumn
{
    public string Id => "GFLOPs";
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Billions of floating-point operations per second (2n³ / mean time)";
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        return report?.ResultStatistics is { } s ? (flops / s.Mean).ToString("F1") : "NA";
    }
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
