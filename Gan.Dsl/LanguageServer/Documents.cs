using Gan.Dsl.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary>An open document: its URI, file path, version and text, and its compilation once asked for (cached per
/// version and settings).</summary>
internal sealed class Document(string uri, string path, int version, string text)
{
    public string Uri { get; } = uri;
    public string Path { get; } = path;
    public int Version { get; set; } = version;
    public string Text { get; set; } = text;
    public SourceText Source => source ??= new SourceText(Path, Text);
    SourceText? source;
    internal CompileResult? Compiled { get; set; }
    internal long CompiledStamp { get; set; } = -1;

    public void Update(int version, string text)
    {
        (Version, Text, source, Compiled) = (version, text, null, null);
    }
}

/// <summary>
/// The open documents, by URI, and the compilation of one: `use`d files are read from open buffers first (their unsaved
/// text wins over the file on disk), the workspace settings' <c>gan.set</c> overrides apply to the params a spec has, and the
/// project root is the workspace folder holding the spec (else the spec's folder).
/// </summary>
internal sealed class Documents
{
    readonly Dictionary<string, Document> open = new(StringComparer.Ordinal);
    readonly Dictionary<string, Document> byPath = new(StringComparer.Ordinal);
    long stamp;

    public string? WorkspaceRoot { get; set; }
    public IReadOnlyDictionary<string, string> Overrides { get; private set; } = new Dictionary<string, string>();

    public IEnumerable<Document> All => open.Values;

    public void SetOverrides(IReadOnlyDictionary<string, string> overrides) { Overrides = overrides; stamp++; }

    public Document Open(string uri, int version, string text)
    {
        if (open.Remove(uri, out var old)) byPath.Remove(old.Path);
        var doc = new Document(uri, Uris.ToPath(uri), version, text);
        open[uri] = doc;
        byPath[doc.Path] = doc;
        stamp++;
        return doc;
    }

    public Document? Get(string uri) => open.GetValueOrDefault(uri);

    public void Change(Document doc, int version, string text) { doc.Update(version, text); stamp++; }

    public void Close(string uri)
    {
        if (open.Remove(uri, out var doc)) byPath.Remove(doc.Path);
        stamp++;
    }

    /// <summary>A file's text: its open buffer, else the file on disk (null when unreadable).</summary>
    public string? TextOf(string fullPath)
    {
        if (byPath.TryGetValue(fullPath, out var doc)) return doc.Text;
        try { return File.ReadAllText(fullPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        { return null; }
    }

    /// <summary>The document's compilation, recompiled when it, another open buffer or the settings changed.</summary>
    public CompileResult Compile(Document doc)
    {
        if (doc.Compiled is { } cached && doc.CompiledStamp == stamp) return cached;
        var result = Compilation.Compile(doc.Path, doc.Text, Applicable(doc), RootOf(doc), Read);
        doc.Compiled = result;
        doc.CompiledStamp = stamp;
        return result;
    }

    string? Read(string fullPath) => byPath.TryGetValue(fullPath, out var d) ? d.Text : null;

    /// <summary>The project root of a document: the workspace folder when the document lies in it (else null: its own folder).</summary>
    public string? RootOf(Document doc) =>
        WorkspaceRoot is { } w && doc.Path.StartsWith(w.EndsWith('/') ? w : w + "/", StringComparison.Ordinal) ? w : null;

    /// <summary>The overrides naming a param this spec (or a file it uses) declares: one workspace setting serves many specs.</summary>
    Dictionary<string, string>? Applicable(Document doc)
    {
        if (Overrides.Count == 0) return null;
        var probe = Compilation.Compile(doc.Path, doc.Text, null, RootOf(doc), Read);
        var names = probe.Checked?.Bound.Params.Keys.ToHashSet() ?? [];
        return Overrides.Where(kv => names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
    }
}
