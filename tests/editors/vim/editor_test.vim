" Headless tests of editors/vim: filetype detection, syntax groups, ftplugin
" options, indentation and the errorformat.
"
" Run (see tests/editors/run.sh):
"   vim -Nu NONE -i NONE -n -es --cmd 'set rtp^=editors/vim' \
"       --cmd 'let g:pipe_test_out = "result.txt"' -c 'source editor_test.vim'
" Writes one line per check to g:pipe_test_out: `ok NAME` or `not ok NAME: why`.

let s:dir = expand('<sfile>:p:h')
let s:results = []

function! s:Report(ok, name, ...) abort
  call add(s:results, (a:ok ? 'ok ' : 'not ok ') . a:name . (a:ok || a:0 == 0 ? '' : ': ' . a:1))
endfunction

function! s:Eq(name, got, want) abort
  call s:Report(a:got ==# a:want, a:name, 'got ' . string(a:got) . ', want ' . string(a:want))
endfunction

" Every character of the n-th TOKEN on the first line containing LINE has
" syntax group GROUP.
function! s:Syn(line, token, group, ...) abort
  let nth = a:0 ? a:1 : 1
  let name = printf('syntax %s %s%s', a:group, a:token, nth > 1 ? '#' . nth : '')
  let lnum = search('\V' . escape(a:line, '\'), 'cnw')
  if lnum == 0
    return s:Report(0, name, 'no line contains ' . string(a:line))
  endif
  let text = getline(lnum)
  let idx = -1
  for i in range(nth)
    let idx = stridx(text, a:token, idx + 1)
  endfor
  if idx < 0
    return s:Report(0, name, 'token not on line ' . lnum)
  endif
  for c in range(idx + 1, idx + len(a:token))
    let got = synIDattr(synID(lnum, c, 1), 'name')
    if got !=# a:group
      return s:Report(0, name, printf('line %d col %d is %s', lnum, c, string(got)))
    endif
  endfor
  call s:Report(1, name)
endfunction

filetype plugin indent on
syntax on

" ------------------------------------------------------------ detection, syntax
execute 'edit ' . fnameescape(s:dir . '/sample.pipe')
call s:Eq('ftdetect: *.pipe is filetype pipe', &filetype, 'pipe')
call s:Eq('syntax loaded', get(b:, 'current_syntax', ''), 'pipe')

call s:Syn('// Sample', '// Sample for', 'pipeLineComment')
call s:Syn('/* block comment', 'template X { 30m }', 'pipeBlockComment')
call s:Syn('import "std/aws"', 'import', 'pipeImport')
call s:Syn('import "std/aws"', '"std/aws"', 'pipeString')
call s:Syn('template StandardService', 'template', 'pipeDeclKind')
call s:Syn('template StandardService', 'StandardService', 'pipeDeclName')
call s:Syn('pipeline OrderService', 'pipeline', 'pipeDeclKind')
call s:Syn('pipeline OrderService', 'extends', 'pipeExtends')
call s:Syn('pipeline OrderService', 'StandardService', 'pipeParent')
call s:Syn('topology aws {', 'topology', 'pipeDeclKind')
call s:Syn('topology aws {', 'aws', 'pipeDeclName')
call s:Syn('topology = aws', 'topology', 'pipeAttribute')
call s:Syn('topology = aws', '=', 'pipeAssign')
call s:Syn('topology = aws', 'aws', 'pipeIdentifier')
call s:Syn('final policy = strict', 'final', 'pipeFinal')
call s:Syn('final policy = strict', 'policy', 'pipeAttribute')
call s:Syn('final onebox {', 'onebox', 'pipeBlockType')
call s:Syn('final onebox {', '10%', 'pipePercent')
call s:Syn('metrics {', 'metrics', 'pipeBlockType')
call s:Syn('fault_rate = prometheus', 'fault_rate', 'pipeAttribute')
call s:Syn('fault_rate = prometheus', 'prometheus', 'pipeBuiltin')
call s:Syn('fault_rate = prometheus', 'sum(rate(x', 'pipeString')
call s:Syn('fault_rate = prometheus', '\"', 'pipeEscape')
call s:Syn('fault_rate = prometheus', '5..', 'pipeString')
call s:Syn('fault_rate = prometheus', '{scope}', 'pipePlaceholder')
call s:Syn('fault_rate = prometheus', '[1m]', 'pipeString')
call s:Syn('fault_rate = prometheus', 'percent', 'pipeIdentifier')
call s:Syn('checks     = command', 'command', 'pipeBuiltin')
call s:Syn('checks     = command', '\t', 'pipeEscape')
call s:Syn('checks     = command', '\q', 'pipeEscapeError')
call s:Syn('other      = custom_fn', 'custom_fn', 'pipeCall')
call s:Syn('other      = custom_fn', '1', 'pipeInteger')
call s:Syn('high_faults   =', '>', 'pipeCompare')
call s:Syn('high_faults   =', '1%', 'pipePercent')
call s:Syn('high_faults   =', 'for', 'pipeCondition')
call s:Syn('high_faults   =', '3', 'pipeInteger')
call s:Syn('high_faults   =', 'of', 'pipeCondition')
call s:Syn('high_faults   =', 'every', 'pipeCondition')
call s:Syn('high_faults   =', '1m', 'pipeDuration')
call s:Syn('high_p99      =', '>=', 'pipeCompare')
call s:Syn('high_p99      =', '500ms', 'pipeDuration')
call s:Syn('high_severity = super', 'super', 'pipeSuper')
call s:Syn('high_severity = super', '.', 'pipeDot')
call s:Syn('high_severity = super', 'or', 'pipeLogical')
call s:Syn('high_severity = super', 'and', 'pipeLogical')
call s:Syn('high_severity = super', 'not', 'pipeLogical')
call s:Syn('org_event     =', 'external', 'pipeBuiltin')
call s:Syn('same          =', '==', 'pipeCompare')
call s:Syn('same          =', '!=', 'pipeCompare')
call s:Syn('same          =', '<=', 'pipeCompare')
call s:Syn('allow core', 'allow', 'pipeBlockType')
call s:Syn('allow core', 'core', 'pipeBlockLabel')
call s:Syn('allow core', 'mon', 'pipeIdentifier')
call s:Syn('allow core', '..', 'pipeRange')
call s:Syn('allow core', '09:00', 'pipeTime')
call s:Syn('allow core', '16:30', 'pipeTime')
call s:Syn('deny "xmas"', 'deny', 'pipeBlockType')
call s:Syn('deny "xmas"', '"xmas"', 'pipeBlockLabel')
call s:Syn('deny "xmas"', '"2026-12-24"', 'pipeString')
call s:Syn('off_hours_bake', '200%', 'pipePercent')
call s:Syn('wave 1 {', 'wave', 'pipeBlockType')
call s:Syn('wave 1 {', '1', 'pipeBlockLabel')
call s:Syn('wave 1 {', 'us-west-1', 'pipeIdentifier')
call s:Syn('wave 1 {', 'use1-az1', 'pipeIdentifier')
call s:Syn('wave 1 {', '[', 'pipeDelimiter')
call s:Syn('wave 1 {', '12h', 'pipeDuration')
call s:Syn('wave 1 {', '1h30m', 'pipeDuration')
call s:Syn('wave 4 {', 'rest', 'pipeConstant')
call s:Syn('wave 4 {', '2d', 'pipeDuration')
call s:Syn('wave 4 {', 'true', 'pipeBoolean')
call s:Syn('wave 4 {', 'none', 'pipeConstant')
call s:Syn('numbers = [', '100', 'pipeInteger')
call s:Syn('numbers = [', '0.5', 'pipeDecimal')
call s:Syn('numbers = [', '0.5%', 'pipePercent')
call s:Syn('numbers = [', '12x', 'pipeInvalidNumber')
call s:Syn('numbers = [', '1m30h', 'pipeInvalidNumber')
call s:Syn('numbers = [', '25:00', 'pipeInvalidTime')
call s:Syn('numbers = [', '250ms', 'pipeDuration')
call s:Syn('not-a-keyword', 'not-a-keyword', 'pipeAttribute')
call s:Syn('not-a-keyword', 'for-each', 'pipeIdentifier')
call s:Syn('region us-east-1', 'region', 'pipeBlockType')
call s:Syn('region us-east-1', 'us-east-1', 'pipeBlockLabel')
call s:Syn('region us-east-1', 'use1-az2', 'pipeIdentifier')
" notify targets (language.md "Notifications"): a labelled block, its attributes, event names, a duration.
call s:Syn('notify oncall {', 'notify', 'pipeBlockType')
call s:Syn('notify oncall {', 'oncall', 'pipeBlockLabel')
call s:Syn('events        = [rolled_back', 'events', 'pipeAttribute')
call s:Syn('events        = [rolled_back', 'approval_needed', 'pipeIdentifier')
call s:Syn('blocked_after = 45m', 'blocked_after', 'pipeAttribute')
call s:Syn('blocked_after = 45m', '45m', 'pipeDuration')
call s:Syn('webhook       = "https', 'webhook', 'pipeAttribute')
call s:Syn('webhook       = "https', 'https://chat.example/hooks/deploys', 'pipeString')
call s:Syn('run           = "scripts/page.sh', 'run', 'pipeAttribute')

" ------------------------------------------------------------ ftplugin options
call s:Eq('ftplugin commentstring', &l:commentstring, '// %s')
call s:Eq('ftplugin formatprg', &l:formatprg, 'pipec fmt -')
call s:Eq('ftplugin makeprg', &l:makeprg, 'pipec check')
call s:Eq('ftplugin shiftwidth', &l:shiftwidth, 2)
call s:Eq('ftplugin expandtab', &l:expandtab, 1)
call s:Report(&l:iskeyword =~# '-', 'ftplugin iskeyword has hyphen', &l:iskeyword)

" ------------------------------------------------------------ indent
let s:want = readfile(s:dir . '/indent_expected.pipe')
enew
setfiletype pipe
call setline(1, map(copy(s:want), 'substitute(v:val, "^\\s*", "", "")'))
" Block comment continuation lines keep their own layout: seed them.
for s:i in range(len(s:want))
  if s:want[s:i] =~# 'kept as written'
    call setline(s:i + 1, s:want[s:i])
  endif
endfor
normal! gg=G
let s:got = getline(1, '$')
let s:bad = filter(range(len(s:want)), 's:got[v:val] !=# s:want[v:val]')
call s:Report(empty(s:bad), 'indent: gg=G reproduces indent_expected.pipe',
      \ empty(s:bad) ? '' : printf('line %d: %s', s:bad[0] + 1, string(s:got[s:bad[0]])))
bwipeout!

" ------------------------------------------------------------ errorformat
execute 'edit ' . fnameescape(s:dir . '/sample.pipe')
let s:diag = [
      \ 'services/order.pipe:14:18: error[S204]: rolling batch 50% exceeds the policy maximum of 33%',
      \ '   14 |   rolling { batch = 50%  min_healthy = 50% }',
      \ '      |                     ^~~',
      \ 'note: limit set by policy strict (std/policy.pipe:9:3)',
      \ 'help: deploy at most a third of a zone at once, e.g. `batch = 33%`',
      \ 'templates/standard.pipe:31:5: warning[S214]: no windows block in prod: stages may start at any time',
      \ 'note: inherited from template StandardService (templates/standard.pipe:31:5)',
      \ 'pipec: error[R104]: import "../../etc/x.pipe" leaves the project root',
      \ '1 error, 1 warning in 2 files',
      \ ]
" :cexpr reads the global 'errorformat' (:make uses the buffer's own).
let s:efm_save = &g:errorformat
let &g:errorformat = &l:errorformat
cexpr s:diag
let &g:errorformat = s:efm_save
let s:texts = map(filter(getqflist(), 'v:val.valid && v:val.bufnr == 0'), 'v:val.text')
call s:Eq('errorformat: a diagnostic without location is kept as text', s:texts,
      \ ['pipec: error[R104]: import "../../etc/x.pipe" leaves the project root'])
let s:qf = filter(getqflist(), 'v:val.valid && v:val.bufnr > 0')
call s:Eq('errorformat: two located entries, caret/note/help/summary skipped', len(s:qf), 2)
if len(s:qf) == 2
  call s:Eq('errorformat: error file', bufname(s:qf[0].bufnr), 'services/order.pipe')
  call s:Eq('errorformat: error line', s:qf[0].lnum, 14)
  call s:Eq('errorformat: error col', s:qf[0].col, 18)
  call s:Eq('errorformat: error type', s:qf[0].type, 'e')
  call s:Eq('errorformat: error text', s:qf[0].text, '[S204]: rolling batch 50% exceeds the policy maximum of 33%')
  call s:Eq('errorformat: warning file', bufname(s:qf[1].bufnr), 'templates/standard.pipe')
  call s:Eq('errorformat: warning line/col', [s:qf[1].lnum, s:qf[1].col], [31, 5])
  call s:Eq('errorformat: warning type', s:qf[1].type, 'w')
  call s:Eq('errorformat: warning text', s:qf[1].text, '[S214]: no windows block in prod: stages may start at any time')
endif

" :make runs makeprg (`pipec check`) and reads its output with the buffer's
" 'errorformat'. run.sh puts a stand-in pipec first on PATH that prints
" diagnostics for the file it is given, like the real one.
if exists('g:pipe_fake_bin')
  let $PATH = g:pipe_fake_bin . ':' . $PATH
  execute 'edit ' . fnameescape(s:dir . '/sample.pipe')
  silent make! %
  let s:qf = filter(getqflist(), 'v:val.valid && v:val.bufnr > 0')
  call s:Eq(':make: one located entry from pipec check %', len(s:qf), 1)
  if len(s:qf) == 1
    call s:Eq(':make: entry is in the checked file', fnamemodify(bufname(s:qf[0].bufnr), ':p'), expand('%:p'))
    call s:Eq(':make: line, col, type, text', [s:qf[0].lnum, s:qf[0].col, s:qf[0].type, s:qf[0].text],
          \ [3, 7, 'e', '[P001]: unexpected `}`, expected an attribute or a block'])
  endif
endif

call s:Report(1, 'vim: editor_test.vim ran to the end (' . (has('nvim') ? 'nvim' : 'vim') . ')')
call writefile(s:results, g:pipe_test_out)
qall!
