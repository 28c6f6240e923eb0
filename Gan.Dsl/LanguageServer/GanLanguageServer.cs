using Gan.Dsl.LanguageServer;

namespace Gan.Dsl;

/// <summary>
/// <c>gan lsp</c>: a Language Server Protocol 3.17 server for .gan specs over a pair of streams (stdin and stdout): diagnostics,
/// hover, go to definition, references, completion, formatting and the outline, from the compiler's own tree.
/// </summary>
public static class GanLanguageServer
{
    /// <summary>
    /// Serves one client until <c>exit</c> or the end of <paramref name="input"/>; returns the process exit code (0 after a
    /// <c>shutdown</c> request, 1 otherwise). Only protocol messages are written to <paramref name="output"/>; problems go to
    /// <paramref name="log"/>.
    /// </summary>
    public static int Run(Stream input, Stream output, TextWriter log)
    {
        try { return new Server(new Framing(input, output), log).Run(); }
        catch (IOException e)
        {
            // The client closed its end of the pipe: nobody is left to answer.
            log.WriteLine($"gan lsp: the client's connection is gone ({e.Message})");
            return 1;
        }
    }
}
