using Noether.Nn;
using Noether.Nn.Operations;

namespace Noether.Symmetry.Derivation;

public static partial class SymmetryDeriver
{
    private sealed partial class State
    {
        /// <summary>
        /// An opaque node (an imported op the IR keeps without understanding it) may compute anything from its inputs,
        /// so every space it reads or writes is fixed; a note names the node and its op. Returns false for other ops.
        /// </summary>
        private bool VisitOpaque(Node node)
        {
            if (node.Op is not OpaqueOp op) return false;
            Declare(node.Name, DefaultInfo(graph.ShapeOf(node.Name)));
            var reason = $"{node.Name} is the opaque {op.QualifiedType}";
            // The further outputs of a multi-output node share the first one's note.
            if (!op.Secondary)
            {
                var message = $"node '{node.Name}' is the opaque ONNX op {op.QualifiedType}, whose function is unknown; the spaces it touches are restricted to the identity";
                if (options.Strict) throw new UnsupportedGraphException($"Symmetry derivation: {message}");
                _notes.Add(message);
            }
            foreach (var v in node.Inputs.Append(node.Name)) Constrain(v, null, reason);
            return true;
        }
    }
}
