local M = {}
function M.run(input)
  local n, bits = math.tointeger(input.n), ""
  repeat
    bits = tostring(n % 2) .. bits
    n = n // 2
  until n == 0
  return { binary = bits }
end
return M
