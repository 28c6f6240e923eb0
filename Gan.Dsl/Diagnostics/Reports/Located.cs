namespace Gan.Dsl.Diagnostics.Reports;

/// <summary>
/// A diagnostic with its place worked out once for every format: 1-based start and end line and column, the end one past
/// the last character (UTF-16 code units, as .NET strings count), the file's absolute path and its path relative to the
/// directory the report is for, with forward slashes.
/// </summary>
internal sealed record Located(Diagnostic Diagnostic, int Line, int Col, int EndLine, int EndCol, string AbsolutePath, string RelativePath)
{
    public string Severity => Diagnostic.IsError ? "error" : "warning";

    public static Located Of(Diagnostic d, string baseDirectory)
    {
        var (line, col) = d.Source.LineCol(d.Span.Start);
        var (endLine, endCol) = d.Source.LineCol(d.Span.End);
        string absolute, relative;
        try
        {
            absolute = Path.GetFullPath(d.Source.Path, Path.GetFullPath(baseDirectory));
            relative = Path.GetRelativePath(baseDirectory, absolute).Replace('\\', '/');
        }
        catch (ArgumentException)
        {
            absolute = relative = d.Source.Path;     // a name no file system has (an API caller's): shown as given
        }
        return new Located(d, line, col, endLine, endCol, absolute, relative);
    }

    /// <summary>Every diagnostic of the specs, in order, each placed relative to <paramref name="baseDirectory"/>.</summary>
    public static IReadOnlyList<Located> All(IEnumerable<GanSpec> specs, string baseDirectory) =>
        [.. specs.SelectMany(s => s.Diagnostics).Select(d => Of(d, baseDirectory))];
}
