using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// A long short-term memory layer with ONNX's semantics (gates i, o, f, c; sigmoid, tanh, tanh): per-sample input
/// [T, I], output the hidden state of every step [T, D, H] (ONNX's Y in layout 1, D = number of directions). With
/// <see cref="FinalCellState"/> one more step holds the final cell state of each direction (ONNX's Y_c): [T + 1, D, H].
/// Optional peepholes (<c>peephole_{i,o,f}</c> [H]) and a stored initial state (<c>initial_h</c>, <c>initial_c</c>
/// [H], buffers); otherwise the state starts at zero. Parameter roles: see <see cref="Recurrence"/>.
/// </summary>
public sealed record LstmOp(int InputSize, int HiddenSize, RecurrentDirection Direction = RecurrentDirection.Forward,
    bool Peepholes = false, bool InitialState = false, bool FinalCellState = false) : Op
{
    /// <summary>ONNX's gate order.</summary>
    public const string Gates = "iofc";

    public override string Kind => "Lstm";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            var slots = Recurrence.GateSlots(Gates, InputSize, HiddenSize, Direction).ToList();
            var init = Initializer.Uniform(1 / Math.Sqrt(Math.Max(1, HiddenSize)));
            foreach (var (suffix, _) in Recurrence.Directions(Direction))
            {
                if (Peepholes) slots.AddRange("iof".Select(g => new ParameterSlot(Recurrence.Role("peephole", g, suffix), [HiddenSize], init)));
                if (InitialState)
                {
                    slots.Add(new($"initial_h{suffix}", [HiddenSize], Initializer.Zeros, Trainable: false));
                    slots.Add(new($"initial_c{suffix}", [HiddenSize], Initializer.Zeros, Trainable: false));
                }
            }
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
        => Recurrence.InferShape(Kind, inputs[0], InputSize, HiddenSize, Direction, FinalCellState);

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        int n = x[0].Value.Dim(0), steps = x[0].Value.Dim(1), hidden = HiddenSize;
        var hiddenStates = new List<Variable<T>[]>();
        var finalCells = new List<Variable<T>>();
        foreach (var (suffix, backwards) in Recurrence.Directions(Direction))
        {
            var xs = Recurrence.InputProjection(c, x[0], Gates, suffix, withHiddenBias: true);
            var r = Recurrence.RecurrentWeights(c, Gates, suffix);
            var h = Recurrence.Initial(c, InitialState ? $"initial_h{suffix}" : null, n, hidden);
            var cell = Recurrence.Initial(c, InitialState ? $"initial_c{suffix}" : null, n, hidden);
            var states = new Variable<T>[steps];
            for (int k = 0; k < steps; k++)
            {
                int t = backwards ? steps - 1 - k : k;
                var all = Recurrence.Step(xs, t) + Ops.MatMul(h, r);
                Variable<T> i = Recurrence.Gate(all, 0, hidden), o = Recurrence.Gate(all, 1, hidden), f = Recurrence.Gate(all, 2, hidden);
                if (Peepholes)
                {
                    i = i + cell * c.Parameter(Recurrence.Role("peephole", 'i', suffix));
                    f = f + cell * c.Parameter(Recurrence.Role("peephole", 'f', suffix));
                }
                cell = Ops.Sigmoid(f) * cell + Ops.Sigmoid(i) * Ops.Tanh(Recurrence.Gate(all, 3, hidden));
                if (Peepholes) o = o + cell * c.Parameter(Recurrence.Role("peephole", 'o', suffix));
                h = Ops.Sigmoid(o) * Ops.Tanh(cell);
                states[t] = h;
            }
            hiddenStates.Add(states);
            finalCells.Add(cell);
        }
        var y = Recurrence.Stack(hiddenStates);
        if (!FinalCellState) return y;
        return Ops.Concat([y, Recurrence.Stack(finalCells.Select(cs => new[] { cs }).ToArray())], 1);
    }

    public override string Describe() => $"LSTM({InputSize} → {HiddenSize}, {Direction.ToString().ToLowerInvariant()}"
        + (Peepholes ? ", peepholes" : "") + (InitialState ? ", stored initial state" : "") + (FinalCellState ? ", + final cell state" : "") + ")";
}
