Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {\n  topology = aws\n /alarms { high = e|rors X 1% for 3 of 5 }\n  rollback_alarmsigh\n}\n\npipeline P extends{{{{{{{{{{{{{{{{{{{{{ \"a\"\n}\n"}}}Content-Lengt\: 161

{"sonrpc":"2.0","id":2,"methodextDocument/completiÿ","params":{t:{"uri":"file:/Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"i}Con:"2.0","method":"initial}}Content-Le: 334

{"jsonrpc":"2.0d":"textDocu/didOpen","params":{"textDocum