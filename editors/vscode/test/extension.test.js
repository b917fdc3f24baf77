// The client glue in extension.js, with `vscode` and the language client replaced
// by recorders (VS Code itself cannot run here): activation starts `scalpel lsp`
// (or the configured executable) over stdio for `.det` files, the restart command
// stops the client and starts a new one, and deactivation stops it.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const Module = require("node:module");
const path = require("node:path");

const events = [];
let configured = undefined;
const fakes = {
  vscode: {
    workspace: {
      getConfiguration: (section) => ({ get: (key) => (section === "scalpel" && key === "server.path" ? configured : undefined) }),
      createFileSystemWatcher: (glob) => ({ glob }),
    },
    commands: { registerCommand: (name, run) => { events.push(["command", name]); return { name, run }; } },
  },
  "vscode-languageclient/node": {
    TransportKind: { stdio: 0 },
    LanguageClient: class {
      constructor(id, name, server, options) {
        this.server = server;
        this.options = options;
        events.push(["client", id, server.run.command, server.run.args, options.documentSelector]);
      }
      start() { events.push(["start", this.server.run.command]); return Promise.resolve(); }
      stop() { events.push(["stop"]); return Promise.resolve(); }
    },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request in fakes ? request : resolve.call(this, request, ...rest);
};
for (const [name, exports] of Object.entries(fakes)) {
  require.cache[name] = { id: name, filename: name, loaded: true, exports };
}
const extension = require(path.join(__dirname, "..", "extension.js"));

test("activation starts scalpel lsp, restart and deactivation stop it", async () => {
  const context = { subscriptions: [] };
  await extension.activate(context);
  const selector = [{ scheme: "file", language: "scalpel" }];
  assert.deepEqual(events.splice(0), [
    ["command", "scalpel.restartServer"],
    ["client", "scalpel", "scalpel", ["lsp"], selector],
    ["start", "scalpel"],
  ]);
  configured = "/opt/scalpel/bin/scalpel";
  await context.subscriptions[0].run();
  assert.deepEqual(events.splice(0), [
    ["stop"],
    ["client", "scalpel", "/opt/scalpel/bin/scalpel", ["lsp"], selector],
    ["start", "/opt/scalpel/bin/scalpel"],
  ]);
  await extension.deactivate();
  assert.deepEqual(events.splice(0), [["stop"]]);
});
