// One module call in a process of its own: see `LuaWorkerLoop`. Nexus starts this program in
// its sandbox (no files, no network, rlimits) and speaks to it over stdin and stdout.
import Foundation
import NexusLua

exit(LuaWorkerLoop.run())
