-- Neovim's own LSP client against `kpic server` (tests/server.rs, `neovim_shows_diagnostics_and_jumps`).
-- Run headless: nvim --headless --clean -c 'luafile tests/server/nvim.lua', with
--   KPIC_BIN     the kpic binary          KPIC_ROOT    the workspace folder
--   KPIC_TEAM    the spec file to open    KPIC_OWNERS  the file that defines the owners
--   KPIC_OUT     where to write what was seen (one `key=value` a line)
-- It exits 0 when every check passed, else with an error code and the reason in KPIC_OUT.
-- Works on Neovim 0.7 (vim.lsp.start_client) and later (vim.lsp.start).

local env = vim.env
local out = {}

local function note(key, value)
  table.insert(out, key .. "=" .. tostring(value))
end

local function finish(code)
  local f = io.open(env.KPIC_OUT, "w")
  f:write(table.concat(out, "\n") .. "\n")
  f:close()
  if code == 0 then
    vim.cmd("qall!")
  else
    vim.cmd("cquit " .. code)
  end
end

local function check(cond, what)
  if not cond then
    error(what, 2)
  end
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(env.KPIC_TEAM))
  local buf = vim.api.nvim_get_current_buf()
  local config = { name = "kpic", cmd = { env.KPIC_BIN, "server" }, root_dir = env.KPIC_ROOT }
  if vim.lsp.start then
    check(vim.lsp.start(config), "vim.lsp.start failed")
  else
    local id = vim.lsp.start_client(config)
    check(id, "vim.lsp.start_client failed")
    vim.lsp.buf_attach_client(buf, id)
  end

  -- The diagnostics of the file, as Neovim shows them.
  local got = vim.wait(20000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  check(got, "no diagnostics within 20 s")
  local diags = vim.diagnostic.get(buf)
  note("count", #diags)
  for _, d in ipairs(diags) do
    note("diagnostic", string.format("%s %d %d %s", d.code, d.lnum, d.col, d.message:gsub("\n.*", "")))
  end

  -- Go to the definition of the team lead: the owners file.
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local row, col
  for i, line in ipairs(lines) do
    local s = line:find("lead: ", 1, true)
    if s then
      row, col = i, s + #"lead: " - 1
    end
  end
  check(row, "no `lead:` line")
  vim.api.nvim_win_set_cursor(0, { row, col })
  vim.lsp.buf.definition()
  local jumped = vim.wait(20000, function()
    return vim.api.nvim_buf_get_name(0) == env.KPIC_OWNERS
  end, 50)
  check(jumped, "no jump to the owners file (at " .. vim.api.nvim_buf_get_name(0) .. ")")
  local cursor = vim.api.nvim_win_get_cursor(0)
  note("definition", string.format("%s %d %d", vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ":t"), cursor[1], cursor[2]))
end

local ok, err = pcall(main)
if ok then
  finish(0)
else
  note("error", err)
  finish(3)
end
