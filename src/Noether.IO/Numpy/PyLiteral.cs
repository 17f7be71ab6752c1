using System.Globalization;
using System.Numerics;
using System.Text;

namespace Noether.IO;

/// <summary>
/// Parses the subset of Python literals that .npy headers use: dicts, tuples, lists, strings ('..' or ".."),
/// integers (with the Python 2 'L' suffix), floats, True, False and None. Nesting is capped. Values are returned as
/// <see cref="string"/>, <see cref="bool"/>, <see cref="BigInteger"/>, <see cref="double"/>, <see cref="PyNone"/>,
/// <see cref="PyTuple"/>, <see cref="PyList"/> or <see cref="PyDict"/>.
/// </summary>
internal sealed class PyLiteral
{
    private const int MaxDepth = 16;
    private const int MaxDigits = 64;
    private readonly string _text;
    private int _pos;

    private PyLiteral(string text) => _text = text;

    /// <summary>The Python None value.</summary>
    public sealed class PyNone { public static readonly PyNone Value = new(); }

    /// <summary>A tuple literal.</summary>
    public sealed class PyTuple(List<object> items) { public List<object> Items { get; } = items; }

    /// <summary>A list literal.</summary>
    public sealed class PyList(List<object> items) { public List<object> Items { get; } = items; }

    /// <summary>A dict literal, keys in source order (duplicates kept so callers can reject them).</summary>
    public sealed class PyDict(List<KeyValuePair<object, object>> items) { public List<KeyValuePair<object, object>> Items { get; } = items; }

    /// <summary>Parses one literal followed only by whitespace; throws <see cref="FormatException"/> describing the position.</summary>
    public static object Parse(string text)
    {
        var p = new PyLiteral(text);
        var value = p.Value(0);
        p.SkipSpace();
        if (p._pos != text.Length) throw p.Error("unexpected text after the literal");
        return value;
    }

    private object Value(int depth)
    {
        if (depth > MaxDepth) throw Error($"nesting deeper than {MaxDepth}");
        SkipSpace();
        if (_pos >= _text.Length) throw Error("unexpected end of header");
        char c = _text[_pos];
        switch (c)
        {
            case '{': return Dict(depth);
            case '(': return TupleOrGroup(depth);
            case '[': _pos++; return new PyList(Items(']', depth, out _));
            case '\'':
            case '"': return String();
        }
        if (c is '-' or '+' or >= '0' and <= '9') return Number();
        if (char.IsAsciiLetter(c) || c == '_')
        {
            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
            return _text[start.._pos] switch
            {
                "True" => true,
                "False" => false,
                "None" => PyNone.Value,
                var name => throw Error($"unknown name '{name}'", start),
            };
        }
        throw Error($"unexpected character '{c}'");
    }

    private PyDict Dict(int depth)
    {
        _pos++; // {
        var items = new List<KeyValuePair<object, object>>();
        while (true)
        {
            SkipSpace();
            if (Peek() == '}') { _pos++; return new PyDict(items); }
            var key = Value(depth + 1);
            SkipSpace();
            if (Peek() != ':') throw Error("expected ':' after a dictionary key");
            _pos++;
            items.Add(new(key, Value(depth + 1)));
            SkipSpace();
            if (Peek() == ',') { _pos++; continue; }
            if (Peek() == '}') { _pos++; return new PyDict(items); }
            throw Error("expected ',' or '}' in a dictionary");
        }
    }

    private object TupleOrGroup(int depth)
    {
        _pos++; // (
        var items = Items(')', depth, out bool sawComma);
        // "(x)" is just x in Python; "(x,)" and "()" are tuples.
        return items.Count == 1 && !sawComma ? items[0] : new PyTuple(items);
    }

    private List<object> Items(char close, int depth, out bool sawComma)
    {
        var items = new List<object>();
        sawComma = false;
        while (true)
        {
            SkipSpace();
            if (Peek() == close) { _pos++; return items; }
            items.Add(Value(depth + 1));
            SkipSpace();
            if (Peek() == ',') { _pos++; sawComma = true; continue; }
            if (Peek() == close) { _pos++; return items; }
            throw Error($"expected ',' or '{close}'");
        }
    }

    private string String()
    {
        char quote = _text[_pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length || _text[_pos] == '\n') throw Error("unterminated string");
            char c = _text[_pos++];
            if (c == quote) return sb.ToString();
            if (c != '\\') { sb.Append(c); continue; }
            if (_pos >= _text.Length) throw Error("unterminated string");
            char e = _text[_pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case '\\': case '\'': case '"': sb.Append(e); break;
                case 'x': sb.Append((char)Hex(2)); break;
                case 'u': sb.Append((char)Hex(4)); break;
                default: sb.Append('\\').Append(e); break; // Python keeps unknown escapes verbatim
            }
        }
    }

    private int Hex(int digits)
    {
        if (_pos + digits > _text.Length || !int.TryParse(_text.AsSpan(_pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
            throw Error("bad hexadecimal escape");
        _pos += digits;
        return v;
    }

    private object Number()
    {
        int start = _pos;
        if (_text[_pos] is '-' or '+') _pos++;
        int digitsStart = _pos;
        while (_pos < _text.Length && char.IsAsciiDigit(_text[_pos])) _pos++;
        if (_pos == digitsStart) throw Error("expected digits", start);
        if (_pos < _text.Length && _text[_pos] is '.' or 'e' or 'E')
        {
            while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E' or '-' or '+')) _pos++;
            if (!double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                throw Error("malformed number", start);
            return d;
        }
        if (_pos - digitsStart > MaxDigits) throw Error($"integer literal longer than {MaxDigits} digits", start);
        var value = BigInteger.Parse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++; // Python 2 long suffix
        return value;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipSpace()
    {
        while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\n' or '\r' or '\f' or '\v') _pos++;
    }

    private FormatException Error(string what, int? at = null)
    {
        int p = Math.Min(at ?? _pos, _text.Length);
        return new FormatException($"{what} at character {p} of {Quote(_text)}");
    }

    /// <summary>The header text for messages, shortened and with control characters escaped.</summary>
    internal static string Quote(string text)
    {
        var shown = text.Length > 200 ? text[..200] + "..." : text;
        var sb = new StringBuilder("\"");
        foreach (char c in shown) sb.Append(c < 0x20 || c == 0x7f ? $"\\x{(int)c:x2}" : c.ToString());
        return sb.Append('"').ToString();
    }
}
