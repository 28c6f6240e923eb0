namespace Gan.Runtime.Runs;

/// <summary>
/// Writes a file under a temporary name beside it, then renames it over the target: a reader (or a kill at any
/// moment) never sees a partial file, and the previous version stays intact until the new one is complete.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with a temporary path (same folder and extension), then renames it to <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, Action<string> write)
    {
        var tmp = TempFor(path);
        try
        {
            write(tmp);
            Chaos.Point(Chaos.PointOf(path));
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>
    /// Fills a temporary folder beside <paramref name="path"/>, then puts it in place of any folder there: the folder
    /// appears complete or not at all.
    /// </summary>
    public static void WriteDirectory(string path, Action<string> fill)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var tmp = Path.Combine(parent, $".{Path.GetFileName(path)}.tmp-{Environment.ProcessId}");
        try
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
            Directory.CreateDirectory(tmp);
            fill(tmp);
            Chaos.Point(Chaos.PointOf(path + "/"));
            if (Directory.Exists(path)) Delete(path);
            Directory.Move(tmp, path);
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        }
    }

    /// <summary>
    /// Deletes a folder so that a kill midway leaves no half-deleted folder under its name: it is renamed away first.
    /// </summary>
    public static void Delete(string dir)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(dir))!;
        var doomed = Path.Combine(parent, $".{Path.GetFileName(dir)}.deleting-{Environment.ProcessId}");
        if (Directory.Exists(doomed)) Directory.Delete(doomed, true);
        Directory.Move(dir, doomed);
        Directory.Delete(doomed, true);
    }

    /// <summary>
    /// A temporary name beside <paramref name="path"/>, unique to this process, keeping its extension (PNG writers look at it).
    /// </summary>
    static string TempFor(string path) => $"{path}.tmp-{Environment.ProcessId}{Path.GetExtension(path)}";
}
