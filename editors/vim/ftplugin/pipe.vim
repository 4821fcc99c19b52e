" Vim filetype plugin
" Language:    pipe (.pipe)
" Maintainer:  the pipe authors
" License:     MIT

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

" Comments: `//` to end of line and `/* ... */`.
setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal formatoptions-=t formatoptions+=croql

" House style (pipec fmt): 2-space indent, spaces only.
setlocal shiftwidth=2 softtabstop=2 expandtab

" Identifiers may contain hyphens (us-west-1, use1-az1): `w`, `*`, <C-]>.
setlocal iskeyword=@,48-57,_,-
setlocal suffixesadd=.pipe

" gq formats through the canonical formatter (reads stdin, writes stdout).
setlocal formatprg=pipec\ fmt\ -

" :make runs the checks; :make % checks the current file.
setlocal makeprg=pipec\ check
" Diagnostics: `FILE:LINE:COL: error[S204]: message` (or warning[...]).
" The quickfix text keeps the code: `[S204]: message`. Source excerpts,
" caret lines, `note:`/`help:` lines and the summary are skipped; a
" diagnostic without a location (`pipec: error[...]: ...`) is kept as text.
let &l:errorformat = join([
      \ '%f:%l:%c: %trror%m',
      \ '%f:%l:%c: %tarning%m',
      \ '%f:%l:%c: %tote%m',
      \ '%+Gpipec: %m',
      \ '%-G%.%#',
      \ ], ',')

let b:undo_ftplugin = "setlocal commentstring< comments< formatoptions<"
      \ . " shiftwidth< softtabstop< expandtab< iskeyword< suffixesadd<"
      \ . " formatprg< makeprg< errorformat<"

let &cpo = s:cpo_save
unlet s:cpo_save
