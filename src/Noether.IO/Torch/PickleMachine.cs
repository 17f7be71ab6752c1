using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Noether.IO.Torch;

/// <summary>
/// A pickle virtual machine for protocols 2 to 5 that only builds data: lists, tuples, dicts, sets, strings, bytes,
/// numbers, None and booleans. Globals, calls, persistent ids and BUILD go to an <see cref="IPickleHost"/>, which
/// allows a few names and refuses everything else, so a file cannot make it run code. Opcodes of the text protocols
/// that name classes (INST, OBJ), extension registries and out-of-band buffers are refused. Memory stays linear in
/// the stream: every opcode consumes input bytes and no value is copied by DUP or GET.
/// </summary>
internal sealed class PickleMachine(byte[] data, IPickleHost host)
{
    private static readonly object s_mark = new();
    private List<object?> _stack = new();
    private readonly List<List<object?>> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _pos;

    /// <summary>Largest integer literal accepted (bytes); longer ones cannot occur in a state dict.</summary>
    private const int MaxLongBytes = 1024;

    /// <summary>Runs the stream to STOP and returns the top of the stack.</summary>
    public object? Run()
    {
        while (true)
        {
            int at = _pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: // PROTO
                    int proto = U8();
                    if (proto > 5) throw Fail(at, $"pickle protocol {proto} is newer than 5");
                    break;
                case 0x95: Take(8); break; // FRAME: framing is only a hint for buffered readers
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Fail(at, "STOP with an unbalanced stack");
                    return _stack[0];
                case (byte)'(': _marks.Add(_stack); _stack = new(); break; // MARK
                case (byte)'0': Pop(at); break; // POP
                case (byte)'1': PopMark(at); break; // POP_MARK
                case (byte)'2': Push(Peek(at)); break; // DUP
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': Push((long)U8()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case (byte)'I': Push(TextInt(at)); break; // INT (also 00/01 for False/True)
                case (byte)'L': Push(TextLong(at)); break; // LONG
                case 0x8a: Push(Long(Take(U8()))); break; // LONG1
                case 0x8b: Push(Long(Take(Length(4, at, MaxLongBytes)))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'F': Push(double.TryParse(Line(), NumberStyles.Float, CultureInfo.InvariantCulture, out var real) ? real : throw Fail(at, "bad float literal")); break; // FLOAT
                case (byte)'X': Push(Utf8(Take(Length(4, at)), at)); break; // BINUNICODE
                case 0x8c: Push(Utf8(Take(U8()), at)); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Take(Length(8, at)), at)); break; // BINUNICODE8
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(Length(4, at)))); break; // BINSTRING
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(U8()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(Take(Length(4, at)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(Take(U8()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(Take(Length(8, at)).ToArray()); break; // BINBYTES8
                case 0x96: Push(Take(Length(8, at)).ToArray()); break; // BYTEARRAY8
                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'l': Push(PopMark(at)); break; // LIST
                case (byte)'a': { var v = Pop(at); List(at).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(at); List(at).AddRange(items); break; } // APPENDS
                case (byte)')': Push(new PyTuple([])); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PyTuple(PopMark(at).ToArray())); break; // TUPLE
                case 0x85: Push(new PyTuple([Pop(at)])); break; // TUPLE1
                case 0x86: { var b = Pop(at); var a = Pop(at); Push(new PyTuple([a, b])); break; } // TUPLE2
                case 0x87: { var c = Pop(at); var b = Pop(at); var a = Pop(at); Push(new PyTuple([a, b, c])); break; } // TUPLE3
                case (byte)'}': Push(new PyDict()); break; // EMPTY_DICT
                case (byte)'d': { var d = new PyDict(); SetItems(d, PopMark(at), at); Push(d); break; } // DICT
                case (byte)'s': { var v = Pop(at); var k = Pop(at); SetItems(Dict(at), [k, v], at); break; } // SETITEM
                case (byte)'u': { var items = PopMark(at); SetItems(Dict(at), items, at); break; } // SETITEMS
                case 0x8f: Push(new List<object?>()); break; // EMPTY_SET (kept as a list: only data)
                case 0x90: { var items = PopMark(at); List(at).AddRange(items); break; } // ADDITEMS
                case 0x91: Push(PopMark(at)); break; // FROZENSET
                case (byte)'c': { string module = Line(), name = Line(); Push(host.FindGlobal(module, name)); break; } // GLOBAL
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop(at) as string; var module = Pop(at) as string;
                    if (module is null || name is null) throw Fail(at, "STACK_GLOBAL needs two strings");
                    Push(host.FindGlobal(module, name));
                    break;
                }
                case (byte)'R': { var args = Pop(at) as PyTuple ?? throw Fail(at, "REDUCE arguments are not a tuple"); var f = Pop(at); Push(host.Call(f, args.Items)); break; }
                case 0x81: { var args = Pop(at) as PyTuple ?? throw Fail(at, "NEWOBJ arguments are not a tuple"); var cls = Pop(at); Push(host.Call(cls, args.Items)); break; }
                case 0x92: // NEWOBJ_EX
                {
                    var kwargs = Pop(at) as PyDict; var args = Pop(at) as PyTuple; var cls = Pop(at);
                    if (args is null || kwargs is null) throw Fail(at, "NEWOBJ_EX needs a tuple and a dict");
                    if (kwargs.Items.Count > 0) throw Fail(at, "NEWOBJ_EX with keyword arguments is not allowed");
                    Push(host.Call(cls, args.Items));
                    break;
                }
                case (byte)'b': { var state = Pop(at); host.Build(Peek(at), state); break; } // BUILD
                case (byte)'Q': Push(host.PersistentLoad(Pop(at))); break; // BINPERSID
                case (byte)'p': _memo[TextInt(at) is long pk ? pk : throw Fail(at, "bad PUT index")] = Peek(at); break; // PUT
                case (byte)'q': _memo[U8()] = Peek(at); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(at); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(at); break; // MEMOIZE
                case (byte)'g': Push(Get(TextInt(at) is long gk ? gk : -1, at)); break; // GET
                case (byte)'h': Push(Get(U8(), at)); break; // BINGET
                case (byte)'j': Push(Get(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)), at)); break; // LONG_BINGET
                case (byte)'i': // INST: a class named inline, then instantiated
                {
                    string module = Line(), name = Line();
                    host.FindGlobal(module, name); // refuses any class not on the list
                    throw Fail(at, $"INST of '{module}.{name}' is not allowed");
                }
                default:
                    throw Fail(at, $"pickle opcode 0x{op:x2}{(op is >= 0x20 and < 0x7f ? $" ('{(char)op}')" : "")} is not allowed in a state dict");
            }
        }
    }

    private void Push(object? v) => _stack.Add(v);

    private object? Pop(int at)
    {
        if (_stack.Count == 0) throw Fail(at, "stack underflow");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek(int at) => _stack.Count == 0 ? throw Fail(at, "stack underflow") : _stack[^1];

    private List<object?> PopMark(int at)
    {
        if (_marks.Count == 0) throw Fail(at, "no MARK to pop to");
        var items = _stack;
        _stack = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        return items;
    }

    private List<object?> List(int at) => Peek(at) as List<object?> ?? throw Fail(at, $"APPEND to {Describe(Peek(at))}, not a list");

    private PyDict Dict(int at) => Peek(at) as PyDict ?? throw Fail(at, $"SETITEM on {Describe(Peek(at))}, not a dict");

    private void SetItems(PyDict d, List<object?> items, int at)
    {
        if (items.Count % 2 != 0) throw Fail(at, "a dict needs key-value pairs");
        for (int i = 0; i < items.Count; i += 2)
        {
            var key = items[i];
            if (key is List<object?> or PyDict) throw Fail(at, $"unhashable dict key {Describe(key)}");
            d.Items[key ?? DBNull.Value] = items[i + 1];
        }
    }

    private object? Get(long index, int at) => _memo.TryGetValue(index, out var v) ? v : throw Fail(at, $"memo index {index} was never stored");

    private byte U8() => _pos < data.Length ? data[_pos++] : throw Fail(_pos, "the pickle ends without STOP");

    private ReadOnlySpan<byte> Take(long n)
    {
        if (n < 0 || n > data.Length - _pos) throw Fail(_pos, $"a {n}-byte item runs past the end of the pickle ({data.Length - _pos} bytes left)");
        var s = data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private long Length(int width, int at, long max = long.MaxValue)
    {
        long n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Take(4)) : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)), long.MaxValue);
        if (n > max) throw Fail(at, $"a {n}-byte integer is not plausible in a state dict");
        return n;
    }

    private string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', _pos);
        if (end < 0 || end - _pos > 4096) throw Fail(_pos, "a text argument has no end of line");
        var s = Encoding.UTF8.GetString(data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object TextInt(int at)
    {
        var s = Line();
        if (s == "00") return false;
        if (s == "01") return true;
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw Fail(at, $"bad integer literal '{Printable(s)}'");
    }

    private object TextLong(int at)
    {
        var s = Line().TrimEnd('L');
        return BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? Narrow(v) : throw Fail(at, $"bad integer literal '{Printable(s)}'");
    }

    private static object Long(ReadOnlySpan<byte> bytes) => Narrow(new BigInteger(bytes, isUnsigned: false, isBigEndian: false));

    private static object Narrow(BigInteger v) => v >= long.MinValue && v <= long.MaxValue ? (long)v : v;

    private string Utf8(ReadOnlySpan<byte> bytes, int at)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Fail(at, "a string is not valid UTF-8"); }
    }

    /// <summary>A short description of a value for error messages.</summary>
    internal static string Describe(object? v) => v switch
    {
        null => "None",
        PyGlobal g => $"'{g.FullName}'",
        string s => $"the string '{Printable(s.Length > 40 ? s[..40] + "…" : s)}'",
        PyTuple => "a tuple",
        PyDict => "a dict",
        List<object?> => "a list",
        TorchTensorView => "a tensor",
        TorchStorageRef => "a storage",
        _ => $"a {v.GetType().Name}",
    };

    /// <summary>Control characters escaped, so a name from a file cannot drive the terminal.</summary>
    internal static string Printable(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var c in s) sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString());
        return sb.ToString();
    }

    private static PickleException Fail(int at, string message) => new($"{message} (pickle byte {at})");
}
