-- Summarizes a CSV file, using the csv module from the graph for parsing.
local csv = require("csv")

-- filesystem_read puts "[PATH: N lines]" (or "[PATH is empty]") before the text, for models.
local function file_text(path)
  local text = nexus.call("filesystem_read", { path = path })
  if text:match("^%[[^\n]* is empty%]$") then return "" end
  return (text:gsub("^%[[^\n]*%]\n", "", 1))
end

local M = {}

function M.run(input)
  local text = file_text(input.path)
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
