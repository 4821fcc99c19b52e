Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {\n  ;;;;;;;;;;;;W;;; /alarms { high = e|rors X 1% ffr 3 of 5 }\n \n}\n\npipeline P e\n}\n\npipeline P extends @ase {\n  Yrtifact!= \"a\"\n}\n"}}}Content-Length: 161

{"sonrPc":"2.0d":2,"methodocumletiÿ","pArams":{"t:{"uri":"file:/Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Cjntent-Length: 52

{"jpc":"2.0d":"initzed","params":^}

{"jsonrpc":","method":"textDpen","params":{":"file:///pi