-- What the Neovim end-to-end scripts share: the inputs they read from the environment, a JSON
-- report rewritten after every step (so a hang still shows the step it hung in), bounded waits,
-- diagnostics as plain rows, shutting the server down, and the exit protocol (a failure puts
-- `error` in the report and makes Neovim exit non-zero).
--   AWAITLENS_CMD   JSON array, the server command
--   AWAITLENS_ROOT  the scratch crate the script opens
--   AWAITLENS_OUT   where the JSON report goes
--   AWAITLENS_WAIT  milliseconds each wait may take before the step counts as failed
local H = {
  cmd = vim.fn.json_decode(os.getenv('AWAITLENS_CMD')),
  root = os.getenv('AWAITLENS_ROOT'),
  out_path = os.getenv('AWAITLENS_OUT'),
  wait_ms = tonumber(os.getenv('AWAITLENS_WAIT') or '20000'),
  report = { steps = {} },
  -- Set by `on_exit` when the server process ends.
  exited = nil,
}

function H.flush()
  local f = assert(io.open(H.out_path, 'w'))
  f:write(vim.fn.json_encode(H.report))
  f:close()
end

function H.step(name)
  table.insert(H.report.steps, name)
  H.report.step = name
  H.flush()
end

function H.wait_for(what, cond)
  if not vim.wait(H.wait_ms, cond, 20) then error('timed out waiting for ' .. what, 0) end
end

function H.on_exit(code, signal)
  H.exited = { code = code, signal = signal }
end

--- A diagnostic as Neovim holds it, as a row of the report.
function H.diagnostic_row(d)
  return {
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    severity = d.severity, source = d.source, code = d.code, message = d.message,
    href = d.user_data and d.user_data.lsp and d.user_data.lsp.codeDescription
      and d.user_data.lsp.codeDescription.href or vim.NIL,
  }
end

--- Stops the client and waits for the server to exit; the last steps of every script.
function H.shutdown(client_id)
  H.step('shutdown')
  vim.lsp.stop_client(client_id)
  H.wait_for('the server to exit', function() return H.exited ~= nil end)
  H.report.exit = H.exited
  H.step('done')
end

function H.main(run)
  local ok, err = xpcall(run, debug.traceback)
  if not ok then
    H.report.error = tostring(err)
    H.flush()
    vim.cmd('cquit 1')
  else
    H.flush()
    vim.cmd('qall!')
  end
end

return H
