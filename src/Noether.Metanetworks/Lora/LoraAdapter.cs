using System.Numerics;
using System.Text.RegularExpressions;
using Noether.Tensors;

namespace Noether.Metanetworks.Lora;

/// <summary>
/// One adapted module of a LoRA adapter: ΔW = B·A with A [r, in] and B [out, r]. In the notation of "Learning on LoRAs"
/// (Putterman, Lim et al. 2024), U = B [out, r] and V = Aᵀ [in, r], so ΔW = U·Vᵀ and (U, V) ↦ (U·R, V·R^{−T}) for
/// R ∈ GL(r) leaves ΔW unchanged.
/// </summary>
public sealed record LoraModule(string Name, Tensor<double> A, Tensor<double> B)
{
    /// <summary>The rank r.</summary>
    public int Rank => A.Dim(0);
    /// <summary>U = B, [out, r].</summary>
    public Tensor<double> U => B;
    /// <summary>V = Aᵀ, [in, r].</summary>
    public Tensor<double> V => A.Transpose().Contiguous();
    /// <summary>ΔW = B·A, [out, in].</summary>
    public Tensor<double> Delta => B.MatMul(A);
}

/// <summary>
/// A PEFT-style LoRA adapter: per target module, <c>{module}.lora_A.weight</c> [r, in] and <c>{module}.lora_B.weight</c>
/// [out, r] (also PEFT's in-memory <c>{module}.lora_A.{adapter}.weight</c>). Other tensors (embeddings' lora_embedding_A/B,
/// modules_to_save) are listed in <see cref="Ignored"/>.
/// </summary>
public sealed class LoraAdapter
{
    private static readonly Regex Key = new(@"^(?<module>.+)\.lora_(?<ab>[AB])(\.(?<adapter>[^.]+))?\.weight$", RegexOptions.CultureInvariant);

    private LoraAdapter(IReadOnlyList<LoraModule> modules, IReadOnlyList<string> ignored) { Modules = modules; Ignored = ignored; }

    /// <summary>The adapted modules, sorted by name.</summary>
    public IReadOnlyList<LoraModule> Modules { get; }
    /// <summary>Tensors that are not LoRA A/B matrices.</summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>Groups tensors (e.g. every tensor of a safetensors file) into modules; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="InvalidDataException">A module lacks A or B, a matrix is not rank 2, or the ranks of A and B differ.</exception>
    public static LoraAdapter FromTensors<T>(IReadOnlyDictionary<string, Tensor<T>> tensors, string source = "adapter") where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var parts = new SortedDictionary<string, (Tensor<T>? A, Tensor<T>? B)>(StringComparer.Ordinal);
        var ignored = new List<string>();
        foreach (var (name, tensor) in tensors)
        {
            var m = Key.Match(name);
            if (!m.Success) { ignored.Add(name); continue; }
            string module = m.Groups["module"].Value;
            if (tensor.Rank != 2) throw new InvalidDataException($"{source}: LoRA tensor '{name}' has shape {Shapes.Format(tensor.ShapeArray())}; expected a matrix");
            var (a, b) = parts.GetValueOrDefault(module);
            bool isA = m.Groups["ab"].Value == "A";
            if ((isA ? a : b) is not null) throw new InvalidDataException($"{source}: module '{module}' has two lora_{(isA ? "A" : "B")} tensors (several adapters in one file?)");
            parts[module] = isA ? (tensor, b) : (a, tensor);
        }
        var modules = new List<LoraModule>();
        foreach (var (module, (a, b)) in parts)
        {
            if (a is null || b is null) throw new InvalidDataException($"{source}: module '{module}' has lora_{(a is null ? "B" : "A")} but no lora_{(a is null ? "A" : "B")}");
            if (a.Dim(0) != b.Dim(1))
                throw new InvalidDataException($"{source}: module '{module}': lora_A {Shapes.Format(a.ShapeArray())} is [r, in] and lora_B {Shapes.Format(b.ShapeArray())} is [out, r], but their ranks differ");
            modules.Add(new LoraModule(module, a.Cast<double>(), b.Cast<double>()));
        }
        if (modules.Count == 0) throw new InvalidDataException($"{source}: no LoRA tensors (names ending in lora_A.weight / lora_B.weight)");
        return new LoraAdapter(modules, ignored);
    }
}
