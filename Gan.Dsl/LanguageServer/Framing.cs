using System.Text;
using System.Text.Json.Nodes;

namespace Gan.Dsl.LanguageServer;

/// <summary>One framed message read from the client: its JSON, or the JSON-RPC error it earned (a bad header, a short body,
/// invalid JSON); <see cref="End"/> when the input closed.</summary>
internal sealed record Frame(JsonNode? Json, int ErrorCode = 0, string? Error = null, bool End = false);

/// <summary>
/// The LSP base protocol: <c>Content-Length: N\r\n\r\n</c> then exactly N bytes of UTF-8 JSON. Lengths count bytes; a header
/// block is read byte by byte (never past its blank line), the body with exact reads. Nothing else is ever written to the
/// output stream.
/// </summary>
internal sealed class Framing(Stream input, Stream output)
{
    /// <summary>Longest header block accepted, and largest body: a hostile client cannot make the server allocate more.</summary>
    const int MaxHeader = 8 * 1024, MaxBody = 64 * 1024 * 1024;

    readonly object writeLock = new();

    public Frame Read()
    {
        var header = new List<byte>();
        while (true)
        {
            int b = input.ReadByte();
            if (b < 0)
                return header.Count == 0 ? new Frame(null, End: true) : new Frame(null, -32700, "the input ended inside a header", true);
            header.Add((byte)b);
            int n = header.Count;
            if (n >= 4 && header[n - 4] == '\r' && header[n - 3] == '\n' && header[n - 2] == '\r' && header[n - 1] == '\n') break;
            if (n >= 2 && header[n - 2] == '\n' && header[n - 1] == '\n') break;   // bare LFs: lenient, as many servers are
            if (n > MaxHeader) { SkipLine(); return new Frame(null, -32700, $"a header block longer than {MaxHeader} bytes"); }
        }
        int? length = null;
        foreach (var line in Encoding.ASCII.GetString([.. header]).Split('\n'))
        {
            var l = line.TrimEnd('\r');
            if (l.Length == 0) continue;
            int colon = l.IndexOf(':');
            if (colon <= 0) return new Frame(null, -32700, $"a malformed header line `{Clip(l)}` (expected `Name: value`)");
            var name = l[..colon].Trim();
            var value = l[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, null, out var v) || v > MaxBody)
                    return new Frame(null, -32700, $"Content-Length `{Clip(value)}` is not a byte count up to {MaxBody}");
                length = v;
            }
        }
        if (length is null) return new Frame(null, -32700, "a message without a Content-Length header");
        var body = new byte[length.Value];
        int read = 0;
        while (read < body.Length)
        {
            int got = input.Read(body, read, body.Length - read);
            if (got <= 0)
                return new Frame(null, -32700, $"the body ended after {read} of its {body.Length} bytes", End: true);
            read += got;
        }
        try
        {
            var json = JsonNode.Parse(body);
            return json is JsonObject ? new Frame(json) : new Frame(null, -32600, "a message must be a JSON object");
        }
        catch (System.Text.Json.JsonException e) { return new Frame(null, -32700, $"invalid JSON: {e.Message}"); }
        catch (ArgumentException e) { return new Frame(null, -32700, $"invalid UTF-8 or JSON: {e.Message}"); }
    }

    void SkipLine()
    {
        int b;
        while ((b = input.ReadByte()) >= 0 && b != '\n') { }
    }

    static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";

    public void Write(JsonNode message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        lock (writeLock)
        {
            output.Write(header);
            output.Write(body);
            output.Flush();
        }
    }
}
