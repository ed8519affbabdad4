local M = {}
function M.run(input)
  local result = {}
  for _, k in ipairs(input.keys) do
    if input.object[k] ~= nil then result[k] = input.object[k] end
  end
  return { result = result }
end
return M
