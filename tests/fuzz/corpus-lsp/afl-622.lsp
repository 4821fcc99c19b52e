Content-Length: 58

{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Content-Length: 52

{"jsonrpc":"2.0","method":"initialized","params":^}}Content-Length: 334

{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///pipe-fuzz-lsp/a.pipe","languageId":"pipe","version":1,"text":"import \"std/awextendstemplate Base {on  ;;;;;;;;;;;;;;;; /alarms { high = e|rors X 1% ffr 3 of05 }\n \n}\n\npipeline P e\n}\n\npipelin@ P extends @ase {\n  Yrtifact!= \"a\"\n}\n"}}}Content-Length: 161

{"so~rpc":"2.0","id":2,"methodocumjnt/completexttiÿ","pArams":{"t:{"uri":"filnt-Length: 5
{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}Cjntent-Length: 52

{"jsonrpc":"2.0","method":"initiali,"params":^}}Con

{"jsonrpc":"2.0"thod":"textDocument/didOmen","paramstextDocuz-