using System.Globalization;
using System.Text;
using Gan.Dsl.Syntax;
using Gan.Dsl.Text;

namespace Gan.Dsl.Formatting;

/// <summary>
/// Canonical printing of a spec from its syntax tree: two-space indents, one statement per line, one
/// space around binary operators, a blank line between items of different kinds. Comments are kept:
/// a comment on its own line stays before the code that follows it, a trailing one stays trailing.
/// Formatting is idempotent, and printing then parsing gives the same tree.
/// </summary>
internal sealed class Formatter
{
    readonly SpecSyntax spec;
    readonly StringBuilder sb = new();
    readonly Queue<(int Start, string Text)> comments;
    string indent = "";

    Formatter(SpecSyntax spec)
    {
        this.spec = spec;
        comments = new Queue<(int, string)>(spec.Comments.OrderBy(c => c.Start));
    }

    public static string Format(SpecSyntax spec) => new Formatter(spec).Run();

    string Run()
    {
        string? lastKind = null;
        foreach (var item in spec.Items)
        {
            var kind = item.GetType().Name;
            bool oneLiner = item is ParamSyntax or LatentSyntax or LossSyntax or OptimizerSyntax or HeaderSyntax or SourceSyntax
                or UseSyntax;
            bool sameGroup = lastKind == kind || (lastKind is "HeaderSyntax" && kind is "SourceSyntax");
            if (lastKind is not null && !(oneLiner && sameGroup)) sb.Append('\n');
            // A one-line item is printed on one line: comments inside it (a loss written over several
            // lines) go above it, in order; a comment after its last token stays trailing.
            LeadingComments(oneLiner ? item.Span.End : item.Span.Start);
            Item(item);
            TrailingComment(item.Span.End);
            lastKind = kind;
        }
        while (comments.Count > 0)
        {
            if (sb.Length > 0 && spec.Items.Count > 0) sb.Append('\n');
            sb.Append('#').Append(Pad(comments.Dequeue().Text)).Append('\n');
        }
        return sb.ToString();
    }

    static string Pad(string text) => text.Length == 0 || text.StartsWith(' ') ? text : " " + text;

    void LeadingComments(int before)
    {
        while (comments.Count > 0 && comments.Peek().Start < before)
            sb.Append(indent).Append('#').Append(Pad(comments.Dequeue().Text)).Append('\n');
    }

    /// <summary>A comment trails code when only blanks and ';' separate it from the code's last token.</summary>
    void TrailingComment(int end)
    {
        var src = spec.Source;
        if (comments.Count > 0 && comments.Peek().Start >= end
            && src.LineIndex(comments.Peek().Start) == src.LineIndex(Math.Max(0, end - 1))
            && src.Text[end..comments.Peek().Start].All(c => c is ' ' or '\t' or ';'))
        {
            sb.Length -= 1; // drop the newline
            sb.Append("  #").Append(Pad(comments.Dequeue().Text)).Append('\n');
        }
    }

    void Line(string text) => sb.Append(indent).Append(text).Append('\n');

    void Item(ItemSyntax item)
    {
        switch (item)
        {
            case HeaderSyntax h: Line($"gan {h.Name.Text}" + (h.Description is null ? "" : " " + Str(h.Description.Text))); break;
            case SourceSyntax s: Line($"source {Str(s.Text.Text)}"); break;
            case UseSyntax u: Line($"use {Str(u.Path.Text)}"); break;
            case ParamSyntax p: Line($"param {p.Name.Text}{(p.Type is null ? "" : ": " + p.Type.Text)} = {Expr(p.Value)}"); break;
            case DataSyntax d: Line($"data {Expr(d.Source)}"); break;
            case LatentSyntax l: Line($"latent {l.Name.Text} = {Expr(l.Distribution)}"); break;
            case LossSyntax l: Line($"loss {l.Name.Text} = {Expr(l.Value)}"); break;
            case OptimizerSyntax o: Line($"optimizer {o.Name.Text} = {Expr(o.Kind)} minimize {o.Loss.Text}"); break;
            case BlockSyntax b: Body($"block {b.Name.Text}({Params(b.Parameters)})", b.Body, b.Span.End); break;
            case NetworkSyntax n: Body($"network {n.Name.Text}({Params(n.Inputs)})", n.Body, n.Span.End); break;
            case SettingsSyntax s:
                Line($"{s.Keyword.Text} {{");
                indent += "  ";
                foreach (var setting in s.Settings)
                {
                    LeadingComments(setting.Span.End);
                    Line($"{setting.Key.Text}: {Expr(setting.Value)}");
                    TrailingComment(setting.Span.End);
                }
                LeadingComments(s.Span.End);
                indent = indent[..^2];
                Line("}");
                break;
        }
    }

    string Params(IReadOnlyList<ParameterSyntax> ps) =>
        string.Join(", ", ps.Select(p => p.Name.Text + (p.Type is null ? "" : ": " + Expr(p.Type))
                                         + (p.Default is null ? "" : " = " + Expr(p.Default))));

    void Body(string head, IReadOnlyList<StatementSyntax> body, int end)
    {
        Line(head + " {");
        Statements(body, end);
        Line("}");
    }

    void Statements(IReadOnlyList<StatementSyntax> body, int end)
    {
        indent += "  ";
        foreach (var st in body)
        {
            LeadingComments(st is IfSyntax or ResidualSyntax ? st.Span.Start : st.Span.End);
            switch (st)
            {
                case LayerSyntax l: Line(Expr(l.Call) + (l.Quirk is null ? "" : " quirk " + Str(l.Quirk.Text))); break;
                case LetSyntax l: Line($"let {l.Name.Text}"); break;
                case FromSyntax f: Line($"from {f.Name.Text}"); break;
                case OutputSyntax o: Line($"output {o.Name.Text}"); break;
                case InitSyntax i: Line($"init {Expr(i.Init)}"); break;
                case IfSyntax f:
                    Line($"if {Expr(f.Condition)} {{");
                    Statements(f.Then, f.Else is null ? f.Span.End : ElseKeyword(f));
                    if (f.Else is not null)
                    {
                        Line("} else {");
                        Statements(f.Else, f.Span.End);
                    }
                    Line("}");
                    break;
                case ResidualSyntax r:
                    Line("residual {");
                    Statements(r.Main, r.ShortcutKeyword?.Span.Start ?? r.Span.End);
                    if (r.Shortcut is not null)
                    {
                        Line("} shortcut {");
                        Statements(r.Shortcut, r.Span.End);
                    }
                    Line("}");
                    break;
            }
            TrailingComment(st.Span.End);
        }
        LeadingComments(end);
        indent = indent[..^2];
    }

    /// <summary>Offset of the <c>else</c> of an if: comments before it close the then-branch, later ones open the else-branch.</summary>
    int ElseKeyword(IfSyntax f)
    {
        var text = spec.Source.Text;
        int from = f.Then.Count > 0 ? f.Then[^1].Span.End : f.Condition.Span.End;
        int to = f.Else is { Count: > 0 } e ? e[0].Span.Start : f.Span.End;
        for (int i = from; i < to; i++)
        {
            if (text[i] == '#') { while (i < to && !SourceText.IsLineBreak(text[i])) i++; continue; }
            if (string.CompareOrdinal(text, i, "else", 0, 4) == 0) return i;
        }
        return to;
    }

    static string Str(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\"";

    static int Precedence(ExpressionSyntax e) => e switch
    {
        BinarySyntax { Operator.Kind: TokenKind.Plus or TokenKind.Minus } => 1,
        BinarySyntax => 2,
        UnarySyntax => 3,
        _ => 4,
    };

    public static string Expr(ExpressionSyntax e) => e switch
    {
        NumberSyntax n => n.Token.Text,
        StringSyntax s => Str(s.Value),
        NameSyntax n => n.Name.Text,
        CallSyntax c => c.HasParens
            ? $"{c.Name.Text}("
              + $"{string.Join(", ", c.Arguments.Select(a => (a.Keyword is null ? "" : a.Keyword.Text + ": ") + Expr(a.Value)))})"
            : c.Name.Text,
        ListSyntax l => "[" + string.Join(", ", l.Items.Select(Expr)) + "]",
        ParenthesizedSyntax p => "(" + Expr(p.Inner) + ")",
        UnarySyntax u => u.Operator.Text + Operand(u.Operand, 3, false),
        BinarySyntax b => $"{Operand(b.Left, Precedence(b), false)} {b.Operator.Text} {Operand(b.Right, Precedence(b), true)}",
        MemberSyntax m => Expr(m.Target) + "." + m.Member.Text,
        KeywordItemSyntax k => k.Keyword.Text + ": " + Expr(k.Value),
        EveryItemSyntax every => Expr(every.Item) + " every " + Expr(every.Count),
        _ => "",
    };

    // The tree is kept as parsed: an operand of lower precedence can only come from explicit parentheses,
    // which are ParenthesizedSyntax nodes and print themselves. So no parentheses are added here.
    static string Operand(ExpressionSyntax e, int parent, bool right) => Expr(e);
}
