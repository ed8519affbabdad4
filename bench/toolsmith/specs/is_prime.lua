local M = {}
function M.run(input)
  local n = input.n
  if n < 2 then return { prime = false } end
  local d = 2
  while d * d <= n do
    if n % d == 0 then return { prime = false } end
    d = d + 1
  end
  return { prime = true }
end
return M
