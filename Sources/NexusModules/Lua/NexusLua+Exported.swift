// The outcome types of a module call (`LuaOutcome`, `LuaFailure`) live with the Lua sandbox in
// NexusLua, which the worker process shares; users of NexusModules see them as before.
@_exported public import NexusLua
