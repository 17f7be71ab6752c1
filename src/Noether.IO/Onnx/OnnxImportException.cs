namespace Noether.IO;

/// <summary>Why an ONNX model could not be imported into the graph IR.</summary>
public enum OnnxImportError
{
    /// <summary>The file is structurally wrong (missing tensors, inconsistent shapes, undefined values).</summary>
    Malformed,
    /// <summary>The graph uses op types the importer does not know; the message lists all of them.</summary>
    UnsupportedOp,
    /// <summary>A known op with an attribute value or input form the graph IR cannot express.</summary>
    UnsupportedVariant,
    /// <summary>
    /// A node would mix samples: it operates on axis 0, which the graph IR reserves for the batch (e.g. a transpose
    /// that moves it, a reduction over it, a reshape that merges it into features).
    /// </summary>
    BatchAxis,
}

/// <summary>An ONNX model could not be imported. The message names the file and, when one is to blame, the node and its op.</summary>
public sealed class OnnxImportException : ModelFormatException
{
    /// <summary>Creates the exception; the message is complete.</summary>
    public OnnxImportException(OnnxImportError error, string path, string message, Exception? inner = null) : base(path, message, inner) => Error = error;

    /// <summary>The category of the failure.</summary>
    public OnnxImportError Error { get; }
}
