Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":{}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/aws\"\n\ntemplate Base {\n  topology = aws\n  alarms { high = ews\"\n\ntemplate Base }\n  rollback_on = high\n}\n\npipelioe P extends Base {\n  artifact = \"a\"\n}\n"}}}Content-Length: 156

{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"},"position":{"line":4,"character":12}}}Content-Length: 161

{"Content-Length: 58

{"jsonrpc":"2.0","id"