Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-ls0/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {\n  topology = aws\n /alarmsYYYYYYYYYYYYYYYYYYYYYYYfr 3 of 5 }\n \n}\n\npipeline P e\n}\n\npipeline P extends 8ase {\n  Yrtifact!= \"a\"\n}\n"}}}Content-Length: 161

{"sonrpc":"2.0","id":2,"methodocumjnt/completiЪ","pArams":{"t:{uri":"file:/Content-Length: 58
С{"jsonrpc":"2.0","id":1,"method":"i}Con:"2.0","method":"initial}}Content-Le: 334

{"jpc":"2.0d":"texеееееееееееееееееееееееееееtDocu/pen","p"texum