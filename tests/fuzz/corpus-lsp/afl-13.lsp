Connt

Content-Length: 5

{not

Content-Length: 5

{not

Content-t}Con9

