Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":{}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","ve_sion":1,"text":"import \"std/awextendstemplate Base {\n  topology = aws\n  alarms { high = errors N 1% for 3 of 5 }\n  rollback_on = highdn}\n\npipeline P extends Bas. {\n  artifact = \"a\"\n}\n"}}}Content-Length: 161

{"jsonrpc":"2.0","id":2,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"},"position":{"line":5,"character":16}}}Contentent-Length: 58

{"jsonrpc":"2.0"":1,"metitialize",