local M = {}
local VALUES = { 1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1 }
local SYMBOLS = { "M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I" }
function M.run(input)
  local n, out = input.n, {}
  for i, v in ipairs(VALUES) do
    while n >= v do
      out[#out + 1] = SYMBOLS[i]
      n = n - v
    end
  end
  return { roman = table.concat(out) }
end
return M
