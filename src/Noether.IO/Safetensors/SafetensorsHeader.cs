using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;
using static Noether.IO.SafetensorsErrorKind;

namespace Noether.IO;

/// <summary>
/// The parsed and validated header of a safetensors file: every entry checked on its own (types, dtype, shape,
/// checked sizes, offsets inside the buffer), then all together (no overlaps, no gaps, buffer fully covered).
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted (the reference implementation's cap).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private SafetensorsHeader(long headerLength, SafetensorsEntry[] entries, OrderedDictionary<string, string>? metadata)
    {
        HeaderLength = headerLength;
        Entries = entries;
        ByName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>N, the length of the JSON header in bytes.</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the data buffer (8 + N).</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>Entries in data-offset order.</summary>
    public SafetensorsEntry[] Entries { get; }

    /// <summary>Entries by name.</summary>
    public Dictionary<string, SafetensorsEntry> ByName { get; }

    /// <summary>The "__metadata__" map in file order, or null when the header has none.</summary>
    public OrderedDictionary<string, string>? Metadata { get; }

    /// <summary>Reads and checks the 8-byte length prefix against the cap and the file length.</summary>
    public static long ReadHeaderLength(string path, ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (fileLength < 8)
            throw new SafetensorsFormatException(FileTooSmall, path, null, $"file has {fileLength} bytes, fewer than the 8-byte header length prefix");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength)
            throw new SafetensorsFormatException(HeaderTooLarge, path, null, $"header length prefix is {n} bytes, above the {MaxHeaderLength}-byte cap");
        if (8 + (long)n > fileLength)
            throw new SafetensorsFormatException(TruncatedHeader, path, null, $"header length prefix promises {n} header bytes but the file has only {fileLength - 8} after the prefix");
        return (long)n;
    }

    private static readonly object s_lastLock = new();
    private static (byte[] Bytes, long BufferLength, SafetensorsHeader Header)? s_last;

    /// <summary>
    /// Parses and validates the header JSON; <paramref name="bufferLength"/> is the size of the data buffer. The
    /// result is a pure function of the header's bytes and the buffer's length, so the last valid header parsed is
    /// kept and reused when the same bytes come again (a verb reads a file's dtypes, then loads it: a header of
    /// 200,000 tensors is parsed once).
    /// </summary>
    public static SafetensorsHeader Parse(string path, byte[] header, long bufferLength)
    {
        lock (s_lastLock)
            if (s_last is { } last && last.BufferLength == bufferLength && last.Bytes.AsSpan().SequenceEqual(header)) return last.Header;
        var parsed = ParseUncached(path, header, bufferLength);
        lock (s_lastLock) s_last = (header, bufferLength, parsed);
        return parsed;
    }

    private static SafetensorsHeader ParseUncached(string path, byte[] header, long bufferLength)
    {
        if (!Utf8.IsValid(header))
            throw new SafetensorsFormatException(InvalidUtf8, path, null, $"the {header.Length}-byte header is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e) { throw new SafetensorsFormatException(InvalidJson, path, null, $"the header is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            try { return Build(path, doc.RootElement, header.LongLength, bufferLength); }
            catch (InvalidOperationException e)
            {
                // System.Text.Json refuses strings whose escapes decode to invalid UTF-16 (lone surrogates).
                throw new SafetensorsFormatException(InvalidJson, path, null, $"the header holds a string that is not valid Unicode: {e.Message}", e);
            }
        }
    }

    private static SafetensorsHeader Build(string path, JsonElement root, long headerLength, long bufferLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(WrongJsonType, path, null, $"the header must be a JSON object, found {root.ValueKind}");
        var entries = new List<SafetensorsEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        OrderedDictionary<string, string>? metadata = null;
        var cancel = FileCancellation.Current;
        foreach (var property in root.EnumerateObject())
        {
            if ((entries.Count & 1023) == 0) cancel.ThrowIfCancellationRequested();
            string name = property.Name;
            if (!names.Add(name))
                throw new SafetensorsFormatException(DuplicateName, path, name, "the name appears more than once in the header");
            if (name == "__metadata__") metadata = ParseMetadata(path, property.Value);
            else entries.Add(ParseEntry(path, name, property.Value, bufferLength));
        }
        // Stable order by (begin, end): file order breaks ties, as OrderBy did, without its allocations.
        var keys = new (long Begin, long End, int Index)[entries.Count];
        for (int i = 0; i < keys.Length; i++) keys[i] = (entries[i].DataBegin, entries[i].DataEnd, i);
        Array.Sort(keys);
        var ordered = new SafetensorsEntry[keys.Length];
        for (int i = 0; i < keys.Length; i++) ordered[i] = entries[keys[i].Index];
        CheckLayout(path, ordered, bufferLength);
        return new SafetensorsHeader(headerLength, ordered, metadata);
    }

    private static OrderedDictionary<string, string>? ParseMetadata(string path, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(WrongJsonType, path, null, $"\"__metadata__\" must be an object of strings, found {value.ValueKind}");
        var map = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(WrongJsonType, path, null, $"\"__metadata__\" value for key '{p.Name}' must be a string, found {p.Value.ValueKind}");
            if (!map.TryAdd(p.Name, p.Value.GetString()!))
                throw new SafetensorsFormatException(DuplicateKey, path, null, $"\"__metadata__\" has the key '{p.Name}' more than once");
        }
        return map;
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement value, long bufferLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"entry must be an object with dtype, shape and data_offsets, found {value.ValueKind}");
        JsonElement? dtypeJson = null, shapeJson = null, offsetsJson = null;
        foreach (var p in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeJson;
            if (p.Name == "dtype") slot = ref dtypeJson;
            else if (p.Name == "shape") slot = ref shapeJson;
            else if (p.Name == "data_offsets") slot = ref offsetsJson;
            else continue; // unknown fields are ignored, as by the reference reader
            if (slot is not null) throw new SafetensorsFormatException(DuplicateKey, path, name, $"field \"{p.Name}\" appears more than once");
            slot = p.Value;
        }
        if (dtypeJson is not { } d) throw new SafetensorsFormatException(MissingField, path, name, "entry has no \"dtype\"");
        if (shapeJson is not { } s) throw new SafetensorsFormatException(MissingField, path, name, "entry has no \"shape\"");
        if (offsetsJson is not { } o) throw new SafetensorsFormatException(MissingField, path, name, "entry has no \"data_offsets\"");

        if (d.ValueKind != JsonValueKind.String)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"\"dtype\" must be a string, found {d.ValueKind}");
        var dtypeName = d.GetString()!;
        if (!SafetensorsDtypes.TryParse(dtypeName, out var dtype))
            throw new SafetensorsFormatException(UnknownDtype, path, name, $"unknown dtype \"{dtypeName}\"");

        var shape = ParseShape(path, name, s);
        if (o.ValueKind != JsonValueKind.Array || o.GetArrayLength() != 2)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"\"data_offsets\" must be an array of two integers, found {o.GetRawText()}");
        long begin = ParseOffset(path, name, o[0]), end = ParseOffset(path, name, o[1]);
        string Where() => $"(dtype {dtypeName}, shape {Format(shape)}, data_offsets [{begin}, {end}])";
        if (begin > end)
            throw new SafetensorsFormatException(InvalidOffsets, path, name, $"begins after it ends {Where()}");

        ulong elements = 1, bytes;
        try
        {
            foreach (var dim in shape) elements = checked(elements * (ulong)dim);
            bytes = checked(elements * (ulong)dtype.Size());
        }
        catch (OverflowException e)
        {
            throw new SafetensorsFormatException(ArithmeticOverflow, path, name, $"element count × {dtype.Size()} bytes overflows 64 bits {Where()}", e);
        }
        if (bytes != (ulong)(end - begin))
            throw new SafetensorsFormatException(SizeMismatch, path, name, $"shape needs {elements} × {dtype.Size()} = {bytes} bytes but the offsets span {end - begin} {Where()}");
        if (end > bufferLength)
            throw new SafetensorsFormatException(OffsetsOutOfRange, path, name, $"ends at byte {end} of a {bufferLength}-byte data buffer {Where()}");
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static int[] ParseShape(string path, string name, JsonElement s)
    {
        if (s.ValueKind != JsonValueKind.Array)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"\"shape\" must be an array of integers, found {s.ValueKind}");
        var shape = new int[s.GetArrayLength()];
        int i = 0;
        foreach (var item in s.EnumerateArray())
        {
            ulong dim = ParseUInt(path, name, "shape", item, NegativeDimension);
            if (dim > int.MaxValue)
                throw new SafetensorsFormatException(DimensionTooLarge, path, name, $"dimension {i} of shape {s.GetRawText()} is {dim}, above {int.MaxValue}");
            shape[i++] = (int)dim;
        }
        return shape;
    }

    private static long ParseOffset(string path, string name, JsonElement item)
    {
        ulong v = ParseUInt(path, name, "data_offsets", item, InvalidOffsets);
        if (v > long.MaxValue)
            throw new SafetensorsFormatException(OffsetsOutOfRange, path, name, $"offset {v} is beyond any file");
        return (long)v;
    }

    /// <summary>A non-negative JSON integer; the kind for negative values is the caller's.</summary>
    private static ulong ParseUInt(string path, string name, string field, JsonElement item, SafetensorsErrorKind negativeKind)
    {
        if (item.ValueKind != JsonValueKind.Number)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"\"{field}\" must hold integers, found {item.ValueKind} {item.GetRawText()}");
        if (item.TryGetUInt64(out ulong v)) return v;
        string raw = item.GetRawText();
        if (raw.AsSpan().IndexOfAny(".eE") >= 0)
            throw new SafetensorsFormatException(WrongJsonType, path, name, $"\"{field}\" must hold integers, found {raw}");
        if (raw.StartsWith('-'))
            throw new SafetensorsFormatException(negativeKind, path, name, $"\"{field}\" holds the negative value {raw}");
        throw new SafetensorsFormatException(ArithmeticOverflow, path, name, $"\"{field}\" holds {raw}, which overflows 64 bits");
    }

    private static void CheckLayout(string path, SafetensorsEntry[] ordered, long bufferLength)
    {
        long cursor = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in ordered)
        {
            if (e.DataBegin < cursor)
                throw new SafetensorsFormatException(OverlappingOffsets, path, e.Name, $"bytes [{e.DataBegin}, {e.DataEnd}) (shape {Format(e.ShapeArray())}) overlap '{previous!.Name}' at [{previous.DataBegin}, {previous.DataEnd}) (shape {Format(previous.ShapeArray())})");
            if (e.DataBegin > cursor)
                throw new SafetensorsFormatException(Gap, path, e.Name, $"bytes [{cursor}, {e.DataBegin}) before this tensor's [{e.DataBegin}, {e.DataEnd}) belong to no tensor");
            cursor = e.DataEnd;
            previous = e;
        }
        if (cursor != bufferLength)
            throw new SafetensorsFormatException(TrailingBytes, path, previous?.Name, $"the data buffer has {bufferLength} bytes but the tensors cover only [0, {cursor})");
    }

    internal static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
