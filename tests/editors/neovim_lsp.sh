#!/usr/bin/env bash
# The Neovim recipe of docs/editors.md (editors/vim/lua/pipe/lsp.lua) with the
# Neovim installed here (Debian 12: 0.7.2): headless `nvim` opens a .pipe
# file with an unknown template, the recipe starts `pipec lsp` (argument 1),
# and the diagnostic must arrive in `vim.diagnostic.get`. Exit 0 when it did,
# 1 otherwise, 77 (skipped) without nvim.
set -uo pipefail

pipec="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vim_dir="$(cd "$here/../../editors/vim" && pwd)"
if ! command -v nvim >/dev/null 2>&1; then
  echo "skipped: no nvim (scripts/setup.sh installs neovim)"
  exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/project/.git"
printf 'template Base {\n}\n\npipeline Svc extends Bsae {\n}\n' > "$tmp/project/svc.pipe"
cat > "$tmp/test.lua" <<'LUA'
local out = assert(io.open(vim.env.PIPE_TEST_OUT, "w"))
local function say(line) out:write(line .. "\n") end
say("nvim " .. tostring(vim.version().major) .. "." .. tostring(vim.version().minor))
require("pipe.lsp").setup({ cmd = { vim.env.PIPEC, "lsp" } })
vim.cmd("edit " .. vim.fn.fnameescape(vim.env.PIPE_TEST_FILE))
local buf = vim.api.nvim_get_current_buf()
say("filetype " .. vim.bo[buf].filetype)
local arrived = vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
for _, d in ipairs(vim.diagnostic.get(buf)) do
  say(string.format("diagnostic %d:%d %s %s", d.lnum + 1, d.col + 1, tostring(d.code), d.message:gsub("\n.*", "")))
end
local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = buf }) or vim.lsp.buf_get_clients(buf)
for _, client in pairs(clients) do say("client " .. client.name .. " root " .. client.config.root_dir) end
say(arrived and "arrived" or "timed out")
out:close()
vim.lsp.stop_client(vim.lsp.get_active_clients())
vim.wait(2000, function() return #vim.lsp.get_active_clients() == 0 end, 50)
vim.cmd("qa!")
LUA

(cd "$tmp/project" && PIPEC="$pipec" PIPE_TEST_OUT="$tmp/out" PIPE_TEST_FILE="$tmp/project/svc.pipe" \
  timeout 60 nvim --headless -u NONE -i NONE -n \
    --cmd "set rtp^=$vim_dir" --cmd "filetype plugin on" \
    -c "luafile $tmp/test.lua" </dev/null >"$tmp/nvim.log" 2>&1)
status=$?
cat "$tmp/out" 2>/dev/null
expected="diagnostic 4:22 R101 unknown template \`Bsae\`"
if [ "$status" -eq 0 ] && grep -qxF "$expected" "$tmp/out" && grep -qxF "client pipec root $tmp/project" "$tmp/out"; then
  echo "ok neovim: the recipe started pipec lsp and the diagnostic arrived"
  exit 0
fi
cat "$tmp/nvim.log"
echo "not ok neovim: expected \"$expected\" from pipec lsp (nvim exit $status)"
exit 1
