namespace Gan.Dsl.Diagnostics;

/// <summary>
/// How <c>gan check</c> writes its diagnostics: <see cref="Text"/> for people (<c>path:line:col: error GAN0306: message</c>
/// and the source line), <see cref="Json"/> as data, <see cref="MsBuild"/> in MSBuild's canonical error format (absolute
/// paths), <see cref="GitHub"/> as GitHub Actions workflow commands, <see cref="Sarif"/> as a SARIF 2.1.0 log.
/// </summary>
public enum ReportFormat { Text, Json, MsBuild, GitHub, Sarif }
