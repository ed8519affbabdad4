-- CSV parsing for other modules (require("csv")) and as a tool of its own.
local M = {}

-- Splits CSV text into records of fields, honouring quotes.
function M.parse(text)
  local records, record, field = {}, {}, {}
  local i, n, quoted = 1, #text, false
  local function end_field()
    record[#record + 1] = table.concat(field)
    field = {}
  end
  local function end_record()
    end_field()
    if not (#record == 1 and record[1] == "") then records[#records + 1] = record end
    record = {}
  end
  while i <= n do
    local c = text:sub(i, i)
    if quoted then
      if c == '"' then
        if text:sub(i + 1, i + 1) == '"' then
          field[#field + 1] = '"'
          i = i + 1
        else
          quoted = false
        end
      else
        field[#field + 1] = c
      end
    elseif c == '"' then
      quoted = true
    elseif c == "," then
      end_field()
    elseif c == "\n" then
      end_record()
    elseif c ~= "\r" then
      field[#field + 1] = c
    end
    i = i + 1
  end
  if #field > 0 or #record > 0 then end_record() end
  local header = table.remove(records, 1) or {}
  return nexus.array(header), nexus.array(records)
end

function M.run(input)
  local header, rows = M.parse(input.text)
  return { header = header, rows = rows }
end

return M
