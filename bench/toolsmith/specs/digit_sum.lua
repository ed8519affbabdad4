local M = {}
function M.run(input)
  local sum = 0
  for d in tostring(math.tointeger(input.n)):gmatch("%d") do sum = sum + tonumber(d) end
  return { sum = sum }
end
return M
