-- `pipec lsp` with Neovim's built-in client, from Neovim 0.7 (Debian 12
-- ships 0.7.2) on: `vim.lsp.start` only exists from 0.8, so this starts one
-- client per project root with `vim.lsp.start_client` and attaches every
-- `pipe` buffer of that root with `vim.lsp.buf_attach_client`.
--
--   require("pipe.lsp").setup()                                  -- `pipec` on PATH
--   require("pipe.lsp").setup({ cmd = { "/path/to/pipec", "lsp" } })
local M = {}

local clients = {} -- project root -> client id

-- The folder holding `.git` above the file, else the file's folder.
local function root_of(file)
  local dir = vim.fn.fnamemodify(file, ":p:h")
  local git = vim.fn.finddir(".git", dir .. ";")
  if git == "" then
    git = vim.fn.findfile(".git", dir .. ";") -- a worktree or submodule
  end
  if git == "" then
    return dir
  end
  return vim.fn.fnamemodify(git, ":p:h:h")
end

-- Attaches buffer `buf` to the client of its project, started when needed.
-- Returns the client id, or nil when `cmd` could not be started (Neovim
-- reports why).
function M.attach(buf, opts)
  opts = opts or {}
  local root = root_of(vim.api.nvim_buf_get_name(buf))
  local id = clients[root]
  if id == nil or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client({
      name = "pipec",
      cmd = opts.cmd or { "pipec", "lsp" },
      root_dir = root,
    })
    if id == nil then
      return nil
    end
    clients[root] = id
  end
  vim.lsp.buf_attach_client(buf, id)
  return id
end

-- Attaches every buffer whose filetype becomes `pipe`.
function M.setup(opts)
  vim.api.nvim_create_autocmd("FileType", {
    group = vim.api.nvim_create_augroup("pipe_lsp", { clear = true }),
    pattern = "pipe",
    callback = function(args)
      M.attach(args.buf, opts)
    end,
  })
end

return M
