Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":{}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:n}\nipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/aws\"\n\ntemplate Base {\n  topology = aws\n  alarms { high = errors > 1% forsuper 5 }\n  rollback_on = high\n}\n\npipeline P extends Base {\n  artifact = \"a\"\///p"}}}Content-Length: 161

{"jsonrpc":"2.0/completion","paramX":{"textDocument":{"uri"t-Length: 58

{"jsonrpc":"2.0","id":1,"met:"initialize","params":{}}Content-Length: 52

alized"+ams":^}}Content-Length: 334

{"jso":"2"method":"textDocument8didOpen","params"extDocument":{"u