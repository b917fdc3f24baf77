// The VS Code client of `scalpel lsp`: starts the server over stdio for `.det`
// files and restarts it on request. Every feature comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function start() {
  const command = vscode.workspace.getConfiguration("scalpel").get("server.path") || "scalpel";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  const options = {
    documentSelector: [{ scheme: "file", language: "scalpel" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.det,scalpel.toml}") },
  };
  client = new LanguageClient("scalpel", "Scalpel", { run: server, debug: server }, options);
  return client.start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("scalpel.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start();
    }),
  );
  return start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
