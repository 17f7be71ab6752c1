namespace Noether.IO;

/// <summary>Why an ONNX model could not be imported into the graph IR.</summary>
public enum OnnxImportError
{
    /// <summary>The file is structurally wrong (missing tensors, inconsistent shapes, undefined values).</summary>
    Malformed,
    /// <summary>
    /// A node the importer could not keep even as an opaque node: its output shape is stated nowhere and ONNX Runtime
    /// cannot run the model to find it (or, in the conformance suite's strict import, any node the IR cannot express).
    /// </summary>
    UnsupportedOp,
    /// <summary>
    /// A form the graph IR cannot express at the model's edge (a graph input with a symbolic feature size, a constant
    /// graph output). Inside the graph such forms become opaque nodes instead.
    /// </summary>
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
