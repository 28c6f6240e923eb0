namespace Gan.Runtime.Errors;

/// <summary>
/// Bad input from the user (data, checkpoint, argument values, a run folder). The CLI prints
/// <see cref="Exception.Message"/> as it is and exits with code 1, without a stack trace, so the
/// message must say what is wrong, where, and how to fix it.
/// </summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message) : base(message) { }
    public UserInputException(string message, Exception inner) : base(message, inner) { }
}
