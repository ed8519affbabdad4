local M = {}
function M.run(input)
  local result = input.text:gsub("%S+", function(w)
    return w:sub(1, 1):upper() .. w:sub(2):lower()
  end)
  return { result = result }
end
return M
