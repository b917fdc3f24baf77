// The TextMate grammar, run by the engine VS Code uses (vscode-textmate on the
// Oniguruma regex library): it loads, tokenises every shipped detection and ends
// each file with nothing left open, gives every keyword of grammar/scalpel.pest a
// keyword scope, and scopes a sample of each construct as documented. The
// manifest's paths and scope name agree with the files they name.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = path.join(__dirname, "..");
const repo = path.join(here, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
const grammarPath = path.join(here, manifest.contributes.grammars[0].path);

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.scalpel" ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath) : null,
  });
  return registry.loadGrammar("source.scalpel");
}

const grammar = loadGrammar();

/** The state between top-level items: the grammar's root rule, nothing open. */
async function rootState() {
  return (await grammar).tokenizeLine("", vsctm.INITIAL).ruleStack;
}

/** Each line's tokens as [text, scopes], and the state after the last line. */
async function tokenize(text) {
  const g = await grammar;
  let state = vsctm.INITIAL;
  const lines = text.split(/\r?\n/).map((line) => {
    const result = g.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes]);
  });
  return { lines, state };
}

/** The innermost scope of the token whose text is `word` on a one-line input. */
async function scopeOf(line, word) {
  const { lines } = await tokenize(line);
  const token = lines[0].find(([text]) => text === word);
  assert.ok(token, `no token \`${word}\` in ${JSON.stringify(lines[0])}`);
  return token[1][token[1].length - 1];
}

function detFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return detFiles(full);
    return entry.name.endsWith(".det") ? [full] : [];
  });
}

test("every shipped detection tokenises and closes every string and comment", async () => {
  const files = detFiles(path.join(repo, "detections"));
  assert.ok(files.length >= 30, `the shipped detections are found (${files.length})`);
  let lines = 0;
  for (const file of files) {
    const result = await tokenize(fs.readFileSync(file, "utf8"));
    lines += result.lines.length;
    assert.ok(result.state.equals(await rootState()), `${file} ends inside a string, regex or comment`);
    for (const tokens of result.lines) {
      for (const [text, scopes] of tokens) {
        assert.ok(!scopes.some((s) => s.startsWith("invalid")), `${file}: \`${text}\` is invalid`);
      }
    }
  }
  console.log(`tokenised ${files.length} files, ${lines} lines`);
});

test("every keyword of the pest grammar is highlighted", async () => {
  const pest = fs.readFileSync(path.join(repo, "grammar", "scalpel.pest"), "utf8");
  const keywords = [...pest.matchAll(/^kw_\w+\s*=\s*@\{\s*"(\w+)"/gm)].map((m) => m[1]);
  assert.ok(keywords.length >= 30, `keywords found in the pest grammar (${keywords.length})`);
  const highlighted = /^(keyword|support\.type|constant\.language)\./;
  for (const word of keywords) {
    const scope = await scopeOf(`${word} `, word);
    assert.match(scope, highlighted, `\`${word}\` is ${scope}`);
  }
});

test("constructs get their scopes", async () => {
  const cases = [
    ["schema biosensor {", "schema", "keyword.declaration.schema.scalpel"],
    ["schema biosensor {", "biosensor", "entity.name.type.schema.scalpel"],
    ["    step tamper \"Données 𝄞\" {", "tamper", "entity.name.function.scalpel"],
    ["    step tamper \"Données 𝄞\" {", "Données 𝄞", "string.quoted.double.scalpel"],
    ["        technique T1565.002, T0832", "T1565.002", "constant.other.technique.scalpel"],
    ["        technique T1565.002, T0832", "T0832", "constant.other.technique.scalpel"],
    ["        source biosensor", "biosensor", "entity.name.type.schema.scalpel"],
    ["        severity critical", "critical", "constant.language.severity.scalpel"],
    ["    origin theoretical", "theoretical", "constant.language.origin.scalpel"],
    ["        detect heart_rate > 250 or signature.valid == false", "signature.valid", "variable.other.field.scalpel"],
    ["        detect heart_rate > 250 or signature.valid == false", "250", "constant.numeric.scalpel"],
    ["        detect heart_rate > 250 or signature.valid == false", "==", "keyword.operator.comparison.scalpel"],
    ["        detect heart_rate > 250 or signature.valid == false", "false", "constant.language.boolean.scalpel"],
    ["        detect heart_rate > 250 or signature.valid == false", "or", "keyword.operator.word.scalpel"],
    // A keyword inside a dotted field name is part of the name.
    ["        detect event.count == 1", "event.count", "variable.other.field.scalpel"],
    ["        detect command matches /^(reset|halt)\\/x/i", "^(reset|halt)", "string.regexp.scalpel"],
    ["        detect command matches /^(reset|halt)\\/x/i", "i", "keyword.other.flag.scalpel"],
    ["        threshold count > 20 within 1m by device.id", "1m", "constant.numeric.duration.scalpel"],
    ["        detect source.ip not in cidr \"10.0.0.0/8\"", "cidr", "keyword.operator.word.scalpel"],
    ["        detect source.ip == 10.20.0.1", "10.20.0.1", "constant.numeric.ip.scalpel"],
    ["    heart_rate int unit \"bpm\" range 0..350", "0", "constant.numeric.scalpel"],
    ["    heart_rate int unit \"bpm\" range 0..350", "..", "keyword.operator.range.scalpel"],
    ["    heart_rate int unit \"bpm\" range 0..350", "350", "constant.numeric.scalpel"],
    ["    heart_rate int unit \"bpm\" range 0..350", "int", "support.type.scalpel"],
    ["        tamper -> flood", "->", "keyword.operator.then.scalpel"],
    ["    // a comment with detect in it", "// a comment with detect in it", "comment.line.double-slash.scalpel"],
    ["    reference \"a \\\"quoted\\\" word\"", "\\\"", "constant.character.escape.scalpel"],
  ];
  for (const [line, word, expected] of cases) {
    assert.equal(await scopeOf(line, word), expected, `\`${word}\` in \`${line}\``);
  }
});

test("an unterminated string ends with its line, and block comments span lines", async () => {
  const { lines, state } = await tokenize('description "open\ndetect a == 1\n/* one\ntwo */ flow');
  assert.equal(lines[1][0][1].at(-1), "keyword.other.clause.scalpel");
  assert.equal(lines[2][0][1].at(-1), "punctuation.definition.comment.scalpel");
  assert.equal(lines[3].at(-1)[1].at(-1), "keyword.declaration.flow.scalpel");
  assert.ok(state.equals(await rootState()));
});

test("the manifest names files that exist and agree", () => {
  const g = JSON.parse(fs.readFileSync(grammarPath, "utf8"));
  assert.equal(g.scopeName, manifest.contributes.grammars[0].scopeName);
  assert.equal(manifest.contributes.grammars[0].language, manifest.contributes.languages[0].id);
  const config = JSON.parse(fs.readFileSync(path.join(here, manifest.contributes.languages[0].configuration), "utf8"));
  assert.equal(config.comments.lineComment, "//");
  assert.deepEqual(config.comments.blockComment, ["/*", "*/"]);
  assert.ok(fs.existsSync(path.join(here, manifest.main)));
  // The word pattern keeps dotted field names and technique ids whole (completion replaces them).
  const word = new RegExp(config.wordPattern, "g");
  assert.deepEqual("image.source == T1565.002".match(word), ["image.source", "T1565.002"]);
});
