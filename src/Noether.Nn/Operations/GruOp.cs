using Noether.Tensors.Autodiff;

namespace Noether.Nn.Operations;

/// <summary>
/// A gated recurrent unit layer with ONNX's semantics (gates z, r, h; sigmoid, tanh): per-sample input [T, I], output
/// the hidden state of every step [T, D, H] (ONNX's Y in layout 1). <see cref="LinearBeforeReset"/> applies the reset
/// gate after the recurrent product and its bias, r ⊙ (h·R_hᵀ + b_hh,h), as PyTorch does; otherwise (ONNX's default)
/// before it, (r ⊙ h)·R_hᵀ + b_hh,h. Optional stored initial state (<c>initial_h</c> [H], a buffer).
/// Parameter roles: see <see cref="Recurrence"/>.
/// </summary>
public sealed record GruOp(int InputSize, int HiddenSize, RecurrentDirection Direction = RecurrentDirection.Forward,
    bool LinearBeforeReset = false, bool InitialState = false) : Op
{
    /// <summary>ONNX's gate order.</summary>
    public const string Gates = "zrh";

    public override string Kind => "Gru";

    public override IReadOnlyList<ParameterSlot> Parameters
    {
        get
        {
            var slots = Recurrence.GateSlots(Gates, InputSize, HiddenSize, Direction).ToList();
            if (InitialState)
                foreach (var (suffix, _) in Recurrence.Directions(Direction))
                    slots.Add(new($"initial_h{suffix}", [HiddenSize], Initializer.Zeros, Trainable: false));
            return slots;
        }
    }

    public override int[] InferShape(IReadOnlyList<int[]> inputs)
        => Recurrence.InferShape(Kind, inputs[0], InputSize, HiddenSize, Direction, extraStep: false);

    public override Variable<T> Forward<T>(OpContext<T> c, IReadOnlyList<Variable<T>> x)
    {
        int n = x[0].Value.Dim(0), steps = x[0].Value.Dim(1), hidden = HiddenSize;
        var hiddenStates = new List<Variable<T>[]>();
        foreach (var (suffix, backwards) in Recurrence.Directions(Direction))
        {
            // b_hh of z and r joins the input projection; that of h stays inside the candidate's formula.
            var xs = Recurrence.InputProjection(c, x[0], Gates, suffix, withHiddenBias: false);
            var rzr = Recurrence.RecurrentWeights(c, "zr", suffix);
            var rh = Ops.Transpose(c.Parameter(Recurrence.Role("weight_hh", 'h', suffix)));
            var bz = c.Parameter(Recurrence.Role("bias_hh", 'z', suffix));
            var br = c.Parameter(Recurrence.Role("bias_hh", 'r', suffix));
            var bh = c.Parameter(Recurrence.Role("bias_hh", 'h', suffix));
            var h = Recurrence.Initial(c, InitialState ? $"initial_h{suffix}" : null, n, hidden);
            var states = new Variable<T>[steps];
            for (int k = 0; k < steps; k++)
            {
                int t = backwards ? steps - 1 - k : k;
                var xt = Recurrence.Step(xs, t);
                var hzr = Ops.MatMul(h, rzr);
                var z = Ops.Sigmoid(Recurrence.Gate(xt, 0, hidden) + Recurrence.Gate(hzr, 0, hidden) + bz);
                var r = Ops.Sigmoid(Recurrence.Gate(xt, 1, hidden) + Recurrence.Gate(hzr, 1, hidden) + br);
                var recurrent = LinearBeforeReset ? r * (Ops.MatMul(h, rh) + bh) : Ops.MatMul(r * h, rh) + bh;
                var candidate = Ops.Tanh(Recurrence.Gate(xt, 2, hidden) + recurrent);
                h = candidate + z * (h - candidate);
                states[t] = h;
            }
            hiddenStates.Add(states);
        }
        return Recurrence.Stack(hiddenStates);
    }

    public override string Describe() => $"GRU({InputSize} → {HiddenSize}, {Direction.ToString().ToLowerInvariant()}"
        + (LinearBeforeReset ? ", linear before reset" : "") + (InitialState ? ", stored initial state" : "") + ")";
}
