-- Headless Neovim end-to-end test of the language server on a copy of examples/.
-- Works on Neovim 0.7 (Debian 12) through 0.11+. Env:
--   HR_SERVER_CMD  the server argv, separated by spaces (e.g. "/venv/bin/python -m registry_lsp")
--   HR_ROOT        the examples/ copy (the LSP root folder)
--   HR_OUT         result file: one "key=value" line per check
-- Opened file: pipelines/xgboost_pipeline.py.
local out_path = assert(os.getenv("HR_OUT"), "HR_OUT")
local root = assert(os.getenv("HR_ROOT"), "HR_ROOT")
local cmd = vim.split(assert(os.getenv("HR_SERVER_CMD"), "HR_SERVER_CMD"), " ", { trimempty = true })
local v = vim.version()
local lines = { "nvim=" .. v.major .. "." .. v.minor .. "." .. v.patch }
local function log(k, val) table.insert(lines, k .. "=" .. tostring(val):gsub("\n", "\\n")) end
local function finish(code)
  local f = assert(io.open(out_path, "w")); f:write(table.concat(lines, "\n") .. "\n"); f:close()
  vim.cmd((code == 0) and "qall!" or ("cquit " .. code))
end

local diags = {} -- uri -> list of messages
local handlers = {
  ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    local msgs = {}
    for _, d in ipairs(result.diagnostics or {}) do
      table.insert(msgs, (d.code or "?") .. ": " .. d.message)
    end
    diags[result.uri] = msgs
    return vim.lsp.handlers["textDocument/publishDiagnostics"](err, result, ctx, config)
  end,
}

local client_id
local function attach(bufnr)
  if client_id then
    vim.lsp.buf_attach_client(bufnr, client_id)
  elseif vim.lsp.start then -- 0.8+
    client_id = vim.lsp.start({ name = "registry-lsp", cmd = cmd, root_dir = root, handlers = handlers }, { bufnr = bufnr })
  else -- 0.7
    client_id = vim.lsp.start_client({ name = "registry-lsp", cmd = cmd, root_dir = root, handlers = handlers,
      workspace_folders = { { uri = vim.uri_from_fname(root), name = "examples" } } })
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
end

--- 0-based (line, UTF-16 character) of the first occurrence of `needle` in the buffer, plus `offset`.
local function find(bufnr, needle, offset)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local s = text:find(needle, 1, true)
    if s then
      local byte = s - 1 + (offset or 0)
      return i - 1, vim.str_utfindex(text, byte)
    end
  end
  error("not found: " .. needle)
end

local function request(bufnr, method, line, character)
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = line, character = character } }
  local res = vim.lsp.buf_request_sync(bufnr, method, params, 10000) or {}
  for _, r in pairs(res) do
    if r.err then error(method .. ": " .. vim.inspect(r.err)) end
    return r.result
  end
end

--- Retries `probe` until it returns a truthy value (the registry may still be loading).
local function eventually(ms, probe)
  local value
  vim.wait(ms, function()
    local ok, v = pcall(probe)
    if ok and v then value = v; return true end
    return false
  end, 200)
  return value
end

vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = function()
  local ok, err = pcall(function()
    local bufnr = vim.api.nvim_get_current_buf()
    log("file", vim.api.nvim_buf_get_name(bufnr))
    attach(bufnr)
    local ready = vim.wait(20000, function()
      local c = client_id and vim.lsp.get_client_by_id(client_id)
      return c ~= nil and c.initialized ~= false and c.server_capabilities ~= nil
    end, 50)
    log("client_ready", ready)
    if not ready then return end

    -- hover on a step name: its config class
    local hl, hc = find(bufnr, "TabularPreprocessing_training", 3)
    local hover = eventually(30000, function()
      local r = request(bufnr, "textDocument/hover", hl, hc)
      local c = r and r.contents
      local text = type(c) == "table" and (c.value or vim.inspect(c)) or c
      return text and text:find("TabularPreprocessingConfig", 1, true) and text
    end)
    log("hover", hover)

    -- the real UI path: vim.lsp.buf.hover() opens a float; read its text
    vim.api.nvim_win_set_cursor(0, { hl + 1, hc })
    vim.lsp.buf.hover()
    local float_text
    vim.wait(5000, function()
      for _, w in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(w).relative ~= "" then
          float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false), " ")
          return true
        end
      end
      return false
    end, 50)
    log("hover_float", float_text)

    -- go to definition: the core registry
    local defs = request(bufnr, "textDocument/definition", hl, hc) or {}
    if defs.uri or defs.targetUri then defs = { defs } end
    local targets = {}
    for _, d in ipairs(defs) do table.insert(targets, d.uri or d.targetUri) end
    log("definition", table.concat(targets, ","))

    -- completion inside add_node(" on a new line
    local pl = find(bufnr, 'dag.add_node("Package")')
    local indent = vim.api.nvim_buf_get_lines(bufnr, pl, pl + 1, false)[1]:match("^%s*")
    vim.api.nvim_buf_set_lines(bufnr, pl + 1, pl + 1, false, { indent .. 'dag.add_node("")' })
    vim.wait(600) -- let the didChange go out (debounced)
    local comp = request(bufnr, "textDocument/completion", pl + 1, #indent + #'dag.add_node("')
    local labels = {}
    for _, it in ipairs(comp and (comp.items or comp) or {}) do table.insert(labels, it.label) end
    log("completion_count", #labels)
    log("completion", table.concat(labels, ","))
    vim.api.nvim_buf_set_lines(bufnr, pl + 1, pl + 2, false, {})

    -- diagnostics: the typo in pytorch_pipeline.py
    vim.cmd("edit " .. vim.fn.fnameescape(root .. "/pipelines/pytorch_pipeline.py"))
    local other = vim.api.nvim_get_current_buf()
    attach(other)
    local uri = vim.uri_from_bufnr(other)
    local found = eventually(30000, function()
      for _, m in ipairs(diags[uri] or {}) do
        if m:find("Did you mean", 1, true) then return m end
      end
    end)
    log("diagnostic", found)
    log("diagnostics_all", table.concat(diags[uri] or {}, " | "))
  end)
  if not ok then log("ERROR", err) end
  -- stop the client cleanly so that the server exits with us
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  vim.lsp.stop_client(all)
  vim.wait(3000, function()
    return #(vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()) == 0
  end, 50)
  finish(ok and 0 or 1)
end })
