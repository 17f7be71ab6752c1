namespace Noether.Metanetworks.Graphs;

/// <summary>
/// Where the neurons of one graph value sit: the node of every channel along <see cref="Axis"/> (a per-sample axis).
/// After a Flatten of [C, H, W] the value is rank 1 and feature f belongs to channel (f / Inner) mod C at spatial
/// position (f / (Inner·C))·Inner + f mod Inner, shown as the row and column of a <see cref="PositionWidth"/>-wide grid.
/// </summary>
internal sealed record NeuronSet(int[] Nodes, int Axis, int Inner = 1, int Outer = 1, int PositionWidth = 1)
{
    public int Channels => Nodes.Length;

    /// <summary>Features along the channel axis: channels times flattened positions.</summary>
    public int Features => Channels * Inner * Outer;

    /// <summary>The node and (row, column) position of feature <paramref name="f"/> along the channel axis.</summary>
    public (int Node, int Row, int Column) Feature(int f)
    {
        int channel = f / Inner % Channels;
        int position = f / (Inner * Channels) * Inner + f % Inner;
        return (Nodes[channel], position / PositionWidth, position % PositionWidth);
    }

    /// <summary>The newest node of the set (sets created later hold larger ids).</summary>
    public int Newest => Nodes.Length == 0 ? -1 : Nodes.Max();
}
