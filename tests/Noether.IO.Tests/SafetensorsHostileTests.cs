using static Noether.IO.SafetensorsErrorKind;

namespace Noether.IO.Tests;

/// <summary>Every malformed-file check has its own error kind and a message naming file, tensor, shapes and offsets.</summary>
public class SafetensorsHostileTests
{
    private const string F32x2 = "\"dtype\":\"F32\",\"shape\":[2]";

    private static SafetensorsFormatException Fails(SafetensorsErrorKind kind, byte[] image, params string[] mentions)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.safetensors", image);
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(kind, e.Kind);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    private static byte[] Json(string header, int dataBytes) => Bytes.Safetensors(header, new byte[dataBytes]);

    [Fact]
    public void FileShorterThanThePrefix()
    {
        Fails(FileTooSmall, [], "0 bytes");
        Fails(FileTooSmall, [1, 2, 3, 4, 5], "5 bytes");
    }

    [Fact]
    public void HeaderLengthAboveTheCap()
    {
        Fails(HeaderTooLarge, Bytes.Safetensors([], 100_000_001, []), "100000001");
        Fails(HeaderTooLarge, Bytes.Safetensors([], ulong.MaxValue, []), ulong.MaxValue.ToString());
    }

    [Fact]
    public void FileEndsInsideTheHeader() => Fails(TruncatedHeader, Bytes.Safetensors(new byte[10], 64, []), "64", "10");

    [Fact]
    public void HeaderNotUtf8() => Fails(InvalidUtf8, Bytes.Safetensors([(byte)'{', 0xFF, (byte)'}'], 3, []), "UTF-8");

    [Fact]
    public void HeaderNotJson()
    {
        Fails(InvalidJson, Json("{\"a\":", 0), "JSON");
        Fails(InvalidJson, Json(new string('[', 200) + new string(']', 200), 0));
        Fails(InvalidJson, Json("{\"\\ud800\":{}}", 0), "Unicode");
        Fails(InvalidJson, Json("{} {}", 0));
    }

    [Fact]
    public void WrongJsonTypes()
    {
        Fails(WrongJsonType, Json("[]", 0), "object");
        Fails(WrongJsonType, Json("{\"w\":[1]}", 0), "'w'");
        Fails(WrongJsonType, Json("{\"w\":{\"dtype\":3,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'w'", "dtype");
        Fails(WrongJsonType, Json("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8), "'w'", "shape");
        Fails(WrongJsonType, Json("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", 8), "'w'", "1.5");
        Fails(WrongJsonType, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[0,4,8]}}", 8), "'w'", "[0,4,8]");
        Fails(WrongJsonType, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[0,\"8\"]}}", 8), "'w'", "data_offsets");
        Fails(WrongJsonType, Json("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__", "'k'");
        Fails(WrongJsonType, Json("{\"__metadata__\":[]}", 0), "__metadata__");
    }

    [Fact]
    public void MissingFields()
    {
        Fails(MissingField, Json("{\"w\":{" + F32x2 + "}}", 8), "'w'", "data_offsets");
        Fails(MissingField, Json("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "dtype");
    }

    [Fact]
    public void DuplicateTensorNames()
    {
        var e = Fails(DuplicateName, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"w\":{" + F32x2 + ",\"data_offsets\":[8,16]}}", 16), "'w'");
        Assert.Equal("w", e.TensorName);
        Fails(DuplicateName, Json("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "__metadata__");
    }

    [Fact]
    public void DuplicateKeysInsideAnEntryOrTheMetadata()
    {
        Fails(DuplicateKey, Json("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "'w'", "dtype");
        Fails(DuplicateKey, Json("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0), "'k'");
    }

    [Fact]
    public void UnknownDtype() => Fails(SafetensorsErrorKind.UnknownDtype, Json("{\"w\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,32]}}", 32), "'w'", "F128");

    [Fact]
    public void NegativeDimension() => Fails(SafetensorsErrorKind.NegativeDimension, Json("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8), "'w'", "-1");

    [Fact]
    public void DimensionTooLarge() => Fails(SafetensorsErrorKind.DimensionTooLarge, Json("{\"w\":{\"dtype\":\"F32\",\"shape\":[0,4294967296],\"data_offsets\":[0,0]}}", 0), "'w'", "4294967296", "[0,4294967296]");

    [Fact]
    public void ArithmeticOverflowIsDetected()
    {
        // 2147483647^2 × 5 overflows 64 bits; the unchecked product would wrap to a small number.
        Fails(ArithmeticOverflow, Json("{\"w\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,5],\"data_offsets\":[0,8]}}", 8),
            "'w'", "[2147483647, 2147483647, 5]", "[0, 8]");
        // Shape fits but × 8 bytes does not: 2^61 elements.
        Fails(ArithmeticOverflow, Json("{\"w\":{\"dtype\":\"F64\",\"shape\":[1073741824,1073741824,2],\"data_offsets\":[0,8]}}", 8), "'w'", "8 bytes");
        Fails(ArithmeticOverflow, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[0,18446744073709551616]}}", 8), "'w'", "18446744073709551616");
    }

    [Fact]
    public void InvalidOffsets()
    {
        Fails(SafetensorsErrorKind.InvalidOffsets, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[8,0]}}", 8), "'w'", "[8, 0]", "[2]");
        Fails(SafetensorsErrorKind.InvalidOffsets, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[-8,0]}}", 8), "'w'", "-8");
    }

    [Fact]
    public void SizeMismatch() => Fails(SafetensorsErrorKind.SizeMismatch, Json("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20), "'w'", "[2, 3]", "24", "20");

    [Fact]
    public void OffsetsBeyondTheBuffer() => Fails(OffsetsOutOfRange, Json("{\"w\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 4), "'w'", "[0, 8]", "4-byte");

    [Fact]
    public void OverlappingTensors()
    {
        var e = Fails(OverlappingOffsets, Json("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + F32x2 + ",\"data_offsets\":[4,12]}}", 12), "'a'", "'b'", "[4, 12)", "[0, 8)");
        Assert.Equal("b", e.TensorName);
    }

    [Fact]
    public void GapBetweenTensors()
    {
        Fails(Gap, Json("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]},\"b\":{" + F32x2 + ",\"data_offsets\":[12,20]}}", 20), "'b'", "[8, 12)");
        Fails(Gap, Json("{\"a\":{" + F32x2 + ",\"data_offsets\":[4,12]}}", 12), "'a'", "[0, 4)");
    }

    [Fact]
    public void BytesAfterTheLastTensor() => Fails(TrailingBytes, Json("{\"a\":{" + F32x2 + ",\"data_offsets\":[0,8]}}", 9), "'a'", "9 bytes", "[0, 8)");

    [Fact]
    public void OneMinimalFileForEveryKind()
    {
        // A compact table with one case per kind; it must cover the whole enum, so a new kind needs a case.
        const string w = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],";
        var cases = new Dictionary<SafetensorsErrorKind, byte[]>
        {
            [FileTooSmall] = [0, 0, 0],
            [HeaderTooLarge] = Bytes.Safetensors([], 1UL << 40, []),
            [TruncatedHeader] = Bytes.Safetensors([], 8, []),
            [InvalidUtf8] = Bytes.Safetensors([0xC3], 1, []),
            [InvalidJson] = Json("{", 0),
            [WrongJsonType] = Json("3", 0),
            [MissingField] = Json("{\"w\":{}}", 0),
            [DuplicateName] = Json("{\"__metadata__\":null,\"__metadata__\":null}", 0),
            [DuplicateKey] = Json(w + "\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
            [SafetensorsErrorKind.UnknownDtype] = Json("{\"w\":{\"dtype\":\"Q\",\"shape\":[],\"data_offsets\":[0,0]}}", 0),
            [SafetensorsErrorKind.NegativeDimension] = Json("{\"w\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,0]}}", 0),
            [SafetensorsErrorKind.DimensionTooLarge] = Json("{\"w\":{\"dtype\":\"U8\",\"shape\":[2147483648],\"data_offsets\":[0,0]}}", 0),
            [ArithmeticOverflow] = Json("{\"w\":{\"dtype\":\"U64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,0]}}", 0),
            [SafetensorsErrorKind.InvalidOffsets] = Json(w + "\"data_offsets\":[8,0]}}", 8),
            [SafetensorsErrorKind.SizeMismatch] = Json(w + "\"data_offsets\":[0,7]}}", 7),
            [OffsetsOutOfRange] = Json(w + "\"data_offsets\":[0,8]}}", 0),
            [OverlappingOffsets] = Json("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2),
            [Gap] = Json(w + "\"data_offsets\":[1,9]}}", 9),
            [TrailingBytes] = Json("{}", 1),
        };
        Assert.Equal(Enum.GetValues<SafetensorsErrorKind>().Order(), cases.Keys.Order());
        foreach (var (kind, image) in cases) Fails(kind, image);
    }

    [Fact]
    public void ValidEdgeCasesAreAccepted()
    {
        using var dir = new TempDir();
        // Zero-size tensors may share an offset with their neighbours; unknown fields are ignored as by the reference reader.
        var path = dir.Write("ok.safetensors", Json("{\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},\"a\":{" + F32x2 + ",\"data_offsets\":[0,8],\"extra\":1},\"__metadata__\":null}", 8));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["z", "a"], file.Entries.Select(e => e.Name));
        Assert.Null(file.Metadata);
        Assert.Equal(0, file.Read<float>("z").Length);
    }
}

/// <summary>A header parsed once is reused only for the very same bytes and buffer length.</summary>
public class SafetensorsHeaderReuseTests
{
    [Fact]
    public void AHeaderSeenValidIsCheckedAgainWhenTheBufferShrinks()
    {
        using var dir = new TempDir();
        const string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var good = dir.Write("good.safetensors", Bytes.Safetensors(header, new byte[8]));
        using (var f = SafetensorsFile.Open(good)) Assert.Single(f.Entries);
        // Same header bytes, four bytes of data missing: the offsets no longer fit.
        var cut = dir.Write("cut.safetensors", Bytes.Safetensors(header, new byte[4]));
        var e = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(cut).Dispose());
        Assert.Equal(SafetensorsErrorKind.OffsetsOutOfRange, e.Kind);
        Assert.StartsWith(cut + ": ", e.Message);
        using (var again = SafetensorsFile.Open(good)) Assert.Equal("w", again.Entries[0].Name);
    }
}
