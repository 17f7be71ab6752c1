namespace Noether.IO.HuggingFace;

public static partial class HuggingFaceCheckpoint
{
    /// <summary>
    /// Opens a checkpoint folder for reading parameters one at a time (see <see cref="CheckpointTensors"/>): the graph
    /// is built from the config and every binding checked against the shards' headers, but no tensor is read yet.
    /// </summary>
    public static CheckpointTensors OpenTensors(string folder, int? sequence = null)
    {
        var ck = HfCheckpoint.Open(folder);
        try
        {
            var layout = Layout(ck, sequence);
            return new CheckpointTensors(ck, layout.Graph, Bindings(ck, layout));
        }
        catch
        {
            ck.Dispose();
            throw;
        }
    }
}
