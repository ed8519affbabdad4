-- Summarizes a CSV file, using the csv module from the graph for parsing.
local csv = require("csv")

local M = {}

function M.run(input)
  local text = nexus.call("filesystem_read", { path = input.path })
  local header, rows = csv.parse(text)
  local columns = {}
  for c, name in ipairs(header) do
    local numeric, min, max, sum, distinct, seen = true, nil, nil, 0, 0, {}
    for _, row in ipairs(rows) do
      local value = row[c] or ""
      if not seen[value] then
        seen[value] = true
        distinct = distinct + 1
      end
      local number = tonumber(value)
      if number == nil then
        numeric = false
      else
        min = (min == nil or number < min) and number or min
        max = (max == nil or number > max) and number or max
        sum = sum + number
      end
    end
    if numeric and #rows > 0 then
      columns[name] = { type = "number", min = min, max = max, sum = sum, mean = sum / #rows }
    else
      columns[name] = { type = "text", distinct = distinct }
    end
  end
  return { rows = #rows, columns = columns }
end

return M
