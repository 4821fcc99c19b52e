" .pipe files: the pipe pipelines-as-code language.
autocmd BufNewFile,BufRead *.pipe setfiletype pipe
