Cont
Content-Length: 5

“n"range":-lsp/a.p

