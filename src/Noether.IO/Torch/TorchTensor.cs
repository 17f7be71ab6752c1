using System.Numerics;
using Noether.IO.Internal;
using Noether.Tensors;

namespace Noether.IO;

/// <summary>
/// One tensor of a PyTorch state dict, copied out of its storage into C order (views are resolved: strides and the
/// storage offset are applied). Integer and boolean tensors keep their values until converted.
/// </summary>
public sealed class TorchTensor
{
    private readonly byte[] _bytes;
    private readonly bool _bigEndian;

    internal TorchTensor(string name, string dtype, ElementKind kind, int[] shape, byte[] bytes, bool bigEndian)
    {
        Name = name;
        DType = dtype;
        Kind = kind;
        Shape = shape;
        _bytes = bytes;
        _bigEndian = bigEndian;
    }

    /// <summary>The flattened, dotted name (<c>state_dict.fc.weight</c> for a nested checkpoint).</summary>
    public string Name { get; }

    /// <summary>PyTorch's name of the element type: <c>float32</c>, <c>float16</c>, <c>bfloat16</c>, <c>int64</c>, <c>bool</c>, …</summary>
    public string DType { get; }

    internal ElementKind Kind { get; }

    /// <summary>The shape (do not modify).</summary>
    public int[] Shape { get; }

    /// <summary>True for float16, bfloat16, float32 and float64.</summary>
    public bool IsFloatingPoint => Kind is ElementKind.F16 or ElementKind.BF16 or ElementKind.F32 or ElementKind.F64;

    /// <summary>The values as a floating-point tensor (int64 beyond 2⁵³ rounds; bool becomes 0 or 1).</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[_bytes.Length / Kind.Size()];
        ElementConverter.Decode(Kind, _bigEndian, _bytes, values);
        return new Tensor<T>(values, Shape);
    }

    /// <summary>"fc.weight float32 [5, 48]".</summary>
    public override string ToString() => $"{Name} {DType} {Shapes.Format(Shape)}";
}
