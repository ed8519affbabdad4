local M = {}
function M.run(input)
  local s, out, i = input.text, {}, 1
  while i <= #s do
    local c, j = s:sub(i, i), i
    while s:sub(j + 1, j + 1) == c do j = j + 1 end
    out[#out + 1] = (j - i + 1) .. c
    i = j + 1
  end
  return { encoded = table.concat(out) }
end
return M
