local M = {}
function M.run(input)
  local total = 0
  for _, d in ipairs(input.durations) do
    local h, m = d:match("^(%d+):(%d+)$")
    total = total + tonumber(h) * 3600 + tonumber(m) * 60
  end
  return { seconds = total }
end
return M
