-- Neovim (0.7 API) against `awaitlens lsp --stdio` with `awaitlens.console.replay` set: what
-- Neovim receives from the live side (diagnostic, hover, code lenses, status notifications).
-- Built on nvim-harness.lua like nvim-e2e.lua (AWAITLENS_ROOT is a scratch copy of scenario-app),
-- plus:
--   AWAITLENS_REPLAY the recording to replay

local H = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'nvim-harness.lua')
local cmd, root, wait_ms = H.cmd, H.root, H.wait_ms
local replay = os.getenv('AWAITLENS_REPLAY')

local report = H.report
report.statuses = {}
local step, wait_for = H.step, H.wait_for

local client_id

local function live_diags(bufnr)
  local ns = vim.lsp.diagnostic.get_namespace(client_id)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = ns })) do
    if d.source == 'awaitlens (live)' then table.insert(list, H.diagnostic_row(d)) end
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
    on_exit = H.on_exit,
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

  H.shutdown(client_id)
end

H.main(run)
