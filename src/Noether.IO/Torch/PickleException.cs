namespace Noether.IO.Torch;

/// <summary>A pickle stream is malformed or asks for something the machine refuses; the caller adds the file name.</summary>
internal sealed class PickleException(string message) : Exception(message);
