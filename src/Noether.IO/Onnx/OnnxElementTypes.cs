using DataType = Onnx.TensorProto.Types.DataType;

namespace Noether.IO;

/// <summary>
/// ONNX element types by the names the graph IR uses for them (<c>float32</c>, <c>int64</c>, <c>bool</c>, …), as in
/// <see cref="Nn.InputSpec.ElementType"/> and <see cref="Nn.Operations.OpaqueOp.ElementType"/>.
/// </summary>
internal static class OnnxElementTypes
{
    private static readonly Dictionary<DataType, string> s_names = new()
    {
        [DataType.Float] = "float32", [DataType.Double] = "float64", [DataType.Float16] = "float16", [DataType.Bfloat16] = "bfloat16",
        [DataType.Int8] = "int8", [DataType.Int16] = "int16", [DataType.Int32] = "int32", [DataType.Int64] = "int64",
        [DataType.Uint8] = "uint8", [DataType.Uint16] = "uint16", [DataType.Uint32] = "uint32", [DataType.Uint64] = "uint64",
        [DataType.Bool] = "bool", [DataType.String] = "string", [DataType.Complex64] = "complex64", [DataType.Complex128] = "complex128",
    };

    private static readonly Dictionary<string, DataType> s_types = s_names.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>The IR name of an ONNX element type (unusual ones keep their ONNX enum name).</summary>
    public static string Name(DataType type) => s_names.TryGetValue(type, out var n) ? n : type.ToString().ToLowerInvariant();

    /// <summary>The ONNX element type of an IR name; throws naming the unknown name.</summary>
    public static DataType Parse(string name) => s_types.TryGetValue(name, out var t) ? t
        : Enum.TryParse<DataType>(name, ignoreCase: true, out var e) ? e
        : throw new FormatException($"'{name}' is not an ONNX element type");

    /// <summary>True for float16, bfloat16, float and double.</summary>
    public static bool IsFloat(DataType type) => type is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;

    /// <summary>True for the IR names of floating-point types.</summary>
    public static bool IsFloat(string name) => name is "float32" or "float64" or "float16" or "bfloat16";
}
