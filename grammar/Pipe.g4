// The .pipe grammar (language.md §1–2). Deliberately uniform, like HCL:
// what may appear where is the schema's job, so that every schema mistake
// gets a precise diagnostic instead of a syntax error.
//
// Literal *validation* (durations in largest-first order, 24 h times, string
// escapes) happens in compiler/syntax/Literals.cpp, so that `12x`, `25:00`
// and `1m30h` are reported as malformed literals (P003), not syntax errors.
grammar Pipe;

// ---------------------------------------------------------------- parser

file        : importDecl* declaration* EOF ;
importDecl  : IMPORT STRING ;
declaration : declKind name (EXTENDS ref)? LBRACE body RBRACE ;
declKind    : TEMPLATE | PIPELINE | TOPOLOGY | POLICY ;

body        : member* ;
member      : attribute | block ;
attribute   : FINAL? name ASSIGN expr ;
block       : FINAL? name label? LBRACE body RBRACE ;
label       : IDENT | INTEGER | STRING ;

// Declaration keywords may also name attributes and blocks (`policy = strict`).
name        : IDENT | TEMPLATE | PIPELINE | TOPOLOGY | POLICY ;

expr        : orExpr conditionSuffix? ;
orExpr      : andExpr (OR andExpr)* ;
andExpr     : notExpr (AND notExpr)* ;
notExpr     : NOT notExpr | compare ;
compare     : rangeExpr (cmpOp rangeExpr)? ;
cmpOp       : GT | GE | LT | LE | EQ | NE ;
conditionSuffix : FOR INTEGER OF INTEGER (EVERY DURATION)? ;

// `range` binds tighter than comparison: mon..thu, 09:00..16:00.
rangeExpr   : primary (DOTDOT primary)? ;
primary     : literal
            | call
            | ref
            | list
            | LPAREN expr RPAREN
            ;
call        : name LPAREN (expr (COMMA expr)*)? RPAREN ;
ref         : (SUPER DOT)? name (DOT name)* ;
list        : LBRACK (expr (COMMA expr)* COMMA?)? RBRACK ;
literal     : STRING | UNTERMINATED_STRING | INTEGER | NUMBER | PERCENT | DURATION | TIME
            | TRUE | FALSE | REST | NONE ;

// ----------------------------------------------------------------- lexer

IMPORT   : 'import' ;
TEMPLATE : 'template' ;
PIPELINE : 'pipeline' ;
TOPOLOGY : 'topology' ;
POLICY   : 'policy' ;
EXTENDS  : 'extends' ;
FINAL    : 'final' ;
SUPER    : 'super' ;
TRUE     : 'true' ;
FALSE    : 'false' ;
AND      : 'and' ;
OR       : 'or' ;
NOT      : 'not' ;
FOR      : 'for' ;
OF       : 'of' ;
EVERY    : 'every' ;
REST     : 'rest' ;
NONE     : 'none' ;

LBRACE : '{' ;
RBRACE : '}' ;
LBRACK : '[' ;
RBRACK : ']' ;
LPAREN : '(' ;
RPAREN : ')' ;
COMMA  : ',' ;
DOTDOT : '..' ;
DOT    : '.' ;
ASSIGN : '=' ;
GE     : '>=' ;
GT     : '>' ;
LE     : '<=' ;
LT     : '<' ;
EQ     : '==' ;
NE     : '!=' ;

PERCENT  : DIGITS ('.' DIGITS)? '%' ;
NUMBER   : DIGITS '.' DIGITS ;
// Any digits-then-letters word: validated as a duration later (P003 for `12x`).
DURATION : DIGITS [a-zA-Z_] [a-zA-Z0-9_]* ;
// Any digits:digits: validated as HH:MM later (P003 for `25:00`).
TIME     : DIGITS ':' DIGITS ;
INTEGER  : DIGITS ;

IDENT : [a-zA-Z_] [a-zA-Z0-9_-]* ;

STRING              : '"' ( ESC | ~["\\\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( ESC | ~["\\\r\n] )* ;

LINE_COMMENT          : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT         : '/*' .*? '*/' -> channel(HIDDEN) ;
UNTERMINATED_COMMENT  : '/*' ( ~'*' | '*'+ ~[*/] )* '*'* EOF -> channel(HIDDEN) ;  // P002 from the syntax layer, never also P001
WS                    : [ \t\r\n\f]+ -> channel(HIDDEN) ;

// Anything else: reported by the syntax layer as an unexpected character.
ERROR_CHAR : . ;

fragment DIGITS : [0-9]+ ;
fragment ESC    : '\\' ~[\r\n] ;
