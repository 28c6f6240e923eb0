using System.Text;
using System.Text.RegularExpressions;
using Gan.Dsl.Diagnostics;

namespace Gan.Dsl.LanguageServer;

/// <summary>
/// docs/language.md (embedded in the assembly): the entry of a diagnostic code or a layer for hovers and completion, and the
/// address of a code's section on GitHub, whose anchor is GitHub's slug of the heading <c>GANnnnn (severity): title</c>.
/// </summary>
internal static partial class Docs
{
    public const string Page = "https://github.com/gandsl/gandsl/blob/main/docs/language.md";

    static readonly Lazy<string> Text = new(() =>
    {
        using var stream = typeof(Docs).Assembly.GetManifestResourceStream("Gan.Dsl.docs.language.md");
        if (stream is null) return "";
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    static readonly Lazy<Dictionary<string, string>> Sections = new(() =>
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var matches = Heading().Matches(Text.Value);
        for (int i = 0; i < matches.Count; i++)
        {
            int end = i + 1 < matches.Count ? matches[i + 1].Index : Text.Value.Length;
            var body = Text.Value[matches[i].Index..end];
            int next = body.IndexOf("\n## ", StringComparison.Ordinal);
            map.TryAdd(matches[i].Groups[1].Value, (next >= 0 ? body[..next] : body).Trim());
        }
        return map;
    });

    [GeneratedRegex(@"^### (\S+)", RegexOptions.Multiline)]
    private static partial Regex Heading();

    /// <summary>The section whose heading starts with <paramref name="name"/> (a code such as GAN0306, or a layer), or null.</summary>
    public static string? Entry(string name) => Sections.Value.GetValueOrDefault(name);

    /// <summary>The address of a code's section: GitHub's anchor for its heading.</summary>
    public static string Href(string code)
    {
        var d = Descriptors.All.FirstOrDefault(x => x.Id == code);
        if (d is null) return Page + "#diagnostics";
        return $"{Page}#{Slug($"{d.Id} ({(d.Severity == Severity.Error ? "error" : "warning")}): {d.Title}")}";
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped (letters, digits, '-', '_' and spaces kept), spaces
    /// to '-'.</summary>
    public static string Slug(string heading)
    {
        var sb = new StringBuilder();
        foreach (var c in heading.ToLowerInvariant())
            if (char.IsLetterOrDigit(c) || c is '-' or '_') sb.Append(c);
            else if (c == ' ') sb.Append('-');
        return sb.ToString();
    }
}
