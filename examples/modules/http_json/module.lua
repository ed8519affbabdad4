-- An adapter for a JSON HTTP API that needs a credential.
local M = {}

function M.run(input)
  local token = nexus.credential("NEXUS_EXAMPLE_TOKEN")
  local response = nexus.call("web_fetch", {
    url = input.url,
    headers = { Authorization = "Bearer " .. token, Accept = "application/json" },
  })
  local status = tonumber(response:match("^HTTP (%d+)"))
  local body = response:match("\n\n(.*)$") or ""
  return { status = status, data = nexus.json.decode(body) }
end

return M
