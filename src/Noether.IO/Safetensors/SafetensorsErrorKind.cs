namespace Noether.IO;

/// <summary>What exactly is wrong with a malformed safetensors file; every check has its own kind.</summary>
public enum SafetensorsErrorKind
{
    /// <summary>The file is shorter than the 8-byte header-length prefix.</summary>
    FileTooSmall,
    /// <summary>The header length prefix exceeds the 100 MB cap.</summary>
    HeaderTooLarge,
    /// <summary>The file ends before the 8 + N bytes the length prefix promises.</summary>
    TruncatedHeader,
    /// <summary>The header bytes are not valid UTF-8.</summary>
    InvalidUtf8,
    /// <summary>The header is valid UTF-8 but not valid JSON (or nests too deeply).</summary>
    InvalidJson,
    /// <summary>A JSON value has the wrong type: the header is not an object, a shape is not an array of integers, ...</summary>
    WrongJsonType,
    /// <summary>A tensor entry lacks "dtype", "shape" or "data_offsets".</summary>
    MissingField,
    /// <summary>Two tensors have the same name (or "__metadata__" appears twice).</summary>
    DuplicateName,
    /// <summary>A key appears twice inside one tensor entry or inside "__metadata__".</summary>
    DuplicateKey,
    /// <summary>A dtype string is not one this reader knows.</summary>
    UnknownDtype,
    /// <summary>A shape has a negative dimension.</summary>
    NegativeDimension,
    /// <summary>A dimension exceeds 2^31 - 1, which tensors cannot index.</summary>
    DimensionTooLarge,
    /// <summary>An integer in the header, the element count or the byte count overflows 64 bits.</summary>
    ArithmeticOverflow,
    /// <summary>Offsets are negative or begin after they end.</summary>
    InvalidOffsets,
    /// <summary>The byte range of a tensor does not equal element count × dtype size.</summary>
    SizeMismatch,
    /// <summary>A tensor's byte range ends beyond the data buffer.</summary>
    OffsetsOutOfRange,
    /// <summary>Two tensors' byte ranges overlap.</summary>
    OverlappingOffsets,
    /// <summary>Bytes between (or before) tensors belong to no tensor.</summary>
    Gap,
    /// <summary>The data buffer continues after the last tensor's bytes.</summary>
    TrailingBytes,
}
