local M = {}
function M.run(input)
  local _, count = input.text:gsub("[aeiouAEIOU]", "")
  return { count = count }
end
return M
