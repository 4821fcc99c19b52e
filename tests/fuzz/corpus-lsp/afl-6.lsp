Cont
ßConon9

