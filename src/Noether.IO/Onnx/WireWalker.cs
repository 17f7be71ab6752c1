namespace Noether.IO;

/// <summary>
/// Walks an ONNX ModelProto at the protobuf wire level (tags, varints, length-delimited fields), copying every
/// field verbatim except the raw data of the main graph's initializers, which it leaves out and locates instead.
/// Only ModelProto.graph (field 7), GraphProto.initializer (field 5) and TensorProto.raw_data (field 9) are looked
/// into; everything else is copied as bytes, so what the walk does not understand it does not change.
/// </summary>
internal static class WireWalker
{
    private const int ModelGraph = 7, GraphInitializer = 5, TensorRawData = 9;
    private const int Varint = 0, Fixed64 = 1, Delimited = 2, Fixed32 = 5;

    /// <summary>
    /// The model without the raw data of initializers holding at least <see cref="OnnxMappedModel.MinStoredBytes"/>;
    /// <paramref name="initializers"/> gets one entry per initializer in order: the left-out bytes' offset and length
    /// in <paramref name="file"/>, or (0, 0) where the tensor was copied whole.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed protobuf message.</exception>
    public static byte[] Strip(ReadOnlySpan<byte> file, List<(long Offset, int Length)> initializers)
    {
        var output = new MemoryStream();
        int pos = 0;
        while (pos < file.Length)
        {
            int start = pos;
            var (field, wire) = Tag(file, ref pos);
            if (field == ModelGraph && wire == Delimited)
            {
                int length = Length(file, ref pos);
                var graph = StripGraph(file.Slice(pos, length), pos, initializers);
                WriteDelimited(output, ModelGraph, graph);
                pos += length;
            }
            else
            {
                Skip(file, ref pos, wire);
                output.Write(file[start..pos]);
            }
        }
        return output.ToArray();
    }

    private static byte[] StripGraph(ReadOnlySpan<byte> graph, long origin, List<(long, int)> initializers)
    {
        var output = new MemoryStream();
        int pos = 0;
        while (pos < graph.Length)
        {
            int start = pos;
            var (field, wire) = Tag(graph, ref pos);
            if (field == GraphInitializer && wire == Delimited)
            {
                int length = Length(graph, ref pos);
                var tensor = graph.Slice(pos, length);
                if (RawData(tensor) is var (at, size) && size >= OnnxMappedModel.MinStoredBytes)
                {
                    var kept = new MemoryStream();
                    kept.Write(tensor[..at.Tag]);
                    kept.Write(tensor[(at.Data + size)..]);
                    WriteDelimited(output, GraphInitializer, kept.ToArray());
                    initializers.Add((origin + pos + at.Data, size));
                }
                else
                {
                    output.Write(graph[start..(pos + length)]);
                    initializers.Add((0, 0));
                }
                pos += length;
            }
            else
            {
                Skip(graph, ref pos, wire);
                output.Write(graph[start..pos]);
            }
        }
        return output.ToArray();
    }

    /// <summary>Where a tensor's only raw_data field starts (its tag, its bytes) and its length; null when it has none or several.</summary>
    private static ((int Tag, int Data), int Length)? RawData(ReadOnlySpan<byte> tensor)
    {
        ((int, int), int)? found = null;
        int pos = 0;
        while (pos < tensor.Length)
        {
            int start = pos;
            var (field, wire) = Tag(tensor, ref pos);
            if (field == TensorRawData && wire == Delimited)
            {
                if (found is not null) return null;
                int length = Length(tensor, ref pos);
                found = ((start, pos), length);
                pos += length;
            }
            else Skip(tensor, ref pos, wire);
        }
        return found;
    }

    private static void WriteDelimited(Stream output, int field, byte[] content)
    {
        WriteVarint(output, (ulong)(field << 3 | Delimited));
        WriteVarint(output, (ulong)content.Length);
        output.Write(content);
    }

    private static void WriteVarint(Stream output, ulong value)
    {
        while (value >= 0x80) { output.WriteByte((byte)(value | 0x80)); value >>= 7; }
        output.WriteByte((byte)value);
    }

    private static (int Field, int Wire) Tag(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong tag = ReadVarint(s, ref pos);
        int wire = (int)(tag & 7);
        ulong field = tag >> 3;
        if (field == 0 || field > int.MaxValue) throw new InvalidDataException($"field number {field} at byte {pos}");
        return ((int)field, wire);
    }

    private static int Length(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong length = ReadVarint(s, ref pos);
        if (length > (ulong)(s.Length - pos)) throw new InvalidDataException($"a field of {length} bytes at byte {pos} runs past the end");
        return (int)length;
    }

    private static void Skip(ReadOnlySpan<byte> s, ref int pos, int wire)
    {
        switch (wire)
        {
            case Varint: ReadVarint(s, ref pos); break;
            case Fixed64: Advance(s, ref pos, 8); break;
            case Fixed32: Advance(s, ref pos, 4); break;
            case Delimited: { int length = Length(s, ref pos); pos += length; break; }
            default: throw new InvalidDataException($"wire type {wire} at byte {pos} (groups are not used by ONNX)");
        }
    }

    private static void Advance(ReadOnlySpan<byte> s, ref int pos, int count)
    {
        if (s.Length - pos < count) throw new InvalidDataException($"a fixed-size field at byte {pos} runs past the end");
        pos += count;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> s, ref int pos)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (pos >= s.Length) throw new InvalidDataException($"a varint runs past the end at byte {pos}");
            byte b = s[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException($"a varint longer than 10 bytes at byte {pos}");
    }
}
