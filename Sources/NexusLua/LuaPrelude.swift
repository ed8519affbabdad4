/// Lua run in every fresh state before a module: the `nexus` table, `print`, `require` from the
/// graph, and the entry point that calls the module's `run(input)`.
///
/// It receives the host functions as arguments and returns the values Swift keeps in the
/// registry: the entry point, the metatable that marks JSON arrays, and the `nexus.null` sentinel.
enum LuaPrelude {
    static let source = #"""
    local host_call, host_credential, host_decode, host_encode, host_log, host_load = ...
    local select, tostring, type, error, setmetatable = select, tostring, type, error, setmetatable
    local concat = table.concat

    -- coroutine.wrap closes a coroutine that died from an error; Lua 5.4's own version does it
    -- in C even when the error came from the instruction hook, and that coroutine's pending
    -- __close handlers would then run with hooks off. This one closes through the guarded
    -- coroutine.close, which refuses once a limit has stopped the call.
    local create, resume, close, pack, unpack = coroutine.create, coroutine.resume, coroutine.close, table.pack, table.unpack
    coroutine.wrap = function(f)
      local co = create(f)
      return function(...)
        local results = pack(resume(co, ...))
        if results[1] then return unpack(results, 2, results.n) end
        local problem = results[2]
        close(co)
        error(problem, type(problem) == "string" and 2 or 0)
      end
    end

    local array_mt = { __name = "nexus.array" }
    local null = setmetatable({}, { __name = "nexus.null", __tostring = function() return "null" end })

    nexus = {
      call = function(tool, arguments)
        if type(tool) ~= "string" then error("nexus.call needs a tool name as its first argument", 2) end
        if arguments ~= nil and type(arguments) ~= "table" then error("nexus.call needs a table of arguments", 2) end
        return host_call(tool, arguments or {})
      end,
      credential = function(name)
        if type(name) ~= "string" then error("nexus.credential needs a variable name", 2) end
        return host_credential(name)
      end,
      json = { decode = host_decode, encode = host_encode },
      log = function(...) host_log(...) end,
      null = null,
      array = function(items) return setmetatable(items or {}, array_mt) end,
    }

    print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      host_log(concat(parts, "\t"))
    end

    local loaded, loading = {}, {}
    require = function(name)
      if type(name) ~= "string" then error("require needs a module name", 2) end
      local value = loaded[name]
      if value ~= nil then return value end
      if loading[name] then error("require cycle through module '" .. name .. "'", 2) end
      loading[name] = true
      local chunk = host_load(name)
      value = chunk()
      loading[name] = nil
      if value == nil then value = true end
      loaded[name] = value
      return value
    end

    local function main(chunk, input)
      local module = chunk()
      if type(module) ~= "table" or type(module.run) ~= "function" then
        error("the module must return a table with a run(input) function, like: local M = {} function M.run(input) ... end return M", 0)
      end
      return module.run(input)
    end

    return main, array_mt, null
    """#
}
