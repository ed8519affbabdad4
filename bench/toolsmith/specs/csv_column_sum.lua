local M = {}

local function fields(line)
  local out = {}
  for f in (line .. ","):gmatch("([^,]*),") do out[#out + 1] = f end
  return out
end

function M.run(input)
  local header, col, total = nil, nil, 0
  for line in (input.csv .. "\n"):gmatch("([^\n]*)\n") do
    if not header then
      header = fields(line)
      for i, name in ipairs(header) do if name == input.column then col = i end end
    elseif line ~= "" and col then
      total = total + (tonumber(fields(line)[col]) or 0)
    end
  end
  return { total = total }
end
return M
