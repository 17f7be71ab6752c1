using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO.Tests;

/// <summary>
/// Hostile ONNX files (issue 11): dims whose product overflows, int64 attributes and constants that do not fit the
/// IR's 32-bit sizes (once silently truncated: a pad of 2³² + 3 became 3), and small files asking for huge tensors.
/// Each ends in a one-line <see cref="OnnxImportException"/> naming the file, the node or tensor and the values.
/// </summary>
public class OnnxHostileTests
{
    private const long Over32 = (1L << 32) + 3;

    private static OnnxImportException Refused(OnnxModelBuilder b, OnnxImportOptions? options = null)
    {
        using var dir = new TempDir();
        var path = b.Save(dir);
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path, options ?? OnnxImportOptions.Default));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    private static TensorProto Declared(string name, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        return t;
    }

    [Theory]
    [InlineData(new long[] { 3, 1L << 62 })]        // 3·2⁶² wraps to a negative count
    [InlineData(new long[] { 1L << 31, 1L << 31, 4 })]
    [InlineData(new long[] { 65536, 65536, 65536, 65536 })] // 2⁶⁴ wraps to 0
    public void DimsWhoseProductOverflowsAreRefusedNamingTheTensor(long[] dims)
    {
        var b = new OnnxModelBuilder().Input("x", -1, 4).Initializer(Declared("huge", dims))
            .Node("Add", ["x", "huge"], "y").Output("y");
        var e = Refused(b);
        Assert.Equal(OnnxImportError.Malformed, e.Error);
        Assert.Contains("'huge'", e.Message);
    }

    [Fact]
    public void AnEmptyTensorWithADimensionBeyondInt32IsRefused()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 4).Initializer(Declared("empty", 0, 1L << 40))
            .Node("Add", ["x", "empty"], "y").Output("y");
        Assert.Contains("dimension 1099511627776", Refused(b).Message);
    }

    [Fact]
    public void APadInputBeyondInt32IsRefusedNotTruncated()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 4).Longs("pads", 0, 0, 0, Over32)
            .Node("Pad", ["x", "pads"], "y").Output("y");
        var e = Refused(b);
        Assert.Contains("(Pad)", e.Message);
        Assert.Contains("4294967299", e.Message);
        // The same pad in range imports and pads by exactly that amount.
        using var dir = new TempDir();
        var ok = new OnnxModelBuilder().Input("x", -1, 4).Longs("pads", 0, 0, 0, 3).Node("Pad", ["x", "pads"], "y").Output("y").Save(dir);
        Assert.Equal([7], OnnxImporter.Load<float>(ok).Graph.ShapeOf(OnnxImporter.Load<float>(ok).Graph.Outputs[0]));
    }

    [Fact]
    public void APadAttributeBeyondInt32IsRefusedNotTruncated()
    {
        var b = new OnnxModelBuilder(opset: 10).Input("x", -1, 4).Node("Pad", ["x"], "y", ("pads", new long[] { 0, 0, 0, Over32 })).Output("y");
        Assert.Contains("4294967299", Refused(b).Message);
    }

    [Fact]
    public void AFlattenAxisBeyondInt32IsRefusedNotTruncated()
    {
        // 2³² + 1 used to become axis 1: a valid Flatten of a different axis.
        var b = new OnnxModelBuilder().Input("x", -1, 2, 3).Node("Flatten", ["x"], "y", ("axis", (1L << 32) + 1)).Output("y");
        Assert.Contains("4294967297", Refused(b).Message);
    }

    [Fact]
    public void ATransposePermBeyondInt32IsRefusedNotTruncated()
    {
        // [0, 2³² + 2, 1] used to become the valid permutation [0, 2, 1].
        var b = new OnnxModelBuilder().Input("x", -1, 2, 3).Node("Transpose", ["x"], "y", ("perm", new long[] { 0, (1L << 32) + 2, 1 })).Output("y");
        Assert.Contains("4294967298", Refused(b).Message);
    }

    [Fact]
    public void GatherIndicesBeyondInt32AreRefusedNotTruncated()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 4).Longs("i", (1L << 32) + 1).Node("Gather", ["x", "i"], "y", ("axis", 1L)).Output("y");
        Assert.Contains("4294967297", Refused(b).Message);
    }

    [Fact]
    public void ConstantOfShapeOverTheBudgetIsRefusedBeforeAllocating()
    {
        // A few hundred bytes asking for 2⁴⁰ floats (8 TiB as float64).
        var b = new OnnxModelBuilder().Input("x", -1, 4).Longs("shape", 1L << 20, 1L << 20)
            .Node("ConstantOfShape", ["shape"], "c").Node("Add", ["x", "c"], "y").Output("y");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(b);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "the refusal allocated the tensor");
        Assert.Contains("(ConstantOfShape)", e.Message);
        Assert.Contains("[1048576, 1048576]", e.Message);
        Assert.Contains("8 TiB", e.Message);
        Assert.Contains("budget of 2 GiB", e.Message);
    }

    [Fact]
    public void TheBudgetIsConfigurable()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 256, 1024).Longs("shape", 256, 1024)
            .Node("ConstantOfShape", ["shape"], "c").Node("Add", ["x", "c"], "y").Output("y");
        using var dir = new TempDir();
        var path = b.Save(dir);
        Assert.Equal([256, 1024], OnnxImporter.Load<float>(path).Graph.ShapeOf(OnnxImporter.Load<float>(path).Graph.Outputs[0]));
        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(path, new OnnxImportOptions { MaxTensorBytes = 1 << 20 }));
        Assert.Contains("2 MiB", e.Message);
        Assert.Contains("budget of 1 MiB", e.Message);
    }

    [Fact]
    public void ExpandOverTheBudgetIsRefusedNamingTheNode()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 1, 4).Longs("shape", 1, 1L << 27, 4)
            .Node("Expand", ["x", "shape"], "y").Output("y");
        var e = Refused(b);
        Assert.Contains("(Expand)", e.Message);
        Assert.Contains("budget", e.Message);
    }

    [Fact]
    public void APaddedConstantOverTheBudgetIsRefused()
    {
        var b = new OnnxModelBuilder().Input("x", -1, 4).Floats("k", [4], 1, 2, 3, 4).Longs("pads", 0, 1L << 29)
            .Node("Pad", ["k", "pads"], "p").Node("Add", ["x", "p"], "y").Output("y");
        var e = Refused(b);
        Assert.Contains("(Pad)", e.Message);
        Assert.Contains("budget", e.Message);
    }
}

/// <summary>Names read from a file cannot break the one-line error contract (found by the fuzz suite).</summary>
public class OnnxOneLineErrorTests
{
    [Fact]
    public void ControlCharactersFromTheFileAreEscapedInErrors()
    {
        using var dir = new TempDir();
        var path = new OnnxModelBuilder().Input("x", -1, 4).Node("Bogus\n\u001b[31mOp", ["x"], "y").Output("y").Save(dir);
        var e = Assert.ThrowsAny<ModelFormatException>(() => OnnxImporter.Load<float>(path));
        Assert.DoesNotContain(e.Message, c => char.IsControl(c));
        Assert.Contains("Bogus\\n\\x1b[31mOp", e.Message);
    }
}
