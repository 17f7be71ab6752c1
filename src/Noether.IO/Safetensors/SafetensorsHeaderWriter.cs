using System.Globalization;
using System.Text;

namespace Noether.IO;

/// <summary>
/// Builds header JSON byte-for-byte as the reference writer (serde_json, compact) does: metadata first, then
/// tensors in layout order, each as {"dtype":..,"shape":[..],"data_offsets":[b,e]}, padded with spaces to a
/// multiple of 8 bytes. Strings escape only '"', '\' and control characters (\b \t \n \f \r, else \u00xx).
/// </summary>
internal static class SafetensorsHeaderWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The padded header bytes for tensors already in layout order.</summary>
    public static byte[] Build(IReadOnlyList<SafetensorsTensor> ordered, IReadOnlyList<KeyValuePair<string, string>>? metadata)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        if (metadata is not null)
        {
            sb.Append("\"__metadata__\":{");
            for (int i = 0; i < metadata.Count; i++)
            {
                if (i > 0) sb.Append(',');
                AppendString(sb, metadata[i].Key);
                sb.Append(':');
                AppendString(sb, metadata[i].Value);
            }
            sb.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var t in ordered)
        {
            if (!first) sb.Append(',');
            first = false;
            AppendString(sb, t.Name);
            sb.Append(":{\"dtype\":\"").Append(t.Dtype.ToHeaderName()).Append("\",\"shape\":[");
            sb.AppendJoin(',', t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
            sb.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset += t.ByteLength;
            sb.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        sb.Append('}');
        byte[] json;
        try { json = StrictUtf8.GetBytes(sb.ToString()); }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("A tensor name or metadata string is not valid Unicode (it has a lone surrogate)", e);
        }
        int padding = (8 - json.Length % 8) % 8;
        var header = new byte[json.Length + padding];
        json.CopyTo(header, 0);
        header.AsSpan(json.Length).Fill((byte)' ');
        return header;
    }

    private static void AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20) sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
