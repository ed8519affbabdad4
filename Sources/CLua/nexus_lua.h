// Lua 5.4 for Nexus: the few macros of the C API as functions Swift can call, plus the sandbox's
// resource limits — an allocator with a memory cap, an instruction-count hook with a wall-clock
// deadline, and one trampoline through which Lua calls back into Swift.
//
// Errors are raised only from C frames: the Swift host function returns -1 with a message on the
// stack and the trampoline raises it, so a Lua error never unwinds through Swift code.
#ifndef NEXUS_LUA_H
#define NEXUS_LUA_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/// Why a sandboxed call was stopped.
enum {
    NEXUS_LUA_RUNNING = 0,
    NEXUS_LUA_STOP_INSTRUCTIONS = 1,
    NEXUS_LUA_STOP_MEMORY = 2,
    NEXUS_LUA_STOP_TIME = 3,
    NEXUS_LUA_STOP_CANCELLED = 4,
};

/// A Swift function Lua calls through `nexus_lua_trampoline`: `which` says which host function,
/// the arguments are on the stack. Returns the number of results pushed, or -1 with an error
/// message on top of the stack.
typedef int (*nexus_lua_host_function)(lua_State *L, int which, void *context);

/// The limits of one Lua state, its allocator's user data.
typedef struct nexus_lua_limits {
    size_t memory_limit;
    size_t memory_used;
    size_t memory_peak;
    /// While set (host work in Swift), allocations are not capped; the cap is checked afterwards.
    int unlimited;
    long long instruction_limit;
    long long instructions;
    int hook_step;
    /// CLOCK_MONOTONIC seconds after which the call stops; 0 for none.
    double deadline;
    int stop_reason;
    /// Set from another thread to stop the call at its next hook.
    volatile int cancelled;
    /// How many `coroutine.close` calls are running inside each other.
    int close_depth;
    nexus_lua_host_function host;
    void *host_context;
} nexus_lua_limits;

static inline double nexus_lua_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void *nexus_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    nexus_lua_limits *limits = (nexus_lua_limits *)ud;
    if (ptr == NULL) osize = 0;
    if (nsize == 0) {
        free(ptr);
        limits->memory_used -= osize;
        return NULL;
    }
    if (nsize > osize && !limits->unlimited && limits->memory_used - osize + nsize > limits->memory_limit) {
        if (limits->stop_reason == NEXUS_LUA_RUNNING) limits->stop_reason = NEXUS_LUA_STOP_MEMORY;
        return NULL;
    }
    void *resized = realloc(ptr, nsize);
    if (resized == NULL) return NULL;
    limits->memory_used = limits->memory_used - osize + nsize;
    if (limits->memory_used > limits->memory_peak) limits->memory_peak = limits->memory_used;
    return resized;
}

static inline const char *nexus_lua_stop_message(int reason) {
    switch (reason) {
    case NEXUS_LUA_STOP_INSTRUCTIONS: return "nexus: instruction budget exhausted";
    case NEXUS_LUA_STOP_MEMORY: return "nexus: memory limit reached";
    case NEXUS_LUA_STOP_TIME: return "nexus: wall-clock time limit reached";
    case NEXUS_LUA_STOP_CANCELLED: return "nexus: cancelled";
    default: return "nexus: stopped";
    }
}

/// Counts instructions and checks the deadline; once a limit is crossed it raises an error at
/// every instruction, so `pcall` inside the module cannot keep it running.
static void nexus_lua_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    nexus_lua_limits *limits;
    lua_getallocf(L, (void **)&limits);
    limits->instructions += limits->hook_step;
    if (limits->stop_reason == NEXUS_LUA_RUNNING) {
        if (limits->instructions > limits->instruction_limit) {
            limits->stop_reason = NEXUS_LUA_STOP_INSTRUCTIONS;
        } else if (limits->cancelled) {
            limits->stop_reason = NEXUS_LUA_STOP_CANCELLED;
        } else if (limits->deadline > 0 && nexus_lua_now() > limits->deadline) {
            limits->stop_reason = NEXUS_LUA_STOP_TIME;
        }
    }
    if (limits->stop_reason != NEXUS_LUA_RUNNING) {
        limits->hook_step = 1;
        lua_sethook(L, nexus_lua_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "%s", nexus_lua_stop_message(limits->stop_reason));
    }
}

/// Calls the Swift host function named by upvalue 1, uncapped, and raises its error if any.
static int nexus_lua_trampoline(lua_State *L) {
    nexus_lua_limits *limits;
    lua_getallocf(L, (void **)&limits);
    if (limits->stop_reason != NEXUS_LUA_RUNNING) return luaL_error(L, "%s", nexus_lua_stop_message(limits->stop_reason));
    int which = (int)lua_tointegerx(L, lua_upvalueindex(1), NULL);
    limits->unlimited = 1;
    int results = limits->host(L, which, limits->host_context);
    limits->unlimited = 0;
    if (results < 0) return lua_error(L);
    if (limits->memory_used > limits->memory_limit) {
        limits->stop_reason = NEXUS_LUA_STOP_MEMORY;
        return luaL_error(L, "%s", nexus_lua_stop_message(limits->stop_reason));
    }
    if (limits->stop_reason != NEXUS_LUA_RUNNING) return luaL_error(L, "%s", nexus_lua_stop_message(limits->stop_reason));
    return results;
}

/// `load` for text chunks only: binary chunks are refused.
static int nexus_lua_load_text(lua_State *L) {
    size_t length;
    const char *text = luaL_checklstring(L, 1, &length);
    const char *name = luaL_optstring(L, 2, "=(load)");
    int has_env = !lua_isnoneornil(L, 4);
    if (luaL_loadbufferx(L, text, length, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2);
        return 2;
    }
    if (has_env) {
        lua_pushvalue(L, 4);
        if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
    }
    return 1;
}

/// How deep `coroutine.close` may nest (a closed coroutine's `__close` closing another). Lua
/// 5.4.4 does not count these C frames, so a long chain overflows the C stack.
#define NEXUS_LUA_MAX_CLOSE_DEPTH 100

/// Lua's hooks are off while a message handler runs for an error the hook itself raised, and
/// inside finalizers and in a coroutine that died from such an error. The wrappers below keep
/// module code out of each of those places; the worker process is the boundary behind them.

/// The message handler `xpcall` really gets: calls the module's handler (upvalue 1) only while
/// no limit has stopped the call, since after a stop it would run with hooks off.
static int nexus_lua_guarded_handler(lua_State *L) {
    nexus_lua_limits *limits;
    lua_getallocf(L, (void **)&limits);
    if (limits->stop_reason != NEXUS_LUA_RUNNING) {
        lua_settop(L, 1);
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int nexus_lua_forward_results(lua_State *L, int status, lua_KContext context) {
    (void)status;
    (void)context;
    return lua_gettop(L);
}

/// `xpcall(f, handler, ...)` with the handler guarded; the original is upvalue 1.
static int nexus_lua_xpcall(lua_State *L) {
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, nexus_lua_guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, nexus_lua_forward_results);
    return lua_gettop(L);
}

/// `setmetatable` that refuses a metatable with a `__gc` field: finalizers run with hooks off
/// (outside the budget) and at the state's close (outside the memory cap). Lua marks an object
/// for finalization only when its metatable has `__gc` at this moment, so adding it later does
/// nothing. The original is upvalue 1.
static int nexus_lua_setmetatable(lua_State *L) {
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int type = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (type != LUA_TNIL) {
            return luaL_error(L, "__gc finalizers are not available to modules (they would run outside the instruction budget); release resources explicitly");
        }
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/// `coroutine.close` that refuses after a stop (a coroutine killed by the hook has hooks off,
/// so its pending `__close` handlers would run unbudgeted) and beyond a nesting depth. The
/// original is upvalue 1.
static int nexus_lua_coroutine_close(lua_State *L) {
    nexus_lua_limits *limits;
    lua_getallocf(L, (void **)&limits);
    if (limits->stop_reason != NEXUS_LUA_RUNNING) return luaL_error(L, "%s", nexus_lua_stop_message(limits->stop_reason));
    if (limits->close_depth >= NEXUS_LUA_MAX_CLOSE_DEPTH) {
        return luaL_error(L, "coroutine.close nested more than %d deep (a coroutine's __close closing another, and so on); close them one after another", NEXUS_LUA_MAX_CLOSE_DEPTH);
    }
    limits->close_depth++;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    limits->close_depth--;
    if (status != LUA_OK) return lua_error(L);
    return lua_gettop(L);
}

/// Replaces `table[name]` (the global table when `table` is NULL) with `wrapper`, which gets
/// the original as upvalue 1.
static inline void nexus_lua_wrap(lua_State *L, const char *table, const char *name, lua_CFunction wrapper) {
    if (table != NULL) lua_getglobal(L, table); else lua_pushglobaltable(L);
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

/// A new state whose allocator is capped by `limits`, or NULL when memory is short.
static inline lua_State *nexus_lua_new_state(nexus_lua_limits *limits) {
    return lua_newstate(nexus_lua_alloc, limits);
}

/// Opens the safe standard libraries (base, coroutine, table, string, math, utf8) and removes
/// what reaches outside the sandbox: no os, io, debug or package; no dofile, loadfile,
/// collectgarbage or string.dump; `load` takes text only; `xpcall`, `setmetatable` and
/// `coroutine.close` guarded as above.
static inline void nexus_lua_open_safe_libraries(lua_State *L) {
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_COLIBNAME, luaopen_coroutine, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
    lua_pop(L, 6);
    const char *removed[] = {"dofile", "loadfile", "collectgarbage", "require", NULL};
    for (int i = 0; removed[i] != NULL; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, nexus_lua_load_text);
    lua_setglobal(L, "load");
    nexus_lua_wrap(L, NULL, "xpcall", nexus_lua_xpcall);
    nexus_lua_wrap(L, NULL, "setmetatable", nexus_lua_setmetatable);
    nexus_lua_wrap(L, LUA_COLIBNAME, "close", nexus_lua_coroutine_close);
}

/// Pushes a function that calls host function `which`.
static inline void nexus_lua_push_host_function(lua_State *L, int which) {
    lua_pushinteger(L, which);
    lua_pushcclosure(L, nexus_lua_trampoline, 1);
}

/// Starts counting instructions (checked every `step`) and caps memory from now on.
static inline void nexus_lua_start_limits(lua_State *L, nexus_lua_limits *limits, int step) {
    limits->hook_step = step;
    limits->unlimited = 0;
    lua_sethook(L, nexus_lua_hook, LUA_MASKCOUNT, step);
}

// The macros of lua.h, as functions.
static inline void nexus_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void nexus_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int nexus_lua_pcall(lua_State *L, int nargs, int nresults) { return lua_pcall(L, nargs, nresults, 0); }
static inline const char *nexus_lua_tolstring(lua_State *L, int index, size_t *length) { return lua_tolstring(L, index, length); }
static inline int nexus_lua_registry_index(void) { return LUA_REGISTRYINDEX; }
static inline void nexus_lua_insert(lua_State *L, int index) { lua_insert(L, index); }
static inline void nexus_lua_remove(lua_State *L, int index) { lua_remove(L, index); }
static inline int nexus_lua_is_integer_valued(lua_State *L, int index) { return lua_isinteger(L, index); }

#endif
