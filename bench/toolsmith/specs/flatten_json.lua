local M = {}

local function walk(obj, prefix, out)
  for k, v in pairs(obj) do
    local key = prefix .. k
    if type(v) == "table" then walk(v, key .. ".", out) else out[key] = v end
  end
end

function M.run(input)
  local flat = {}
  walk(input.object, "", flat)
  return { flat = flat }
end
return M
