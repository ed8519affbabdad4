local M = {}
function M.run(input)
  local s = math.tointeger(input.seconds)
  return { time = string.format("%02d:%02d:%02d", s // 3600, s % 3600 // 60, s % 60) }
end
return M
