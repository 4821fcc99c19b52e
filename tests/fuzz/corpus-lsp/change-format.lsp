Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":{}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/aws\"\n\ntemplate Base {\n  topology = aws\n  alarms { high = errors > 1% for 3 of 5 }\n  rollback_on = high\n}\n\npipeline P extends Base {\n  artifact = \"a\"\n}\n"}}}Content-Length: 337

{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","version":2},"contentChanges":[{"text":"import \"std/aws\"\n\ntemplate Base {\n  topology = aws\n  alarms { hihg = errors > 1% for 3 of 5 }\n  rollback_on = high\n}\n\npipeline P extends Base {\n  artifact = \"a\"\n}\n"}]}}Content-Length: 168

{"jsonrpc":"2.0","id":2,"method":"textDocument/formatting","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"},"options":{"tabSize":2,"insertSpaces":true}}}Content-Length: 228

{"jsonrpc":"2.0","id":3,"method":"textDocument/codeAction","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"},"range":{"start":{"line":5,"character":0},"end":{"line":5,"character":20}},"context":{"diagnostics":[]}}}Content-Length: 115

{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"}}}Content-Length: 45

{"jsonrpc":"2.0","id":99,"method":"shutdown"}Content-Length: 33

{"jsonrpc":"2.0","method":"exit"}