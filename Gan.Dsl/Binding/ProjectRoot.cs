namespace Gan.Dsl.Binding;

/// <summary>
/// The folder a spec may name files in: the top spec's folder, or the root its caller gives (<c>--root</c>, an editor's
/// workspace). A spec from a pull request must not make the tool read, print or train on files elsewhere on the machine,
/// so every path a spec names (<c>use</c> files, <c>images(path)</c>) is relative, and lies under the root once every
/// symbolic link on the way is followed.
/// </summary>
internal sealed class ProjectRoot
{
    /// <summary>Symbolic links followed before a path is refused as a loop.</summary>
    const int MaxLinks = 40;

    /// <summary>The root as given (full), and with its own links resolved (what paths are compared with).</summary>
    public string Path { get; }
    readonly string real;

    public ProjectRoot(string root)
    {
        Path = Full(root);
        real = RealPath(Path) ?? Path;
    }

    /// <summary>The root of a spec: <paramref name="root"/> when given, else the spec's own folder.</summary>
    public static ProjectRoot For(string specPath, string? root) =>
        new(root ?? System.IO.Path.GetDirectoryName(Full(specPath)) ?? ".");

    /// <summary>
    /// Resolves a path a spec names, relative to <paramref name="fromDir"/> (the folder of the file that names it): the full
    /// path, or null and why it is refused. Nothing is read; a missing file is the caller's to report.
    /// </summary>
    public string? Resolve(string fromDir, string text, out string reason)
    {
        reason = "";
        if (text.Length == 0 || text.Contains('\0')) { reason = "the path is empty or holds a NUL character"; return null; }
        if (System.IO.Path.IsPathRooted(text) || text.StartsWith('~'))
        {
            reason = $"the path is absolute; a spec names files relative to its own folder, under the project root {Path}";
            return null;
        }
        var full = Full(System.IO.Path.Combine(fromDir, text));
        if (!Under(full, Path) && !Under(full, real))
        {
            reason = $"the path leads outside the project root {Path}; a spec may name only files under it (gan check --root DIR "
                     + "widens it)";
            return null;
        }
        var resolved = RealPath(full);
        if (resolved is null) { reason = $"more than {MaxLinks} symbolic links on the way (a loop?)"; return null; }
        if (!Under(resolved, real))
        {
            reason = $"a symbolic link on the way leads outside the project root {Path}";
            return null;
        }
        return full;
    }

    static bool Under(string path, string root)
    {
        var sep = System.IO.Path.DirectorySeparatorChar;
        return path == root || path.StartsWith(root.EndsWith(sep) ? root : root + sep, StringComparison.Ordinal);
    }

    static string Full(string p)
    {
        try { return System.IO.Path.GetFullPath(p); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return p; }
    }

    /// <summary>
    /// A full path with every symbolic link on it followed, component by component (what <c>realpath</c> gives); parts that
    /// do not exist are kept as written. Null after <see cref="MaxLinks"/> links.
    /// </summary>
    static string? RealPath(string full)
    {
        var pending = new Stack<string>(Parts(full).Reverse());
        var current = System.IO.Path.GetPathRoot(full) ?? "/";
        int links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".") continue;
            if (part == "..") { current = System.IO.Path.GetDirectoryName(current) ?? current; continue; }
            var next = System.IO.Path.Combine(current, part);
            string? target;
            try { target = new FileInfo(next).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { target = null; }
            if (target is null) { current = next; continue; }
            if (++links > MaxLinks) return null;
            if (System.IO.Path.IsPathRooted(target)) current = System.IO.Path.GetPathRoot(target) ?? current;
            foreach (var p in Parts(target).Reverse()) pending.Push(p);
        }
        return current;
    }

    static string[] Parts(string path) =>
        path[(System.IO.Path.GetPathRoot(path)?.Length ?? 0)..].Split(System.IO.Path.DirectorySeparatorChar,
                                                                      System.IO.Path.AltDirectorySeparatorChar);
}
