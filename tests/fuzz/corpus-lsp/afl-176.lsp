Content-Length:0thod52

{"4

{"j

{

{34

{"

{