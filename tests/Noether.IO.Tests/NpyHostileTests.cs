using System.Text;
using static Noether.IO.NpyErrorKind;

namespace Noether.IO.Tests;

/// <summary>Malformed .npy files: each check has its own kind and a message naming the file and the offending values.</summary>
public class NpyHostileTests
{
    private static readonly byte[] Eight = new byte[8];

    private static NpyFormatException Fails(NpyErrorKind kind, byte[] image, params string[] mentions)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.npy", image);
        var e = Assert.Throws<NpyFormatException>(() => Npy.Read<float>(path));
        Assert.Equal(kind, e.Kind);
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        return e;
    }

    private static byte[] Header(string dict, byte[]? data = null) => Bytes.Npy(dict, data ?? Eight);

    [Fact]
    public void NotAnNpyFile()
    {
        Fails(BadMagic, Encoding.ASCII.GetBytes("PK\x03\x04 this is a zip"), "magic");
        Fails(Truncated, [], "0 bytes");
    }

    [Fact]
    public void UnsupportedVersion()
    {
        var image = Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}");
        image[6] = 4;
        Fails(NpyErrorKind.UnsupportedVersion, image, "4.0");
    }

    [Fact]
    public void TruncatedAnywhere()
    {
        var full = Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n");
        Fails(Truncated, full[..7], "7 bytes");
        Fails(Truncated, full[..9], "header length");
        Fails(Truncated, full[..30], "header");
        Fails(Truncated, full[..^1], "(2,)", "8 data bytes");
    }

    [Fact]
    public void HeaderAboveTheCap()
    {
        var image = Bytes.Npy("{}", [], major: 2);
        BitConverter.GetBytes(0x7FFF_FFFFu).CopyTo(image, 8);
        Fails(HeaderTooLarge, image, "2147483647");
    }

    [Fact]
    public void Version3HeaderMustBeUtf8()
    {
        var image = Bytes.Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", Eight, major: 3, utf8: true);
        image[13] = 0xFF;
        Fails(InvalidHeaderEncoding, image, "UTF-8");
    }

    [Fact]
    public void HeaderSyntax()
    {
        Fails(InvalidHeaderSyntax, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), "), "end of header");
        Fails(InvalidHeaderSyntax, Header("{'descr': <f4, 'fortran_order': False, 'shape': (2,)}"), "'<'");
        Fails(InvalidHeaderSyntax, Header("{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}"), "'false'");
        Fails(InvalidHeaderSyntax, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x"), "after the literal");
        Fails(InvalidHeaderSyntax, Header(new string('(', 100) + new string(')', 100)), "nesting");
        Fails(InvalidHeaderSyntax, Header("{'descr': '<f4, 'fortran_order': False}"));
    }

    [Fact]
    public void NotADictionary() => Fails(NpyErrorKind.NotADictionary, Header("('<f4', False, (2,))"), "not a dictionary");

    [Fact]
    public void KeysMustBeExactlyTheThree()
    {
        Fails(MissingKey, Header("{'descr': '<f4', 'shape': (2,)}"), "'fortran_order'");
        Fails(UnexpectedKey, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"), "'extra'");
        Fails(UnexpectedKey, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 3: 1}"), "3");
        Fails(DuplicateKey, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}"), "'shape'");
    }

    [Fact]
    public void ValuesMustHaveTheRightTypes()
    {
        Fails(WrongValueType, Header("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}"), "'shape'", "[2]");
        Fails(WrongValueType, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2)}"), "'shape'", "2");
        Fails(WrongValueType, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}"), "'shape'", "(2.0,)");
        Fails(WrongValueType, Header("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}"), "'fortran_order'");
        Fails(WrongValueType, Header("{'descr': 4, 'fortran_order': False, 'shape': (2,)}"), "'descr'");
    }

    [Fact]
    public void UnsupportedDtypes()
    {
        Fails(UnsupportedDtype, Header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}"), "'<c8'");
        Fails(UnsupportedDtype, Header("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}"), "pickle");
        Fails(UnsupportedDtype, Header("{'descr': '<U3', 'fortran_order': False, 'shape': (1,)}"), "'<U3'");
        Fails(UnsupportedDtype, Header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), "structured");
    }

    [Fact]
    public void ShapeLimits()
    {
        Fails(NegativeDimension, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1)}"), "(2, -1)");
        Fails(DimensionTooLarge, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296)}"), "4294967296");
        Fails(TooManyElements, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536)}"), "(65536, 65536)");
    }

    [Fact]
    public void TrailingBytes() => Fails(TrailingData, Header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", Eight), "(1,)");

    [Fact]
    public void OneMinimalFileForEveryKind()
    {
        // One case per kind; the table must cover the whole enum (archive kinds are exercised on .npz files).
        static string D(string shape, string descr = "<f4") => $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}}}";
        var v3 = Bytes.Npy(D("(2,)"), Eight, major: 3, utf8: true);
        v3[12] = 0x80;
        var v9 = Header(D("(2,)"));
        v9[6] = 9;
        var cases = new Dictionary<NpyErrorKind, byte[]>
        {
            [BadMagic] = [1, 2, 3, 4, 5, 6, 7, 8, 9],
            [NpyErrorKind.UnsupportedVersion] = v9,
            [Truncated] = Header(D("(3,)")),
            [HeaderTooLarge] = Bytes.Npy(new string(' ', (1 << 20) + 1), [], major: 2),
            [InvalidHeaderEncoding] = v3,
            [InvalidHeaderSyntax] = Header("{"),
            [NpyErrorKind.NotADictionary] = Header("1"),
            [MissingKey] = Header("{}"),
            [UnexpectedKey] = Header("{'x': 1}"),
            [DuplicateKey] = Header("{'descr': '<f4', 'descr': '<f4'}"),
            [WrongValueType] = Header("{'descr': '<f4', 'fortran_order': None, 'shape': (2,)}"),
            [UnsupportedDtype] = Header(D("(2,)", "<c16")),
            [NegativeDimension] = Header(D("(-2,)")),
            [DimensionTooLarge] = Header(D("(2147483648, 0)")),
            [TooManyElements] = Header(D("(2147483647, 2)")),
            [TrailingData] = Header(D("(1,)")),
            [InvalidArchive] = [],
            [DuplicateEntry] = [],
            [UnexpectedEntry] = [],
        };
        Assert.Equal(Enum.GetValues<NpyErrorKind>().Order(), cases.Keys.Order());
        foreach (var (kind, image) in cases.Where(c => c.Value.Length > 0)) Fails(kind, image);
    }
}
