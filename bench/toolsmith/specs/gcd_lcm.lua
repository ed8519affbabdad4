local M = {}
function M.run(input)
  local a, b = input.a, input.b
  while b ~= 0 do a, b = b, a % b end
  return { gcd = a, lcm = input.a // a * input.b }
end
return M
