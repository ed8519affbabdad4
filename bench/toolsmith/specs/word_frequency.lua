local M = {}
function M.run(input)
  local counts = {}
  for w in input.text:gmatch("%a+") do
    w = w:lower()
    counts[w] = (counts[w] or 0) + 1
  end
  return { counts = counts }
end
return M
