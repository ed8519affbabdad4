local M = {}
function M.run(input)
  local n, first = 0, true
  for line in (input.csv .. "\n"):gmatch("([^\n]*)\n") do
    if first then first = false elseif line ~= "" then n = n + 1 end
  end
  return { rows = n }
end
return M
