local M = {}
function M.run(input)
  local words = {}
  for w in input.text:gmatch("%S+") do table.insert(words, 1, w) end
  return { result = table.concat(words, " ") }
end
return M
