namespace Noether.Plots;

/// <summary>One named curve of a <see cref="LinePlot"/>: the points (X[i], Y[i]) joined in order.</summary>
/// <param name="Name">Legend text and the <c>series</c> column of the CSV.</param>
/// <param name="X">Abscissae; as many as <paramref name="Y"/>.</param>
/// <param name="Y">Ordinates. Non-finite values (and, on a log axis, values ≤ 0) are left out of the picture but
/// kept in the CSV; a series needs at least one drawable point.</param>
public sealed record Series(string Name, double[] X, double[] Y);
