// The bundled client (dist/extension.js) outside VS Code: a stand-in for the `vscode` module, and a stand-in `gan` (this
// file run with --server) that records how it was started and the `initialize` request it got. Checks that activating
// the extension for a .gan file starts `<gan.path> lsp` over stdio with gan.set as initializationOptions.set, that the
// server's capabilities are taken, and that deactivating shuts the server down (shutdown, then exit). `npm test` runs it
// after `npm run build`.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const Module = require("module");

// --- The stand-in server: Content-Length framing on stdio, as `gan lsp`. -----------------------------------------------
function server(record) {
    const log = entry => fs.appendFileSync(record, JSON.stringify(entry) + "\n");
    log({ argv: process.argv.slice(4) });
    let buffer = Buffer.alloc(0);
    const send = message => {
        const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...message }), "utf8");
        process.stdout.write(`Content-Length: ${body.length}\r\n\r\n`);
        process.stdout.write(body);
    };
    process.stdin.on("data", chunk => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
            const end = buffer.indexOf("\r\n\r\n");
            if (end < 0) return;
            const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString("ascii"))[1]);
            if (buffer.length < end + 4 + length) return;
            const message = JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString("utf8"));
            buffer = buffer.subarray(end + 4 + length);
            log({ method: message.method, params: message.params });
            if (message.method === "initialize")
                send({ id: message.id, result: { capabilities: { textDocumentSync: 1, hoverProvider: true },
                                                  serverInfo: { name: "gan" } } });
            else if (message.method === "shutdown") send({ id: message.id, result: null });
            else if (message.method === "exit") process.exit(0);
            else if (message.id !== undefined) send({ id: message.id, error: { code: -32601, message: "not here" } });
        }
    });
}

// --- A stand-in for the `vscode` module: anything not given below is a callable, constructible no-op. ----------------
function stub(name, given = {}) {
    const target = function () { };
    return new Proxy(target, {
        get(_, key) {
            if (key in given) return given[key];
            if (key === "then") return undefined;             // not a promise
            if (key === Symbol.toPrimitive) return () => name;
            if (key === Symbol.iterator) return undefined;
            return stub(`${name}.${String(key)}`);
        },
        // Own keys for esbuild's import * as vscode, which copies the module's own properties.
        ownKeys: () => [...Object.keys(given), "prototype"],
        getOwnPropertyDescriptor: (t, key) => key === "prototype" ? Reflect.getOwnPropertyDescriptor(t, key)
            : key in given ? { value: given[key], configurable: true, enumerable: true, writable: true } : undefined,
        apply: () => stub(`${name}()`, { dispose() { } }),
        construct: () => stub(`new ${name}`, { dispose() { } }),
    });
}

/** Activates and deactivates the bundled extension with gan.path = GAN; returns the error messages it showed. */
async function activateWith(gan) {
    const settings = { path: gan, set: { ch: 16, data_dir: "/data/faces" }, "trace.server": "off" };
    const errors = [];
    const vscode = stub("vscode", {
        version: "1.82.0",
        workspace: stub("vscode.workspace", {
            workspaceFolders: undefined,
            textDocuments: [],
            getConfiguration: section => ({
                get: (key, fallback) => section === "gan" && key in settings ? settings[key] : fallback,
                has: key => section === "gan" && key in settings,
            }),
        }),
        commands: stub("vscode.commands"),
        window: stub("vscode.window", {
            showErrorMessage: async (...args) => { errors.push(args[0]); return undefined; },
        }),
    });
    const load = Module._load;
    Module._load = function (request, ...rest) {
        return request === "vscode" ? vscode : load.call(this, request, ...rest);
    };
    const bundle = path.resolve(__dirname, "..", "dist", "extension.js");
    delete require.cache[bundle];
    const extension = require(bundle);
    try {
        await extension.activate({ subscriptions: [], extensionPath: path.resolve(__dirname, "..") });
        await extension.deactivate();
    } finally {
        Module._load = load;
    }
    await new Promise(resolve => setTimeout(resolve, 300));   // the stand-in writes its last lines
    return { errors, settings };
}

async function client() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gandsl-client-"));
    const record = path.join(dir, "server.jsonl");
    const gan = path.join(dir, "gan");
    fs.writeFileSync(gan, `#!/bin/sh\nexec "${process.execPath}" "${__filename}" --server "${record}" "$@"\n`, { mode: 0o755 });
    const { errors, settings } = await activateWith(gan);
    const lines = fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n").map(l => JSON.parse(l)) : [];

    const problems = [];
    if (errors.length) problems.push(`the extension reported: ${errors.join("; ")}`);
    const argv = lines.find(l => l.argv)?.argv;
    if (JSON.stringify(argv) !== JSON.stringify(["lsp"])) problems.push(`the server was started with ${JSON.stringify(argv)}, not ["lsp"]`);
    const init = lines.find(l => l.method === "initialize");
    if (!init) problems.push("no initialize request reached the server");
    else if (JSON.stringify(init.params.initializationOptions) !== JSON.stringify({ set: settings.set }))
        problems.push(`initializationOptions ${JSON.stringify(init.params.initializationOptions)}, not { set: gan.set }`);
    const methods = lines.filter(l => l.method).map(l => l.method);
    for (const m of ["initialized", "shutdown", "exit"])
        if (!methods.includes(m)) problems.push(`the server never got '${m}' (it got: ${methods.join(", ")})`);
    if (methods.indexOf("shutdown") > methods.indexOf("exit")) problems.push("'exit' came before 'shutdown'");
    // A gan that is not there: one message naming it and gan.path, and activation still succeeds (highlighting stays).
    const missing = path.join(dir, "no-such-gan");
    const shown = (await activateWith(missing)).errors;
    if (!shown.some(m => m.includes(missing) && m.includes("gan.path")))
        problems.push(`with a missing gan, the extension showed ${JSON.stringify(shown)}, not a message naming it and gan.path`);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const p of problems) console.error(p);
    console.log(`client: ${problems.length === 0 ? "ok" : "failed"}: started '${path.basename(gan)} ${argv?.join(" ")}', `
        + `messages ${methods.join(", ")}; without gan: ${JSON.stringify(shown)}`);
    process.exitCode = problems.length === 0 ? 0 : 1;
}

if (process.argv[2] === "--server") server(process.argv[3]);
else client().catch(e => { console.error(e && e.stack || e); process.exitCode = 1; });
