namespace Noether.IO;

/// <summary>What exactly is wrong with a malformed .npy file or .npz archive; every check has its own kind.</summary>
public enum NpyErrorKind
{
    /// <summary>The file does not start with "\x93NUMPY".</summary>
    BadMagic,
    /// <summary>The format version is not 1.0, 2.0 or 3.0.</summary>
    UnsupportedVersion,
    /// <summary>The file ends inside the prefix, the header or the data.</summary>
    Truncated,
    /// <summary>The header length exceeds the 1 MiB cap.</summary>
    HeaderTooLarge,
    /// <summary>A version 3.0 header is not valid UTF-8.</summary>
    InvalidHeaderEncoding,
    /// <summary>The header is not a Python literal of the supported subset.</summary>
    InvalidHeaderSyntax,
    /// <summary>The header literal is not a dictionary.</summary>
    NotADictionary,
    /// <summary>One of 'descr', 'fortran_order', 'shape' is missing.</summary>
    MissingKey,
    /// <summary>The dictionary has a key other than 'descr', 'fortran_order', 'shape'.</summary>
    UnexpectedKey,
    /// <summary>A key appears twice.</summary>
    DuplicateKey,
    /// <summary>A value has the wrong type ('shape' not a tuple of ints, 'fortran_order' not a bool, ...).</summary>
    WrongValueType,
    /// <summary>The dtype is not one of the supported numeric types (structured, object, string, complex, ...).</summary>
    UnsupportedDtype,
    /// <summary>A shape has a negative dimension.</summary>
    NegativeDimension,
    /// <summary>A dimension exceeds 2^31 - 1.</summary>
    DimensionTooLarge,
    /// <summary>The element count exceeds what one tensor can hold.</summary>
    TooManyElements,
    /// <summary>Bytes follow the array data.</summary>
    TrailingData,
    /// <summary>An .npz archive is not a readable zip file (bad structure, compression, checksum).</summary>
    InvalidArchive,
    /// <summary>Two .npz members map to the same array name.</summary>
    DuplicateEntry,
    /// <summary>An .npz member is not a .npy file.</summary>
    UnexpectedEntry,
}
