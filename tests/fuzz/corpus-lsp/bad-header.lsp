Content-Type: x

Content-Length: 5

{not}Content-Length: 99999999999999999999

