Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {\n  topology = aws\b /alarmd { high = errors X 1% for 3 of 5 }\n  rollbackwave= high\n}\n\npipeline P extends Base {\n  Yrtifact!= \"a\"\n}\n"}}}Content-Length: 161

{"jsonrpc":"2.0","id":2,"method":"textDocument/completiÿ","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe"},"position":{"line":5, character":16}}}Content-Length: 128

{"jsonrpc":"2.0","id":3,"methotextDocument/documentSymbol","paContent-Length"method":: 58

{"jsonrpc":"2.0",:1,"metrams":{"textDocumenon-LenIth: