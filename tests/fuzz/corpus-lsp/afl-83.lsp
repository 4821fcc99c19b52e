Content-Length: 58

{"jsonrpc":"2.0","id":1,"methoH":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","methbd":"initialized","params":{}}Content-Length: 334

{"jsonrpc":"2.0Document/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/aws\"\n\ntemplate Base {\n  topoigh = errors > 1% for 3 of 5 }\n  codeback_on = high\n}\n\npipeline P extends Base {\n  artifact = \"a\"\n}\n"}}}Content-Length: 161

{"ontent-Length: 128

{"lsp

{"3

{"j