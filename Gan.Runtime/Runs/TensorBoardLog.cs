using System.Buffers.Binary;
using Google.Protobuf;
using Tensorboard;
using TorchSharp.Utils;

namespace Gan.Runtime.Runs;

/// <summary>
/// A run's TensorBoard events file, <c>tb/events.out.tfevents.SECONDS.HOST.PID</c> (<c>gan train --tensorboard</c>): TFRecord
/// framing (the data's length as u64 little-endian, the masked CRC32C of those 8 bytes, the data, the masked CRC32C of the
/// data) around <c>Event</c> protos: the file version first, then scalars and PNG images as the trainer logs them. The file
/// stays open and each event is flushed, so TensorBoard follows a live run. A resumed run writes a new file whose second
/// event is a SessionLog START at the first step it will log: TensorBoard drops the earlier files' points at that step and
/// past it (as the resume cuts log.csv back to its checkpoint), and the new file writes them again.
/// </summary>
internal sealed class TensorBoardLog : IDisposable
{
    /// <summary>The folder of a run that holds the events files.</summary>
    public const string Folder = "tb";

    const string Prefix = "events.out.tfevents.";

    /// <summary>Seconds past the last ten-digit count (the year 2286) in a file's name are not a clock's: ignored.</summary>
    const long MaxSeconds = 9_999_999_999;

    readonly FileStream file;
    /// <summary>The first step this file holds: a resumed run's earlier steps are the earlier files'.</summary>
    readonly long from;
    long lastImageStep = -1;

    /// <summary>The events file written.</summary>
    public string FilePath { get; }

    TensorBoardLog(string path, long from)
    {
        FilePath = path;
        this.from = from;
        file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
    }

    /// <summary>
    /// Opens a new events file in <c>RUN/tb/</c> and writes its version event, then, for a resumed run, the SessionLog START at
    /// <paramref name="restartStep"/> (the first step the resumed run logs).
    /// </summary>
    public static TensorBoardLog Open(string runDir, long? restartStep = null)
    {
        var dir = Path.Combine(runDir, Folder);
        TensorBoardLog log;
        try
        {
            Directory.CreateDirectory(dir);
            // TensorBoard reads a folder's files in name order: a new file's seconds (ten digits) exceed every earlier file's,
            // so it sorts last (and never takes an earlier file's name) even when a resume follows within the same second.
            long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            foreach (var f in Directory.GetFiles(dir, Prefix + "*"))
                if (long.TryParse(Path.GetFileName(f)[Prefix.Length..].Split('.')[0], out var s) && s >= seconds && s < MaxSeconds)
                    seconds = s + 1;
            log = new TensorBoardLog(Path.Combine(dir, $"{Prefix}{seconds}.{Environment.MachineName}.{Environment.ProcessId}"),
                                     restartStep ?? 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Errors.UserInputException($"{dir}: cannot write TensorBoard events there ({e.Message}); "
                                                + "make it a writable folder, or train without --tensorboard.");
        }
        try
        {
            log.Write(new Event { FileVersion = "brain.Event:2" });
            if (restartStep is long step)
                log.Write(new Event { Step = step, SessionLog = new SessionLog { Status = SessionLog.Types.SessionStatus.Start } });
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>One event of scalars (float32 simple values) at <paramref name="step"/>, tagged with their names.</summary>
    public void Scalars(long step, IEnumerable<(string Tag, double Value)> values)
    {
        if (step < from) return;
        var summary = new Summary();
        foreach (var (tag, value) in values) summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = (float)value });
        if (summary.Value.Count > 0) Write(new Event { Step = step, Summary = summary });
    }

    /// <summary>
    /// A PNG file's bytes as an image at <paramref name="step"/>, once per step (the last step's picture, drawn again when the
    /// run ends, is skipped), and never before the file's first step (a finished run resumed draws its last picture again).
    /// </summary>
    public void Image(long step, string tag, byte[] png)
    {
        if (step == lastImageStep || step < from) return;
        var (width, height, colorspace) = PngHeader(png);
        var image = new Summary.Types.Image
        {
            Width = width, Height = height, Colorspace = colorspace, EncodedImageString = ByteString.CopyFrom(png),
        };
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value { Tag = tag, Image = image });
        Write(new Event { Step = step, Summary = summary });
        lastImageStep = step;
    }

    /// <summary>
    /// A PNG's width, height and TensorBoard colorspace (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) from its IHDR chunk, which
    /// follows the 8-byte signature: length, "IHDR", width and height (big-endian), bit depth, colour type.
    /// </summary>
    static (int Width, int Height, int Colorspace) PngHeader(byte[] png)
    {
        ReadOnlySpan<byte> signature = [137, 80, 78, 71, 13, 10, 26, 10];
        if (png.Length < 26 || !png.AsSpan(0, 8).SequenceEqual(signature) || png[12] != 'I' || png[15] != 'R')
            throw new InvalidOperationException("a sample picture is not a PNG file");
        int width = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20));
        int colorspace = png[25] switch { 0 => 1, 4 => 2, 6 => 4, _ => 3 };      // 2: truecolour, 3: palette
        return (width, height, colorspace);
    }

    /// <summary>Appends one record: the event (with the wall time now, in seconds) framed as TFRecord, then flushes.</summary>
    void Write(Event e)
    {
        e.WallTime = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        var data = e.ToByteArray();
        var record = new byte[8 + 4 + data.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(record, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), MaskedCrc(record[..8]));
        data.CopyTo(record, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12 + data.Length), MaskedCrc(data));
        file.Write(record);
        file.Flush();
    }

    /// <summary>TFRecord's masked CRC32C: the checksum rotated right by 15 bits plus a constant.</summary>
    static uint MaskedCrc(byte[] bytes)
    {
        uint crc = CRC32C.process(bytes);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    public void Dispose() => file.Dispose();
}
