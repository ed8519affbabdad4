local M = {}

local function fields(line)
  local out = {}
  for f in (line .. ","):gmatch("([^,]*),") do out[#out + 1] = f end
  return out
end

function M.run(input)
  local header, rows = nil, {}
  for line in (input.csv .. "\n"):gmatch("([^\n]*)\n") do
    if not header then
      header = fields(line)
    elseif line ~= "" then
      local values, row = fields(line), {}
      for i, name in ipairs(header) do row[name] = values[i] or "" end
      rows[#rows + 1] = row
    end
  end
  return { rows = rows }
end
return M
