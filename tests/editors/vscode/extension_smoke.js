// Loads editors/vscode/extension.js with stub `vscode` and
// `vscode-languageclient/node` modules and checks what it would start:
// `<pipe.server.path> lsp` over stdio for .pipe documents.
// Usage: node extension_smoke.js EXTENSION_DIR   (prints `ok ...`/`not ok ...`)
'use strict';

const path = require('path');
const Module = require('module');

const extDir = path.resolve(process.argv[2]);
const results = [];
const check = (ok, name, detail) => results.push(`${ok ? 'ok' : 'not ok'} ${name}${ok || !detail ? '' : ': ' + detail}`);

const settings = { 'server.path': 'tools/pipec', 'server.args': ['--stdlib', 'stdlib'] };
const started = [];
const commands = {};
const vscodeStub = {
  workspace: {
    getConfiguration: (section) => ({ get: (key) => (section === 'pipe' ? settings[key] : undefined) }),
    createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  window: {
    createOutputChannel: (name) => ({ name, dispose() {}, appendLine() {} }),
    showWarningMessage: (msg) => { started.push({ warning: msg }); },
  },
  commands: { registerCommand: (id, fn) => { commands[id] = fn; return { dispose() {} }; } },
};
class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    Object.assign(this, { id, name, serverOptions, clientOptions, running: false });
    started.push(this);
  }
  async start() { this.running = true; }
  async stop() { this.running = false; }
}
const lcStub = { LanguageClient, TransportKind: { stdio: 0, ipc: 1 }, RevealOutputChannelOn: { Never: 4 } };

const realLoad = Module._load;
Module._load = function (request, parent, isMain) {
  if (request === 'vscode') return vscodeStub;
  if (request === 'vscode-languageclient/node') return lcStub;
  return realLoad.call(this, request, parent, isMain);
};

(async () => {
  const pkg = require(path.join(extDir, 'package.json'));
  const ext = require(path.join(extDir, pkg.main));
  const context = { subscriptions: [] };
  await ext.activate(context);
  const c = started[0];
  check(c instanceof LanguageClient, 'extension: activate starts a language client', JSON.stringify(started[0]));
  if (c instanceof LanguageClient) {
    const run = c.serverOptions.run;
    check(run.command === 'tools/pipec' && JSON.stringify(run.args) === '["lsp","--stdlib","stdlib"]' && run.transport === 0,
      'extension: runs `<pipe.server.path> lsp` over stdio', JSON.stringify(run));
    check(c.clientOptions.documentSelector.some((s) => s.language === 'pipe' && s.scheme === 'file'),
      'extension: document selector is the pipe language', JSON.stringify(c.clientOptions.documentSelector));
    check(c.running, 'extension: client started');
  }
  check(typeof commands['pipe.restartServer'] === 'function', 'extension: pipe.restartServer command registered');
  if (commands['pipe.restartServer']) {
    await commands['pipe.restartServer']();
    check(started.length === 2 && !started[0].running && started[1].running, 'extension: restart stops the old client and starts a new one');
  }
  await ext.deactivate();
  check(started.every((s) => !s.running), 'extension: deactivate stops the client');

  // The manifest's contributions point at files that exist and parse.
  const fs = require('fs');
  const contrib = pkg.contributes;
  const files = [
    ...contrib.languages.map((l) => l.configuration),
    ...contrib.grammars.map((g) => g.path),
    ...contrib.snippets.map((s) => s.path),
  ];
  for (const f of files) {
    let ok = false, why = '';
    try { JSON.parse(fs.readFileSync(path.join(extDir, f), 'utf8')); ok = true; } catch (e) { why = e.message; }
    check(ok, `manifest: ${f} exists and is JSON`, why);
  }
  check(contrib.configuration.properties['pipe.server.path'].default === 'pipec', 'manifest: pipe.server.path defaults to pipec');
  check(contrib.languages[0].extensions.includes('.pipe'), 'manifest: .pipe files are the pipe language');
  const snippets = JSON.parse(fs.readFileSync(path.join(extDir, contrib.snippets[0].path), 'utf8'));
  const prefixes = Object.values(snippets).flatMap((s) => [].concat(s.prefix));
  check(['pipeline', 'wave', 'stage', 'alarm', 'notify'].every((p) => prefixes.includes(p)), 'snippets: pipeline, wave, stage, alarm, notify', prefixes.join(','));
  console.log(results.join('\n'));
})().catch((e) => {
  console.log(results.join('\n'));
  console.log(`not ok extension: smoke test threw: ${e && e.stack}`);
});
