-- Counts words (runs of non-space characters) in workspace files.
-- filesystem_read puts "[PATH: N lines]" (or "[PATH is empty]") before the text, for models.
local function file_text(path)
  local text = nexus.call("filesystem_read", { path = path })
  if text:match("^%[[^\n]* is empty%]$") then return "" end
  return (text:gsub("^%[[^\n]*%]\n", "", 1))
end

local M = {}

local function text_files()
  local listing = nexus.call("filesystem_list", { path = "." })
  local paths = {}
  for line in listing:gmatch("[^\n]+") do
    local path = line:match("^%s*(%S+)")
    if path and (path:match("%.txt$") or path:match("%.md$")) then
      paths[#paths + 1] = path:gsub("^%./", "")
    end
  end
  table.sort(paths)
  return paths
end

function M.run(input)
  local paths = input.paths or text_files()
  local files, total = {}, 0
  for _, path in ipairs(paths) do
    local text = file_text(path)
    local count = 0
    for _ in text:gmatch("%S+") do count = count + 1 end
    files[path] = count
    total = total + count
  end
  return { files = files, total = total }
end

return M
