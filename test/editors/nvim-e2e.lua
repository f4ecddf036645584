-- Drives a real Neovim (0.7 API: vim.lsp.start_client / buf_attach_client) against the awaitlens
-- language server and writes what Neovim itself received to a JSON file for the vitest side.
-- Inputs come from the environment so the script needs no quoting on the command line (see
-- nvim-harness.lua; AWAITLENS_ROOT is a scratch copy of examples/stuck-server, and it is edited):
--   AWAITLENS_EXPECT JSON {file: ["LINE rule", ...]}: what `awaitlens check` finds in the crate;
--                   the first snapshot is taken once Neovim shows that (the server indexes the
--                   workspace after opening, so early publishes may lack cross-file findings)
-- Every wait is bounded; on any failure the report carries `error` and the step it happened in,
-- and Neovim exits non-zero, so a hang shows up as a named step rather than a killed process.

local H = dofile(debug.getinfo(1, 'S').source:sub(2):match('(.*/)') .. 'nvim-harness.lua')
local cmd, root, wait_ms = H.cmd, H.root, H.wait_ms
local expect = vim.fn.json_decode(os.getenv('AWAITLENS_EXPECT') or '{}')

local report = H.report
report.publishes, report.requests, report.progress = {}, {}, {}
local step, wait_for = H.step, H.wait_for

local client_id

local function diags(bufnr)
  local ns = vim.lsp.diagnostic.get_namespace(client_id)
  local list = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { namespace = ns })) do
    local row = H.diagnostic_row(d)
    row.related = d.user_data and d.user_data.lsp and d.user_data.lsp.relatedInformation
      and #d.user_data.lsp.relatedInformation or 0
    table.insert(list, row)
  end
  table.sort(list, function(a, b)
    if a.lnum ~= b.lnum then return a.lnum < b.lnum end
    return a.col < b.col
  end)
  return list
end

local function has_code(bufnr, code, lnum)
  for _, d in ipairs(diags(bufnr)) do
    if d.code == code and (lnum == nil or d.lnum == lnum) then return true end
  end
  return false
end

local function line(bufnr, lnum)
  return vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, true)[1]
end

-- Publishes per URI, so a wait can require a publish newer than the edit it waits on.
local published = {}

local function run()
  report.nvim_version = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  -- The script is written for the 0.7 API on purpose (Debian's Neovim); newer ones keep it.
  report.has_vim_lsp_start = vim.lsp.start ~= nil
  vim.o.hidden = true

  step('start')
  client_id = vim.lsp.start_client({
    name = 'awaitlens',
    cmd = cmd,
    root_dir = root,
    flags = { debounce_text_changes = 0 },
    handlers = {
      ['$/progress'] = function(err, result, ctx, config)
        if type(result) == 'table' and type(result.value) == 'table' then
          table.insert(report.progress, result.value.kind)
        end
        return vim.lsp.handlers['$/progress'](err, result, ctx, config)
      end,
      ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
        local name = vim.fn.fnamemodify(vim.uri_to_fname(result.uri), ':t')
        published[name] = (published[name] or 0) + 1
        table.insert(report.publishes, { file = name, version = result.version or vim.NIL, count = #result.diagnostics })
        return vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
      end,
    },
    on_exit = H.on_exit,
  })
  if not client_id then error('vim.lsp.start_client returned nil', 0) end

  local files = { 'conn.rs', 'main.rs', 'pubsub.rs', 'replica.rs', 'store.rs' }
  local bufs = {}
  for _, name in ipairs(files) do
    vim.cmd('edit ' .. vim.fn.fnameescape(root .. '/src/' .. name))
    bufs[name] = vim.api.nvim_get_current_buf()
    vim.lsp.buf_attach_client(bufs[name], client_id)
  end

  step('initialize')
  wait_for('initialize', function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end)
  local client = vim.lsp.get_client_by_id(client_id)
  report.server_capabilities = client.server_capabilities
  -- Log every request Neovim sends to this server (hover, codeAction, codeAction/resolve...).
  local request = client.request
  client.request = function(method, params, handler, bufnr)
    table.insert(report.requests, method)
    return request(method, params, handler, bufnr)
  end

  step('diagnostics')
  wait_for('a publish for every open file', function()
    for _, name in ipairs(files) do
      if not published[name] then return false end
    end
    return true
  end)
  -- Settled means: indexing reported its end and every file shows what the CLI finds.
  local function settled()
    if not vim.tbl_contains(report.progress, 'end') then return false end
    for _, name in ipairs(files) do
      local have = {}
      for _, d in ipairs(diags(bufs[name])) do table.insert(have, (d.lnum + 1) .. ' ' .. tostring(d.code)) end
      table.sort(have)
      local want = vim.deepcopy(expect[name] or {})
      table.sort(want)
      if not vim.deep_equal(have, want) then return false end
    end
    return true
  end
  local settled_ok = vim.wait(wait_ms, settled, 20)
  report.initial = {}
  for _, name in ipairs(files) do report.initial[name] = diags(bufs[name]) end
  -- Not an error here: the vitest side shows the difference, and the rest still runs.
  report.settled = settled_ok

  local buf = bufs['replica.rs']
  vim.api.nvim_set_current_buf(buf)
  local uri = vim.uri_from_bufnr(buf)

  -- Hover inside the unawaited `tokio::time::sleep(backoff);` (line 71).
  step('hover')
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = uri }, position = { line = 70, character = 20 },
  }, wait_ms)
  if not hover or not hover[client_id] then error('no hover response', 0) end
  report.hover = hover[client_id].result or vim.NIL
  report.hover_error = hover[client_id].err or vim.NIL

  -- Code actions the way `vim.lsp.buf.code_action()` asks: cursor range plus line diagnostics.
  step('code actions')
  vim.api.nvim_win_set_cursor(0, { 71, 20 })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf) }
  report.code_action_range = params.range
  local res = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, wait_ms)
  if not res or not res[client_id] then error('no codeAction response', 0) end
  local actions = res[client_id].result or {}
  report.actions = {}
  local quickfix
  for _, a in ipairs(actions) do
    table.insert(report.actions, {
      title = a.title, kind = a.kind or vim.NIL, isPreferred = a.isPreferred or false,
      edit = a.edit ~= nil, data = a.data ~= nil,
      command = a.command and a.command.command or vim.NIL,
    })
    if a.title == 'Add `.await`' then quickfix = a end
  end
  if not quickfix then error('no "Add `.await`" action', 0) end

  step('apply quickfix')
  local before = published['replica.rs']
  vim.lsp.util.apply_workspace_edit(quickfix.edit, client.offset_encoding)
  report.after_quickfix_line = line(buf, 70)
  wait_for('unawaited-future to clear', function()
    return published['replica.rs'] > before and not has_code(buf, 'unawaited-future')
  end)
  report.after_quickfix = diags(buf)

  -- Neovim's own code-action path: vim.ui.select picks the silence action, which the server sends
  -- without an edit, so Neovim has to resolve it (codeAction/resolve) before applying.
  step('silence via vim.lsp.buf.code_action')
  vim.api.nvim_win_set_cursor(0, { 79, 4 })
  report.offered = {}
  vim.ui.select = function(items, _, on_choice)
    local pick
    for _, item in ipairs(items) do
      table.insert(report.offered, item[2].title)
      if item[2].title == 'Silence unbuffered-io on this line' then
        pick = item
        report.silence_unresolved = { edit = item[2].edit ~= nil, data = item[2].data ~= nil }
      end
    end
    on_choice(pick)
  end
  before = published['replica.rs']
  vim.lsp.buf.code_action()
  wait_for('the silence comment', function()
    return line(buf, 78) == '    // awaitlens: allow(unbuffered-io)'
  end)
  wait_for('unbuffered-io to clear', function()
    return published['replica.rs'] > before and not has_code(buf, 'unbuffered-io')
  end)
  report.after_silence = diags(buf)

  -- Typing: a blocking call in `catch_up` (new finding), then `drop(tx)` before the receive loop
  -- (fixes self-held-sender). Each is one incremental didChange.
  step('edit: add blocking call')
  before = published['replica.rs']
  vim.api.nvim_buf_set_lines(buf, 27, 27, true, { '    std::thread::sleep(Duration::from_millis(10));' })
  wait_for('blocking-in-async on line 28', function()
    return published['replica.rs'] > before and has_code(buf, 'blocking-in-async', 27)
  end)
  report.after_blocking = diags(buf)

  step('edit: drop the sender')
  before = published['replica.rs']
  vim.api.nvim_buf_set_lines(buf, 44, 44, true, { '    drop(tx);' })
  wait_for('self-held-sender to clear', function()
    return published['replica.rs'] > before and not has_code(buf, 'self-held-sender')
  end)
  report.after_drop = diags(buf)
  report.final_text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, true), '\n')
  -- A changed buffer that was never saved is not on disk: the server must have used the edits.
  report.saved = vim.bo[buf].modified == false

  H.shutdown(client_id)
end

H.main(run)
