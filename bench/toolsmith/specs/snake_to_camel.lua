local M = {}
function M.run(input)
  local result = input.name:gsub("_(.)", function(c) return c:upper() end)
  return { result = result }
end
return M
