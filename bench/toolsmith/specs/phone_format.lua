local M = {}
function M.run(input)
  local d = input.number:gsub("%D", "")
  return { phone = "(" .. d:sub(1, 3) .. ") " .. d:sub(4, 6) .. "-" .. d:sub(7, 10) }
end
return M
