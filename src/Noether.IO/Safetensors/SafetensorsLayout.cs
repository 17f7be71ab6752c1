namespace Noether.IO;

/// <summary>How <see cref="SafetensorsWriter"/> orders tensors in the data buffer (and the header).</summary>
public enum SafetensorsLayout
{
    /// <summary>
    /// As the reference implementation: dtype alignment descending (the reverse of <see cref="SafetensorsDtype"/>'s
    /// declaration order), then name by UTF-8 bytes. Gives byte-identical output to the reference writer.
    /// </summary>
    Reference,
    /// <summary>In the order given (for example the data-offset order of <see cref="SafetensorsFile.Entries"/>).</summary>
    AsGiven,
}
