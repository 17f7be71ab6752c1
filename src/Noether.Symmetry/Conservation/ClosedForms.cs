namespace Noether.Symmetry.Conservation;

/// <summary>
/// How conserved quantities move under weight decay and momentum. With PyTorch's SGD (momentum μ, no dampening,
/// coupled weight decay λ, step sizes η_k), writing Δ_k = θ_{k+1} − θ_k and ρ_k = μ·η_k/η_{k−1}, the symmetry
/// (⟨g, Sθ⟩ = 0) gives exactly, for a quadratic law Q(θ) = θᵀSθ:
/// Q_{k+1} = (1 − 2η_kλ)·Q_k + Q(Δ_k) + ρ_k·(Q_k − Q_{k−1} + Q(Δ_{k−1})),
/// and for a linear law Q_{k+1} − Q_k = ρ_k·(Q_k − Q_{k−1}) − η_kλ·Q_k. Without momentum the first becomes
/// Q_k = (1−ηλ)^{2k}·Q_0 + η²·Σ_j (1−ηλ)^{2(k−1−j)}·Q(g_j), whose continuous-time limit is Kunin et al.'s
/// e^{−2λt}(Q_0 + η²·Σ_j e^{2λt_j}·Q(g_j)), t = η·k.
/// </summary>
public static class ClosedForms
{
    /// <summary>
    /// The trajectory Q_0, …, Q_K of one quantity under SGD, predicted from Q_0 and, for quadratic laws, the quadratic
    /// form of each step Q(Δ_k) (ignored for linear laws).
    /// </summary>
    public static double[] Sgd(LawDegree degree, double q0, IReadOnlyList<double> stepForm, IReadOnlyList<double> lrs, double momentum = 0, double weightDecay = 0)
    {
        int k = lrs.Count;
        if (degree == LawDegree.Quadratic && stepForm.Count != k)
            throw new ArgumentException($"ClosedForms.Sgd: {stepForm.Count} step forms for {k} steps");
        var q = new double[k + 1];
        q[0] = q0;
        double previousDelta = 0;
        for (int i = 0; i < k; i++)
        {
            double rho = i == 0 ? 0 : momentum * lrs[i] / lrs[i - 1];
            double delta = degree == LawDegree.Quadratic
                ? stepForm[i] + rho * (previousDelta + (i > 0 ? stepForm[i - 1] : 0)) - 2 * lrs[i] * weightDecay * q[i]
                : rho * previousDelta - lrs[i] * weightDecay * q[i];
            q[i + 1] = q[i] + delta;
            previousDelta = delta;
        }
        return q;
    }

    /// <summary>
    /// Kunin et al.'s continuous-time form for SGD with weight decay and no momentum: Q(t_k) =
    /// e^{−2λt_k}(Q_0 + η²·Σ_{j&lt;k} e^{2λt_{j+1}}·Q(g_j)) for quadratic laws and e^{−λt_k}·Q_0 for linear ones, t = η·k.
    /// </summary>
    public static double[] KuninWeightDecay(LawDegree degree, double q0, IReadOnlyList<double> gradientForm, double lr, double weightDecay)
    {
        int k = gradientForm.Count;
        var q = new double[k + 1];
        double sum = 0;
        for (int i = 0; i <= k; i++)
        {
            double t = lr * i;
            if (degree == LawDegree.Linear) { q[i] = Math.Exp(-weightDecay * t) * q0; continue; }
            q[i] = Math.Exp(-2 * weightDecay * t) * (q0 + lr * lr * sum);
            if (i < k) sum += Math.Exp(2 * weightDecay * lr * (i + 1)) * gradientForm[i];
        }
        return q;
    }
}
