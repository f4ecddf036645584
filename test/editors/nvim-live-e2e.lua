-- Neovim (0.7 API) against `awaitlens lsp --stdio` with `awaitlens.console.replay` set: what
-- Neovim receives from the live side (diagnostic, hover, code lenses, status notifications).
-- Modelled on nvim-e2e.lua (same env-var inputs, bounded waits, JSON report, non-zero exit on
-- failure):
--   AWAITLENS_CMD    JSON array, the server command
--   AWAITLENS_ROOT   a scratch copy of scenario-app
--   AWAITLENS_REPLAY the recording to replay
--   AWAITLENS_OUT    where the JSON report goes
--   AWAITLENS_WAIT   milliseconds each wait may take
local cmd = vim.fn.json_decode(os.getenv('AWAITLENS_CMD'))
local root = os.getenv('AWAITLENS_ROOT')
local replay = os.getenv('AWAITLENS_REPLAY')
local out_path = os.getenv('AWAITLENS_OUT')
local wait_ms = tonumber(os.getenv('AWAITLENS_WAIT') or '20000')

local report = { steps = {}, statuses = {} }

local function flush()
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.fn.json_encode(report))
  f:close()
end

local function step(name)
  table.insert(report.steps, name)
  report.step = name
  flush()
end

local function wait_for(what, cond)
  if not vim.wait(wait_ms, cond, 20) then error('timed out waiting for ' .. what, 0) end
end

local client_id
local exited

local function live_diags(bufnr)
  local ns = vim.lsp.diagnostic.get_namespace(client_id)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = ns })) do
    if d.source == 'awaitlens (live)' then
      table.insert(list, {
        lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
        severity = d.severity, source = d.source, code = d.code, message = d.message,
        href = d.user_data and d.user_data.lsp and d.user_data.lsp.codeDescription
          and d.user_data.lsp.codeDescription.href or vim.NIL,
      })
    end
  end
  return list
end

local function run()
  step('start')
  client_id = vim.lsp.start_client({
    name = 'awaitlens',
    cmd = cmd,
    root_dir = root,
    settings = { awaitlens = { console = { replay = replay, replaySpeed = 'max' } } },
    -- Neovim 0.7 neither answers workspace/configuration nor pushes settings by itself; its docs
    -- ask configs to send them from on_init (the server then switches from connecting to replay).
    on_init = function(client)
      client.notify('workspace/didChangeConfiguration', { settings = client.config.settings })
    end,
    handlers = {
      ['awaitlens/status'] = function(_, result)
        table.insert(report.statuses, result)
      end,
    },
    on_exit = function(code, signal) exited = { code = code, signal = signal } end,
  })
  if not client_id then error('vim.lsp.start_client returned nil', 0) end
  vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/src/main.rs'))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, client_id)

  step('initialize')
  wait_for('initialize', function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end)
  report.code_lens_provider = vim.lsp.get_client_by_id(client_id).server_capabilities.codeLensProvider ~= nil

  step('live diagnostic')
  wait_for('a live diagnostic', function() return #live_diags(buf) > 0 end)
  report.diagnostics = live_diags(buf)

  step('hover')
  local uri = vim.uri_from_bufnr(buf)
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = uri }, position = { line = 98, character = 8 },
  }, wait_ms)
  if not hover or not hover[client_id] then error('no hover response', 0) end
  report.hover = hover[client_id].result or vim.NIL

  step('code lens')
  local lens = vim.lsp.buf_request_sync(buf, 'textDocument/codeLens', { textDocument = { uri = uri } }, wait_ms)
  if not lens or not lens[client_id] then error('no codeLens response', 0) end
  report.lenses = lens[client_id].result or vim.NIL

  step('shutdown')
  vim.lsp.stop_client(client_id)
  wait_for('the server to exit', function() return exited ~= nil end)
  report.exit = exited
  step('done')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  report.error = tostring(err)
  flush()
  vim.cmd('cquit 1')
else
  flush()
  vim.cmd('qall!')
end
