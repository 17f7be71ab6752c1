namespace Noether.IO;

/// <summary>
/// How an ONNX file is imported. The graph IR computes with concrete per-sample shapes, so a graph input whose size on a
/// non-batch axis is symbolic (a <c>dim_param</c> such as <c>sequence</c>, or a size left unstated) is pinned to one
/// representative size at import: the size given in <see cref="Dims"/>, else <see cref="DefaultSize"/> (tried at
/// <see cref="DefaultSize"/>, then doubled up to 512 while the graph does not fit, e.g. a CNN that downsamples 32×).
/// The pinned symbols are recorded in <see cref="Nn.InputSpec.Symbols"/>; writing the model back to its ONNX file
/// (<see cref="OnnxWriteBack"/>) keeps the file's dynamic sizes, since only weights change and they do not depend on them.
/// An unnamed symbolic size is named <c>INPUT:AXIS</c> (e.g. <c>input:1</c>).
/// </summary>
public sealed record OnnxImportOptions
{
    /// <summary>The size used for a symbolic dimension not listed in <see cref="Dims"/>.</summary>
    public const int DefaultSize = 16;

    /// <summary>
    /// The sizes tried in turn for symbolic dimensions not listed in <see cref="Dims"/>, until the graph imports:
    /// <see cref="DefaultSize"/> doubled up to 512 (a CNN that downsamples 32×, an audio model's frame).
    /// </summary>
    internal static int[] DefaultSizes { get; } = [16, 32, 64, 128, 256, 512];

    /// <summary>Sizes of symbolic dimensions by name (<c>sequence</c> → 7); names the file does not use are an error.</summary>
    public IReadOnlyDictionary<string, int> Dims { get; init; } = new Dictionary<string, int>();

    /// <summary>The default <see cref="MaxTensorBytes"/>: 2 GiB.</summary>
    public const long DefaultMaxTensorBytes = 2L << 30;

    /// <summary>
    /// The largest tensor (in bytes, counted as float64, the importer's working precision) that the file may ask the
    /// importer to materialise — an initializer, a Constant, the output of ConstantOfShape, Pad, Expand, Tile or Range,
    /// or any value's per-sample shape. A larger one is refused with an error naming the node and the requested size,
    /// before anything is allocated, so a small hostile file cannot exhaust memory.
    /// </summary>
    public long MaxTensorBytes { get; init; } = DefaultMaxTensorBytes;

    /// <summary>
    /// Initializers to name as another (copy → original) when they become IR parameters: write-back gives each reader
    /// of a shared initializer its own copy, and the copies must import under the names the shared tensor had.
    /// </summary>
    internal IReadOnlyDictionary<string, string> InitializerAliases { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Rotary embeddings of fused attention nodes, by node name, used when the cos/sin tables cannot be read because
    /// write-back's probe copy holds marker values there (see <see cref="OnnxWriteBack"/>).
    /// </summary>
    internal IReadOnlyDictionary<string, Nn.Operations.RotaryEmbedding>? KnownRotary { get; init; }

    /// <summary>
    /// Values of top-level initializers whose data the parsed model does not hold (read from a memory-mapped file, or
    /// the markers of a provenance probe), by name; see <see cref="OnnxMappedModel"/>. Decoded when first read.
    /// </summary>
    internal IReadOnlyDictionary<string, OnnxTensor>? StoredInitializers { get; init; }

    /// <summary>
    /// Values for graph inputs without a batch axis (a sample rate, a flag), by input name. When the importer asks ONNX
    /// Runtime for the shapes of opaque nodes it feeds these instead of zeros, since a branch may depend on them
    /// (Silero VAD's If on the sample rate). Inputs with a batch axis are always fed ones or zeros.
    /// </summary>
    public IReadOnlyDictionary<string, TypedArray> ProbeValues { get; init; } = new Dictionary<string, TypedArray>();

    /// <summary>The default options: every symbolic non-batch size pinned to <see cref="DefaultSize"/>.</summary>
    public static OnnxImportOptions Default { get; } = new();

    /// <summary>Options pinning the given symbols.</summary>
    public static OnnxImportOptions WithDims(IReadOnlyDictionary<string, int>? dims) => dims is null || dims.Count == 0 ? Default : new() { Dims = dims };

    /// <summary>Options pinning the given symbols and probing with the given values (see <see cref="ProbeValues"/>).</summary>
    public static OnnxImportOptions With(IReadOnlyDictionary<string, int>? dims, IReadOnlyDictionary<string, TypedArray>? probeValues) =>
        probeValues is null || probeValues.Count == 0 ? WithDims(dims) : new() { Dims = dims ?? new Dictionary<string, int>(), ProbeValues = probeValues };
}
