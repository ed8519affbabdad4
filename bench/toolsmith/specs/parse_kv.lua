local M = {}

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

function M.run(input)
  local pairs_ = {}
  for piece in (input.text .. ";"):gmatch("([^;]*);") do
    local k, v = piece:match("^([^=]*)=(.*)$")
    if k then pairs_[trim(k)] = trim(v) end
  end
  return { pairs = pairs_ }
end
return M
