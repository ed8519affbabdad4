local M = {}
function M.run(input)
  local counts, order = {}, {}
  for c in input.text:gmatch("[^ ]") do
    if not counts[c] then order[#order + 1] = c end
    counts[c] = (counts[c] or 0) + 1
  end
  -- walk in order of first appearance so the earliest wins a tie
  local best = order[1]
  for _, c in ipairs(order) do
    if counts[c] > counts[best] then best = c end
  end
  return { char = best, count = counts[best] }
end
return M
