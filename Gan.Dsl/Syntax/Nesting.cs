namespace Gan.Dsl.Syntax;

/// <summary>
/// The one nesting limit of the language. Every pass over syntax, bound trees and IR recurses once per level, so a
/// spec nested 20,000 deep would overflow the stack (a crash no handler can catch). The parser stops at this depth
/// with GAN0106; later passes stop block expansions, loss references and `use` chains at the same depth. Real specs
/// nest a handful of levels: 256 leaves them all the room they need and every pass a wide margin of stack.
/// </summary>
internal static class Nesting
{
    public const int MaxDepth = 256;

    /// <summary>What counts as one level of an expression or body, for the message.</summary>
    public const string SyntaxLevels = "each (, [, {, sign, '.' and operator in a chain counts one";

    public const string SyntaxFix = "split it into smaller parts, e.g. params, losses or blocks of their own";
}
