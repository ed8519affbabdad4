local M = {}
function M.run(input)
  local inverted = {}
  for k, v in pairs(input.object) do inverted[v] = k end
  return { inverted = inverted }
end
return M
