using System.Text;

namespace Gan.Dsl.LanguageServer;

/// <summary><c>file:</c> URIs (percent-encoded, as editors send them) to paths and back.</summary>
internal static class Uris
{
    public static string ToPath(string uri)
    {
        // Another scheme (an unsaved "untitled:" buffer): a path of that name in the working folder, never read from disk.
        if (!uri.StartsWith("file:", StringComparison.OrdinalIgnoreCase)) return Full(uri);
        var rest = uri[5..];
        if (rest.StartsWith("//")) rest = rest[2..];
        int slash = rest.IndexOf('/');
        if (slash > 0) rest = rest[slash..];          // drop an authority ("localhost")
        var path = Decode(rest);
        if (path.Length >= 3 && path[0] == '/' && path[2] == ':') path = path[1..];   // file:///c:/x on Windows
        return Full(path);
    }

    static string Full(string path) { try { return Path.GetFullPath(path); } catch (Exception) { return path; } }

    public static string FromPath(string path)
    {
        var full = Path.GetFullPath(path).Replace('\\', '/');
        var sb = new StringBuilder("file://");
        if (!full.StartsWith('/')) sb.Append('/');
        foreach (var b in Encoding.UTF8.GetBytes(full))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '.' or '_' or '~' or ':') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    static string Decode(string s)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && Uri.IsHexDigit(s[i + 1]) && Uri.IsHexDigit(s[i + 2]))
            {
                bytes.Add(Convert.ToByte(s.Substring(i + 1, 2), 16));
                i += 2;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
