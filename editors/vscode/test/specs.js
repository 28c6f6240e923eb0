// The grammar on every real spec of the repository (specs/ and Gan.Tests/Golden/), checked against what the compiler
// says of them: the golden markers `#! GAN0102@COL` (a number that runs into letters) and `#! GAN0103@COL` (a string
// without its closing quote) must be where the grammar marks an invalid number or lets a string run to the line's end,
// no other number may be marked invalid, and each `#!` marker outside a string must be a comment.
// Run by `npm test`; exits 1 with one line per disagreement.
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = path.resolve(__dirname, "..", "..", "..");
const grammarPath = path.resolve(__dirname, "..", "syntaxes", "gan.tmLanguage.json");

function specFiles(dir) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return specFiles(full);
        return e.name.endsWith(".gan") ? [full] : [];
    });
}

async function loadGrammar() {
    const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: patterns => new oniguruma.OnigScanner(patterns),
            createOnigString: s => new oniguruma.OnigString(s),
        }),
        loadGrammar: async scope => scope === "source.gan"
            ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
            : null,
    });
    return registry.loadGrammar("source.gan");
}

/** A number (as the lexer reads it, taken whole) that runs into a letter: GAN0102's "cannot run into letters". */
const gluedNumber = /^(?=((?:[0-9][0-9_]*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?))\1[A-Za-z_]/;

/** The markers of a line: [{ code, col (0-based) }] and where the `#!` starts, or null. */
function markers(line) {
    const at = line.lastIndexOf("#!");
    if (at < 0) return { at: -1, list: [] };
    const list = [...line.slice(at).matchAll(/GAN(\d{4})@(\d+)/g)].map(m => ({ code: "GAN" + m[1], col: Number(m[2]) - 1 }));
    return { at, list };
}

function check(grammar, file) {
    const problems = [];
    const lines = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
    const rel = path.relative(root, file);
    let stack = vsctm.INITIAL;
    let stringOpen = false;
    lines.forEach((line, n) => {
        const { tokens, ruleStack } = grammar.tokenizeLine(line, stack);
        stack = ruleStack;
        const where = col => `${rel}:${n + 1}:${col + 1}`;
        const at = col => tokens.find(t => t.startIndex <= col && col < t.endIndex);
        if (stringOpen && tokens.length && tokens[0].scopes.includes("string.quoted.double.gan"))
            problems.push(`${where(0)}: a string of the line before runs on into this line`);
        const { at: markerAt, list } = markers(line);
        const invalid = tokens.filter(t => t.scopes.includes("invalid.illegal.number.gan"));
        for (const t of invalid)
            if (!list.some(m => m.code === "GAN0102" && m.col === t.startIndex))
                problems.push(`${where(t.startIndex)}: '${line.slice(t.startIndex, t.endIndex)}' is marked invalid, `
                    + "but the compiler accepts it");
        for (const m of list) {
            const t = at(m.col);
            if (m.code === "GAN0102" && gluedNumber.test(line.slice(m.col)) && !(t && t.scopes.includes("invalid.illegal.number.gan")))
                problems.push(`${where(m.col)}: GAN0102 (a number that runs into letters), but the grammar does not mark it invalid`);
            if (m.code === "GAN0103") {
                const last = tokens[tokens.length - 1];
                if (!(t && t.scopes.includes("string.quoted.double.gan") && last.scopes.includes("string.quoted.double.gan")))
                    problems.push(`${where(m.col)}: GAN0103 (an unterminated string), but no string runs from here to the line's end`);
            }
        }
        const markerToken = markerAt >= 0 ? at(markerAt) : undefined;
        const inString = markerToken && markerToken.scopes.includes("string.quoted.double.gan");
        if (markerToken && !inString && !markerToken.scopes.includes("comment.line.number-sign.gan"))
            problems.push(`${where(markerAt)}: the marker '#!' is not a comment (${markerToken.scopes.join(" ")})`);
        const lastToken = tokens[tokens.length - 1];
        stringOpen = !!lastToken && lastToken.scopes.includes("string.quoted.double.gan")
            && !lastToken.scopes.includes("punctuation.definition.string.end.gan");
    });
    return problems;
}

async function main() {
    const grammar = await loadGrammar();
    const files = [...specFiles(path.join(root, "specs")), ...specFiles(path.join(root, "Gan.Tests", "Golden"))].sort();
    if (files.length < 50) throw new Error(`only ${files.length} .gan files found under specs/ and Gan.Tests/Golden/`);
    const problems = files.flatMap(f => check(grammar, f));
    for (const p of problems) console.error(p);
    console.log(`specs: ${files.length} files, ${problems.length} disagreements with the compiler`);
    process.exitCode = problems.length === 0 ? 0 : 1;
}

main().catch(e => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
});
