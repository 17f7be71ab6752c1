using FsCheck;
using FsCheck.Fluent;

namespace Noether.Tensors.Tests;

/// <summary>Broadcasting binary ops on random shapes and strided views agree with an index-by-index reference.</summary>
public class BroadcastPropertyTests
{
    private static double Reference(Tensor<double> a, Tensor<double> b, int[] shape, int[] index, Func<double, double, double> f)
    {
        int[] Project(Tensor<double> t) => Enumerable.Range(0, t.Rank).Select(i => t.Dim(i) == 1 ? 0 : index[index.Length - t.Rank + i]).ToArray();
        return f(a[Project(a)], b[Project(b)]);
    }

    [Fact]
    public void RandomBroadcastsMatchTheReference()
    {
        var gen = from rank in Gen.Choose(1, 4)
                  from dims in Gen.ArrayOf(Gen.Choose(1, 5), rank)
                  from maskA in Gen.ArrayOf(Gen.Elements(true, false), rank)
                  from maskB in Gen.ArrayOf(Gen.Elements(true, false), rank)
                  from dropA in Gen.Choose(0, rank - 1)
                  from transposeA in Gen.Elements(true, false)
                  from seed in Gen.Choose(0, 100000)
                  select (dims, maskA, maskB, dropA, transposeA, seed);
        Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var rng = new Rng((ulong)t.seed);
            var shapeA = t.dims.Select((d, i) => t.maskA[i] ? 1 : d).Skip(t.dropA).ToArray();
            var shapeB = t.dims.Select((d, i) => t.maskB[i] ? 1 : d).ToArray();
            var a = Tensor<double>.RandomNormal(rng, shapeA);
            if (t.transposeA && a.Rank >= 2) a = Tensor<double>.RandomNormal(rng, a.Transpose().ShapeArray()).Transpose(); // a strided view
            var b = Tensor<double>.RandomNormal(rng, shapeB);
            var shape = Shapes.Broadcast(a.Shape, b.Shape, "test");
            foreach (var (op, f) in new (Func<Tensor<double>, Tensor<double>, Tensor<double>>, Func<double, double, double>)[]
                     { ((x, y) => x + y, (x, y) => x + y), ((x, y) => x * y, (x, y) => x * y), ((x, y) => x - y, (x, y) => x - y) })
            {
                var got = op(a, b);
                if (!Shapes.Equal(got.Shape, shape)) return false;
                var idx = new int[shape.Length];
                for (int flat = 0; flat < got.Length; flat++)
                {
                    int r = flat;
                    for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = r % shape[d]; r /= shape[d]; }
                    if (Math.Abs(got[idx] - Reference(a, b, shape, idx, f)) > 1e-12) return false;
                }
            }
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
