using BenchmarkDotNet.Attributes;
using Noether.Alignment;
using Noether.Alignment.Diagnostics;
using Noether.Alignment.Internal;

namespace Noether.Bench;

/// <summary>
/// 1024 × 1024 linear assignment on seeded uniform [0, 1) costs (the matrix of <c>noether bench lap --n 1024</c>),
/// against a scalar port of scipy's linear_sum_assignment algorithm (Crouse 2016) in the same run.
/// </summary>
[MemoryDiagnoser]
public class LinearAssignmentBenchmarks
{
    private const int N = 1024;
    private double[] _costs = [];
    private float[] _costs32 = [];

    [GlobalSetup]
    public void Setup()
    {
        _costs = LapThroughput.Costs<double>(N, 1).ToArray();
        _costs32 = LapThroughput.Costs<float>(N, 1).ToArray();
    }

    [Benchmark(Baseline = true, Description = "scipy's algorithm, scalar C# port")]
    public int[] CrouseBaseline() => CrouseReference.Solve(_costs, N, N);

    [Benchmark(Description = "LinearAssignment float64")]
    public Assignment Solve64() => LinearAssignment.Solve<double>(_costs, N, N);

    [Benchmark(Description = "LinearAssignment float32")]
    public Assignment Solve32() => LinearAssignment.Solve<float>(_costs32, N, N);
}
