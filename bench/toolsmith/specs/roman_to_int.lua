local M = {}
local VALUE = { I = 1, V = 5, X = 10, L = 50, C = 100, D = 500, M = 1000 }
function M.run(input)
  local s, total = input.roman, 0
  for i = 1, #s do
    local v, next_ = VALUE[s:sub(i, i)], VALUE[s:sub(i + 1, i + 1)]
    if next_ and next_ > v then total = total - v else total = total + v end
  end
  return { value = total }
end
return M
