using System.Buffers.Binary;
using System.Text;

namespace Noether.IO.Tests;

/// <summary>Hand-built file images for tests.</summary>
internal static class Bytes
{
    /// <summary>A safetensors image: u64 length prefix of the header as given (no padding added), header, data.</summary>
    public static byte[] Safetensors(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        return Safetensors(h, (ulong)h.Length, data);
    }

    /// <summary>A safetensors image with an explicit (possibly lying) length prefix.</summary>
    public static byte[] Safetensors(byte[] header, ulong prefix, byte[] data)
    {
        var result = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, prefix);
        header.CopyTo(result, 8);
        data.CopyTo(result, 8 + header.Length);
        return result;
    }

    /// <summary>A .npy image: magic, version, length field of the right width, header text (latin-1 or UTF-8) and data.</summary>
    public static byte[] Npy(string header, byte[] data, int major = 1, bool utf8 = false)
    {
        var h = (utf8 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(header);
        int lengthSize = major == 1 ? 2 : 4;
        var result = new byte[8 + lengthSize + h.Length + data.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 }.CopyTo(result, 0);
        if (lengthSize == 2) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)h.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)h.Length);
        h.CopyTo(result, 8 + lengthSize);
        data.CopyTo(result, 8 + lengthSize + h.Length);
        return result;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] F32LE(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    public static byte[] F64LE(params double[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
}
