namespace Noether.IO;

/// <summary>
/// Resolves a relative path named inside a file (an ONNX tensor's external <c>location</c>) against the file's own
/// folder, refusing anything that could reach outside it: absolute paths, drive or UNC names, <c>..</c> segments,
/// and symbolic links (of the file or of any folder on the way) whose target lies outside the folder.
/// </summary>
internal static class ConfinedPath
{
    /// <summary>The full path of <paramref name="relative"/> under <paramref name="folder"/>, or null and why not.</summary>
    public static string? Resolve(string folder, string relative, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrEmpty(relative)) { refusal = "an empty location"; return null; }
        if (relative.Contains('\0')) { refusal = "a location containing a NUL character"; return null; }
        var parts = relative.Replace('\\', '/').Split('/');
        if (Path.IsPathRooted(relative) || relative.StartsWith('/') || relative.StartsWith('\\') || (relative.Length > 1 && relative[1] == ':'))
        { refusal = "an absolute location"; return null; }
        if (parts.Any(p => p == "..")) { refusal = "a location with '..', which would leave the model's folder"; return null; }
        var root = RealPath(Path.GetFullPath(folder));
        var current = root;
        foreach (var part in parts.Where(p => p.Length > 0 && p != "."))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                if (target is null || !Inside(root, RealPath(target))) { refusal = $"a symbolic link ('{part}') that points outside the model's folder"; return null; }
                current = RealPath(target);
            }
        }
        if (!Inside(root, current)) { refusal = "a location outside the model's folder"; return null; }
        return current;
    }

    private static bool Inside(string root, string path)
    {
        var r = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        return path.StartsWith(r, StringComparison.Ordinal);
    }

    /// <summary>The path with every symbolic link among its folders resolved.</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target) current = RealPath(target.FullName);
        }
        return current;
    }
}
