" Vim syntax file
" Language:    pipe (pipelines-as-code, .pipe)
" Maintainer:  the pipe authors
" License:     MIT
"
" Token classes follow the language spec (language.md section 1). A hyphen is
" part of identifiers (use1-az1, us-west-1): it never means minus, so `-` is
" a keyword character here and \< \> respect it.

if exists("b:current_syntax")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn iskeyword @,48-57,_,-
syn sync fromstart

" ---------------------------------------------------------------- comments
syn keyword pipeTodo          TODO FIXME XXX NOTE contained
syn match   pipeLineComment   "//.*$" contains=pipeTodo,@Spell
syn region  pipeBlockComment  start="/\*" end="\*/" contains=pipeTodo,@Spell fold

" ---------------------------------------------------------------- top level
" Declarations: `template NAME [extends PARENT] { body }`. Inside a body the
" same words are ordinary attribute or block names (`topology = aws`), so
" these items are not part of the body cluster below.
syn keyword pipeImport        import
syn match   pipeDeclKind      "\<\%(template\|pipeline\|topology\|policy\)\>\%(\s*=\)\@!" nextgroup=pipeDeclName skipwhite skipempty
syn match   pipeDeclName      "\<\h\k*\>" contained
syn keyword pipeExtends       extends nextgroup=pipeParent skipwhite skipempty
syn match   pipeParent        "\<\h\k*\>" contained

" A body: attributes and blocks, nested braces.
syn region  pipeBody          matchgroup=pipeBrace start="{" end="}" contains=@pipeBodyItems fold

syn cluster pipeBodyItems     contains=pipeLineComment,pipeBlockComment,pipeBody,pipeFinal,pipeBlockType,pipeAttribute,@pipeExpr
syn cluster pipeExpr          contains=pipeString,pipeIdentifier,pipeCall,pipeBuiltin,pipeKeyword,pipeLogical,pipeCondition,pipeBoolean,pipeConstant,pipeSuper,pipeInvalidNumber,pipeInvalidTime,pipeInteger,pipeDecimal,pipePercent,pipeDuration,pipeTime,pipeAssign,pipeCompare,pipeDot,pipeRange,pipeDelimiter,pipeLineComment,pipeBlockComment

" ---------------------------------------------------------------- expressions
" Identifiers first: later items win when they start at the same column.
syn match   pipeIdentifier    "\<\h\k*\>" contained
syn match   pipeCall          "\<\h\k*\ze\s*(" contained
syn match   pipeBuiltin       "\<\%(prometheus\|command\|external\)\ze\s*(" contained

" Blocks: `TYPE [LABEL] {` (wave 1, stage gamma, region us-east-1, allow core).
syn match   pipeBlockType     #\<\h\k*\ze\%(\s\+\%(\k\+\|"\%([^"\\]\|\\.\)*"\)\)\=\s*{# contained nextgroup=pipeBlockLabel skipwhite
syn match   pipeBlockLabel    #\<\k\+\>\ze\s*{# contained
syn match   pipeBlockLabel    #"\%([^"\\]\|\\.\)*"\ze\s*{# contained
" Attributes: `NAME =` (not `==`).
syn match   pipeAttribute     "\<\h\k*\ze\s*=\%(=\)\@!" contained

syn keyword pipeFinal         final contained
syn keyword pipeSuper         super contained
syn keyword pipeBoolean       true false contained
syn keyword pipeConstant      rest none contained
syn keyword pipeLogical       and or not contained
syn keyword pipeCondition     for of every contained
syn keyword pipeKeyword       import extends contained

" Literals. The invalid forms come first so that a valid literal starting at
" the same column wins; whatever is left (12x, 1m30h, 25:00) stays an error.
syn match   pipeInvalidNumber "\<\d\k*\%(\.\d\k*\)*%\=" contained
syn match   pipeInteger       "\<\d\+\>\%(%\|\.\d\)\@!" contained
syn match   pipeDecimal       "\<\d\+\.\d\+\>\%(%\|\.\d\)\@!" contained
syn match   pipePercent       "\<\d\+\%(\.\d\+\)\=%" contained
syn match   pipeDuration      "\<\%(\d\+d\)\=\%(\d\+h\)\=\%(\d\+ms\@!\)\=\%(\d\+s\)\=\%(\d\+ms\)\=\>" contained
syn match   pipeInvalidTime   "\<\d\+:\d\+\>" contained
syn match   pipeTime          "\<\%([01]\d\|2[0-3]\):[0-5]\d\>" contained

" Strings: single line, escapes \" \\ \n \t, runtime placeholders {scope}.
syn region  pipeString        start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ oneline contains=pipeEscapeError,pipeEscape,pipePlaceholder
syn match   pipeEscapeError   "\\." contained
syn match   pipeEscape        #\\["\\nt]# contained
syn match   pipePlaceholder   "{\h\w*}" contained

" Operators and punctuation.
syn match   pipeAssign        "=" contained
syn match   pipeCompare       "[<>]=\=\|[=!]=" contained
syn match   pipeDot           "\." contained
syn match   pipeRange         "\.\." contained
syn match   pipeDelimiter     "[,\[\]()]" contained

" ---------------------------------------------------------------- colours
hi def link pipeTodo          Todo
hi def link pipeLineComment   Comment
hi def link pipeBlockComment  Comment
hi def link pipeImport        Include
hi def link pipeDeclKind      Structure
hi def link pipeDeclName      Typedef
hi def link pipeExtends       StorageClass
hi def link pipeParent        Type
hi def link pipeFinal         StorageClass
hi def link pipeSuper         Special
hi def link pipeKeyword       Keyword
hi def link pipeBoolean       Boolean
hi def link pipeConstant      Constant
hi def link pipeLogical       Operator
hi def link pipeCondition     Keyword
hi def link pipeBlockType     Statement
hi def link pipeBlockLabel    Label
hi def link pipeAttribute     Identifier
hi def link pipeCall          Function
hi def link pipeBuiltin       Function
hi def link pipeInteger       Number
hi def link pipeDecimal       Float
hi def link pipePercent       Number
hi def link pipeDuration      Number
hi def link pipeTime          Number
hi def link pipeInvalidNumber Error
hi def link pipeInvalidTime   Error
hi def link pipeString        String
hi def link pipeEscape        SpecialChar
hi def link pipeEscapeError   Error
hi def link pipePlaceholder   Special
hi def link pipeAssign        Operator
hi def link pipeCompare       Operator
hi def link pipeRange         Operator
hi def link pipeDot           Delimiter
hi def link pipeDelimiter     Delimiter
hi def link pipeBrace         Delimiter

let b:current_syntax = "pipe"

let &cpo = s:cpo_save
unlet s:cpo_save
