using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Noether.Cli;

/// <summary>
/// Range checks that run at parse time: a value out of range is a parse error (exit 2, one line naming the option
/// and the value) before any file is read or any work is done.
/// </summary>
internal static class OptionRules
{
    /// <summary>Requires a value of at least <paramref name="min"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int min) => Check(option, v => v >= min, Bound(min));

    /// <summary>Requires a value, when given, of at least <paramref name="min"/>.</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int min) => Check(option, v => v is not int i || i >= min, Bound(min));

    /// <summary>Requires a value in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int> Between(this Option<int> option, int min, int max) => Check(option, v => v >= min && v <= max, $"lie in {min}..{max}");

    /// <summary>Requires every value to lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int[]> EachIn(this Option<int[]> option, int min, int max) => Check(option, v => v is null || v.All(i => i >= min && i <= max), $"lie in {min}..{max}");

    /// <summary>Requires a finite value above zero.</summary>
    public static Option<double> Positive(this Option<double> option) => Check(option, v => v > 0 && double.IsFinite(v), "be positive and finite");

    /// <summary>Requires a finite value above zero, when given.</summary>
    public static Option<double?> Positive(this Option<double?> option) => Check(option, v => v is not double d || (d > 0 && double.IsFinite(d)), "be positive and finite");

    /// <summary>Requires a finite value of zero or more.</summary>
    public static Option<double> NonNegative(this Option<double> option) => Check(option, v => v >= 0 && double.IsFinite(v), "be finite and ≥ 0");

    /// <summary>Requires a finite value of zero or more, when given.</summary>
    public static Option<double?> NonNegative(this Option<double?> option) => Check(option, v => v is not double d || (d >= 0 && double.IsFinite(d)), "be finite and ≥ 0");

    /// <summary>Requires a finite value.</summary>
    public static Option<double> Finite(this Option<double> option) => Check(option, double.IsFinite, "be finite");

    /// <summary>Requires a value in [<paramref name="min"/>, <paramref name="max"/>) (a finite one).</summary>
    public static Option<double> InRange(this Option<double> option, double min, double max, bool includeMin = true) =>
        Check(option, v => (includeMin ? v >= min : v > min) && v < max, $"lie in {(includeMin ? "[" : "(")}{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)})");

    /// <summary>Requires one of <paramref name="values"/>.</summary>
    public static Option<string> OneOf(this Option<string> option, params string[] values)
    {
        string list = values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";
        option.Validators.Add(r =>
        {
            if (Value(r, option) is { } v && !values.Contains(v)) r.AddError($"{option.Name} must be {list}, got '{v}'");
        });
        return option;
    }

    /// <summary>Requires a value that <paramref name="parse"/> accepts (its ArgumentException message is the error).</summary>
    public static Option<string> Parses(this Option<string> option, Action<string> parse)
    {
        option.Validators.Add(r =>
        {
            if (Value(r, option) is not { } v) return;
            try { parse(v); }
            catch (ArgumentException e) { r.AddError($"{option.Name} '{v}': {e.Message}"); }
        });
        return option;
    }

    private static string Bound(int min) => min == 1 ? "be positive" : min == 0 ? "be ≥ 0" : $"be at least {min}";

    private static Option<T> Check<T>(Option<T> option, Func<T, bool> ok, string requirement)
    {
        option.Validators.Add(r =>
        {
            var v = Value(r, option);
            if (v is not null && !ok(v)) r.AddError($"{option.Name} must {requirement}, got {Format(v)}");
        });
        return option;
    }

    /// <summary>The option's value, or default when it did not convert (the conversion error is reported already).</summary>
    private static T? Value<T>(OptionResult result, Option<T> option)
    {
        if (result.Errors.Any()) return default;
        try { return result.GetValueOrDefault<T>(); }
        catch (InvalidOperationException) { return default; }
    }

    private static string Format(object v) => v switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        int[] a => string.Join(" ", a),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
