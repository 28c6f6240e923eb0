using System.Globalization;
using Gan.Runtime.Errors;

namespace Gan.Runtime.Reports;

/// <summary>
/// A run's <c>log.csv</c> read back: a header row, then one row per logged step. The columns are
/// <c>step, epoch</c>, one column per named loss, <c>d_real, d_fake</c> (mean D(x), mean D(G(z))),
/// <c>images_per_s, elapsed_s</c>. Unknown columns are kept, so old and new runs both read.
/// </summary>
internal sealed class LogCsv
{
    public IReadOnlyList<string> Columns { get; }
    readonly List<double[]> rows;

    LogCsv(IReadOnlyList<string> columns, List<double[]> rows) { Columns = columns; this.rows = rows; }

    public int RowCount => rows.Count;

    /// <summary>The values of one column, in row order.</summary>
    public double[] Column(string name)
    {
        var i = IndexOf(name);
        if (i < 0) throw new KeyNotFoundException($"log.csv has no column '{name}'");
        return rows.Select(r => r[i]).ToArray();
    }

    public bool Has(string name) => IndexOf(name) >= 0;

    int IndexOf(string name)
    {
        for (int i = 0; i < Columns.Count; i++) if (Columns[i] == name) return i;
        return -1;
    }

    /// <summary>Loss columns: everything that is not step/epoch/D means/throughput/time.</summary>
    public IEnumerable<string> LossColumns =>
        Columns.Where(c => c is not ("step" or "epoch" or "d_real" or "d_fake" or "images_per_s" or "elapsed_s"));

    public static LogCsv Read(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"{path}: no such file; is this a run folder made by `gan train`?");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new UserInputException($"{path}:1:1: the log is empty; the run wrote no header.");
        var columns = lines[0].Split(',').Select(c => c.Trim()).ToArray();
        var rows = new List<double[]>();
        for (int n = 1; n < lines.Length; n++)
        {
            var cells = lines[n].Split(',');
            if (cells.Length != columns.Length)
            {
                // A run killed mid-write can leave a short last line: skip it, reject anything else.
                if (n == lines.Length - 1) break;
                throw new UserInputException($"{path}:{n + 1}:1: expected {columns.Length} values, found {cells.Length}.");
            }
            var row = new double[columns.Length];
            for (int i = 0; i < cells.Length; i++)
            {
                if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out row[i]))
                    row[i] = double.NaN;
            }
            rows.Add(row);
        }
        return new LogCsv(columns, rows);
    }
}
