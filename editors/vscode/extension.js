// VS Code client for the pipe language server (`pipec lsp`, JSON-RPC over stdio).
// Highlighting, snippets and brackets work without pipec; everything semantic
// (diagnostics, hover, definition, completion, formatting, symbols, code
// actions) comes from the server.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind, RevealOutputChannelOn } = require('vscode-languageclient/node');

let client;
let outputChannel;

function serverOptions() {
  const config = vscode.workspace.getConfiguration('pipe');
  const command = config.get('server.path') || 'pipec';
  const extraArgs = config.get('server.args') || [];
  const run = { command, args: ['lsp', ...extraArgs], transport: TransportKind.stdio };
  return { run, debug: run };
}

async function startClient(context) {
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'pipe' },
      { scheme: 'untitled', language: 'pipe' },
    ],
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.pipe'),
    },
    outputChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };
  client = new LanguageClient('pipe', 'pipe language server', serverOptions(), clientOptions);
  try {
    await client.start();
  } catch (err) {
    const path = vscode.workspace.getConfiguration('pipe').get('server.path') || 'pipec';
    vscode.window.showWarningMessage(
      `pipe: could not start \`${path} lsp\` (${err && err.message ? err.message : err}). ` +
        'Highlighting still works; set "pipe.server.path" to the pipec executable for diagnostics.'
    );
    client = undefined;
  }
}

async function stopClient() {
  if (!client) return;
  const c = client;
  client = undefined;
  try {
    await c.stop();
  } catch (_) {
    // The server may already be gone; nothing to clean up.
  }
}

async function activate(context) {
  outputChannel = vscode.window.createOutputChannel('pipe');
  context.subscriptions.push(outputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand('pipe.restartServer', async () => {
      await stopClient();
      await startClient(context);
    })
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('pipe.server')) {
        await stopClient();
        await startClient(context);
      }
    })
  );

  await startClient(context);
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
