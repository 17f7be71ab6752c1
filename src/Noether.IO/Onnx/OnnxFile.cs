using Google.Protobuf;
using Noether.IO.Internal;
using Onnx;

namespace Noether.IO;

/// <summary>
/// Reads and writes ONNX protobuf files, treating input as hostile: the size is capped before parsing, nesting depth
/// is bounded, and every parse failure becomes an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal static class OnnxFile
{
    /// <summary>Largest model file read by default (protobuf itself cannot exceed 2 GiB).</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Largest protobuf message (2 GiB − 1): bigger models must keep tensors as external data.</summary>
    public const long MaxProtobufBytes = int.MaxValue;

    private const int RecursionLimit = 64;

    /// <summary>Parses an ONNX model file; tensors kept in external data files beside it are read in (see <see cref="OnnxExternalData"/>).</summary>
    public static ModelProto ReadModel(string path, long maxBytes = DefaultMaxBytes) => ReadModel(path, out _, maxBytes);

    /// <summary>Parses an ONNX model file and reads its external data; <paramref name="external"/> says which tensors were external.</summary>
    public static ModelProto ReadModel(string path, out IReadOnlySet<int> external, long maxBytes = DefaultMaxBytes)
    {
        var model = Read(path, maxBytes, ModelProto.Parser, "ONNX model");
        external = OnnxExternalData.Inline(model, path);
        return model;
    }

    /// <summary>Parses an ONNX model file without reading its external data (for names, types and shapes only).</summary>
    public static ModelProto ReadStructure(string path, long maxBytes = DefaultMaxBytes) => Read(path, maxBytes, ModelProto.Parser, "ONNX model");

    /// <summary>
    /// The model's structure for questions that need no weight values (types, shapes, names): large initializers come
    /// without their raw data when the file can be walked that way (<see cref="OnnxMappedModel"/>), so asking costs
    /// no copy of the weights; otherwise as <see cref="ReadStructure"/>.
    /// </summary>
    public static ModelProto ReadSkeleton(string path, long maxBytes = DefaultMaxBytes)
    {
        OnnxMappedModel? mapped = null;
        try { mapped = OnnxMappedModel.Open(path, maxBytes); }
        catch (InvalidDataException) { } // the full parse reports it
        using (mapped) return mapped?.Structure ?? ReadStructure(path, maxBytes);
    }

    /// <summary>Parses a serialized TensorProto (the <c>.pb</c> files of ONNX's test data).</summary>
    public static TensorProto ReadTensor(string path, long maxBytes = DefaultMaxBytes) => Read(path, maxBytes, TensorProto.Parser, "ONNX TensorProto");

    private static TMessage Read<TMessage>(string path, long maxBytes, MessageParser<TMessage> parser, string what) where TMessage : IMessage<TMessage>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} not found: {path}", path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes || length > int.MaxValue)
            throw new InvalidDataException($"{path}: {length} bytes exceeds the {Math.Min(maxBytes, int.MaxValue)}-byte limit for an {what}");
        if (length == 0) throw new InvalidDataException($"{path}: the file is empty, not an {what}");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        try
        {
            using var input = CodedInputStream.CreateWithLimits(stream, (int)Math.Min(maxBytes, int.MaxValue), RecursionLimit);
            return parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a valid {what} ({e.Message})", e);
        }
    }

    /// <summary>Writes a model atomically (temporary file, then rename).</summary>
    public static void WriteModel(string path, ModelProto model) => AtomicFile.Write(path, stream => model.WriteTo(stream));
}
