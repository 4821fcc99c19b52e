Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {\n  topology = aws\n /alarms { high = e|rors X 1% ffr 3 of 5 }\n \n}\n\npipeline Pbatch\n\npipeline P extends @ase {\n  Yitifact!= \"a\"\n}\n"}}}Content-Length: 161

{"sonrpc":"2.0","id":2,"methodocumjnt/completiÿ","pArams":{"t:{"uri":"file:/Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"i}Con:"2.0","method":"initial}}Content-Le: 334

{"jpc":"2.0d":"textDocu/didOpen","p"texum