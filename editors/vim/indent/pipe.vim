" Vim indent file
" Language:    pipe (.pipe)
" Maintainer:  the pipe authors
" License:     MIT
"
" Brace-based: one level (shiftwidth, 2 by the ftplugin) per open `{`, `[`
" or `(`; a line starting with a closer goes back one level. Braces inside
" strings and comments do not count.

if exists("b:did_indent")
  finish
endif
let b:did_indent = 1

setlocal indentexpr=GetPipeIndent(v:lnum)
setlocal indentkeys=0{,0},0],0),!^F,o,O,e
setlocal autoindent nosmartindent nocindent nolisp

let b:undo_indent = "setlocal indentexpr< indentkeys< autoindent< smartindent< cindent< lisp<"

if exists("*GetPipeIndent")
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" The line without strings and comments (a `/*` left open ends the line).
function! s:Code(line) abort
  let l = substitute(a:line, '"\%([^"\\]\|\\.\)*"', '""', 'g')
  let l = substitute(l, '/\*.\{-}\*/', '', 'g')
  let l = substitute(l, '//.*$', '', '')
  let l = substitute(l, '/\*.*$', '', '')
  return l
endfunction

function! s:Count(line, chars) abort
  return len(substitute(a:line, '[^' . a:chars . ']', '', 'g'))
endfunction

function! s:InComment(lnum) abort
  let col = match(getline(a:lnum), '\S') + 1
  if col <= 0
    return 0
  endif
  return synIDattr(synID(a:lnum, col, 1), 'name') ==# 'pipeBlockComment'
endfunction

function! GetPipeIndent(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  " Inside a block comment: keep the line as written (-1 = keep indent).
  if s:InComment(a:lnum) && getline(a:lnum) !~ '^\s*/\*'
    return -1
  endif
  " Skip back over comment lines to the last line of code.
  while prev > 0 && (s:InComment(prev) || getline(prev) =~ '^\s*//')
    let prev = prevnonblank(prev - 1)
  endwhile
  if prev == 0
    return 0
  endif

  let sw = shiftwidth()
  let code = s:Code(getline(prev))
  let leading_closers = len(matchstr(code, '^\s*\zs[}\])]\+'))
  let opens = s:Count(code, '{[(')
  let closes = s:Count(code, '}\])') - leading_closers
  let ind = indent(prev) + sw * (opens - closes)

  let cur = s:Code(getline(a:lnum))
  let cur_closers = len(matchstr(cur, '^\s*\zs[}\])]\+'))
  let ind -= sw * cur_closers
  return ind < 0 ? 0 : ind
endfunction

let &cpo = s:cpo_save
unlet s:cpo_save
