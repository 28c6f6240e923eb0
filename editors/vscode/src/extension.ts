// The GanDsl extension: starts the `gan lsp` language server over stdio for .gan files. Highlighting comes from the
// TextMate grammar (syntaxes/gan.tmLanguage.json) and works without the server.
import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions } from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

type Overrides = Record<string, string | number | boolean>;

/** The `gan` executable: gan.path as set, a relative path taken from the first workspace folder. */
export function serverCommand(config: vscode.WorkspaceConfiguration): string {
    const configured = (config.get<string>("path") ?? "").trim() || "gan";
    const isPath = configured.includes("/") || configured.includes("\\");
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return isPath && !path.isAbsolute(configured) && folder ? path.join(folder, configured) : configured;
}

function overrides(config: vscode.WorkspaceConfiguration): Overrides {
    return config.get<Overrides>("set") ?? {};
}

function createClient(): LanguageClient {
    const config = vscode.workspace.getConfiguration("gan");
    const command = serverCommand(config);
    // stdio is the default; naming TransportKind.stdio would append --stdio to the arguments.
    const serverOptions: ServerOptions = { command, args: ["lsp"] };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: "file", language: "gan" },
            { scheme: "untitled", language: "gan" },
        ],
        // The server reads { set: { name: value } } at start and { gan: { set: ... } } on each change of the settings.
        initializationOptions: { set: overrides(config) },
        synchronize: { configurationSection: "gan" },
        outputChannel: output,
    };
    // The id "gan" makes the client follow the gan.trace.server setting.
    return new LanguageClient("gan", "GanDsl", serverOptions, clientOptions);
}

async function start(): Promise<void> {
    const next = createClient();
    client = next;
    try {
        await next.start();
    } catch (e) {
        const command = serverCommand(vscode.workspace.getConfiguration("gan"));
        const reason = e instanceof Error ? e.message : String(e);
        output?.appendLine(`Could not start '${command} lsp': ${reason}`);
        const choice = await vscode.window.showErrorMessage(
            `GanDsl: could not start the language server '${command} lsp' (${reason}). Put gan on PATH or set gan.path ` +
                "to the gan executable; highlighting works without it.",
            "Open Settings");
        if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "gan.path");
    }
}

async function stop(): Promise<void> {
    const running = client;
    client = undefined;
    if (running?.isRunning()) await running.stop();
}

async function restart(): Promise<void> {
    await stop();
    await start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    output = vscode.window.createOutputChannel("GanDsl");
    context.subscriptions.push(
        output,
        vscode.commands.registerCommand("gan.restartServer", restart),
        vscode.workspace.onDidChangeConfiguration(e => {
            // gan.set reaches the running server as workspace/didChangeConfiguration; another executable needs a restart.
            if (e.affectsConfiguration("gan.path")) void restart();
        }),
    );
    await start();
}

export async function deactivate(): Promise<void> {
    await stop();
}
