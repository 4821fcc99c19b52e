Cont

Content-Length: 4Ó

{nnQCont

Coètent