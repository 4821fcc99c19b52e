Content-Length: 58

{"jsonrpc":"2.0","Cont



tent9Length: 5

{not}Cngth: 5Con