#ifndef NEXUS_SANDBOX_H
#define NEXUS_SANDBOX_H

// Starts one command in a Linux sandbox (user, mount, pid, ipc, uts and, unless the policy allows
// network, net namespaces; no_new_privs; Landlock; a seccomp filter; rlimits) and hands back its
// pid and pipes. Policy decisions (which paths, which executables, which variables) are made by
// the Swift caller; this file only carries them out. See sandbox.c for what each layer does.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What to start and how to confine it. Every string is borrowed for the duration of the call.
typedef struct nexus_sandbox_config {
    /// Absolute path of the program to execute.
    const char *executable;
    /// NULL-terminated argument vector; argv[0] is the name the program sees.
    const char *const *argv;
    /// NULL-terminated "NAME=value" list: the whole environment of the child.
    const char *const *envp;
    /// The child's working directory.
    const char *working_directory;

    /// 0 starts a plain child (own process group, rlimits, environment; no isolation): the
    /// benchmark baseline. 1 starts it in the sandbox.
    int isolate;

    /// Files and directories readable beneath (Landlock read access). Missing paths are skipped.
    const char *const *read_paths;
    size_t read_path_count;
    /// Files and directories readable and writable beneath.
    const char *const *write_paths;
    size_t write_path_count;
    /// Files that may be executed when `execute_readable` is 0 (the allowed commands, their
    /// interpreters and the dynamic loader).
    const char *const *exec_paths;
    size_t exec_path_count;
    /// 1: everything readable or writable may also be executed (no command list).
    int execute_readable;
    /// Folders of shared libraries when `execute_readable` is 0: with the `exec_paths`, the only
    /// places code can be mapped executable from; every other mount is made noexec, so the
    /// dynamic loader cannot start an unlisted program (`ld.so /usr/bin/id`) or a copied one.
    const char *const *library_paths;
    size_t library_path_count;

    /// 0: a new, empty network namespace, no AF_INET/AF_INET6 sockets, no TCP bind/connect.
    /// 1: still a network namespace of its own, with only loopback up, where the child opens
    /// one TCP listener per allowed destination (`relay_*`) and hands them to the caller, which
    /// relays their connections to the real destinations; AF_INET/AF_INET6 sockets; TCP connect
    /// only to `connect_ports` and no TCP bind (Landlock ABI >= 4, required).
    int network;
    /// With `network`: the only TCP ports connect() may reach (empty: none).
    const uint16_t *connect_ports;
    size_t connect_port_count;
    /// With `network`: the loopback addresses (IPv4, host byte order, within 127.0.0.0/8) and
    /// ports the child listens on inside its namespace, one pair per allowed destination.
    const uint32_t *relay_addresses;
    const uint16_t *relay_ports;
    size_t relay_count;
    /// With relays: a unix socket the child sends the listening descriptors on (SCM_RIGHTS, in
    /// `relay_*` order), for ``nexus_sandbox_receive_relays``.
    int relay_socket;
    /// With `network`, when not NULL: a file bound over /etc/hosts (the allowed host names
    /// mapped to their relay addresses).
    const char *hosts_file;

    /// RLIMIT_CPU in seconds (SIGKILL one second after the soft limit); 0 leaves it.
    uint64_t cpu_seconds;
    /// RLIMIT_AS in bytes; 0 leaves it.
    uint64_t memory_bytes;
    /// RLIMIT_NPROC and (kernel >= 6.14) the pid namespace's pid_max; 0 leaves it.
    uint64_t processes;
    /// RLIMIT_FSIZE in bytes: no file grows past it (EFBIG, or SIGXFSZ); 0 leaves it.
    uint64_t file_bytes;
    /// 1: the child first writes itself into `cgroup_procs_fd` (an open cgroup.procs of a
    /// cgroup the caller made for it, e.g. with a tree-wide memory limit), before it enters a
    /// cgroup namespace of its own rooted there.
    int join_cgroup;
    int cgroup_procs_fd;
} nexus_sandbox_config;

/// A started child. The caller owns every descriptor (all are close-on-exec).
typedef struct nexus_sandbox_child {
    pid_t pid;
    /// A pidfd for the child, or -1 when the kernel could not give one (poll waitpid instead).
    int pidfd;
    /// The write end of the child's stdin, the read ends of its stdout and stderr.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// The Landlock ABI the child was confined with (0 for an unisolated child).
    int landlock_abi;
    /// 1 when the child got a /proc of its own pid namespace (and read access to it).
    int proc_mounted;
} nexus_sandbox_child;

/// Starts `config->executable` as described. On failure returns -errno, fills `message` with
/// one line naming the step that failed, and leaves nothing behind (no child, no descriptors).
/// Blocks the calling thread while the child sets itself up (until its execve).
int nexus_sandbox_spawn(const nexus_sandbox_config *config, nexus_sandbox_child *child,
                        char *message, size_t message_size);

/// The Landlock ABI version of the running kernel, 0 when Landlock is unavailable.
int nexus_sandbox_landlock_abi(void);

/// Receives the listening descriptors a started child sent on `relay_socket`'s peer, into
/// `fds` (at most `capacity`). Returns how many, or -errno.
int nexus_sandbox_receive_relays(int socket, int *fds, size_t capacity);

/// Sends `signal` to the child: through the pidfd when there is one (no pid reuse race), to its
/// process group when it was started unisolated (the whole tree), else to its pid. For an
/// isolated child, SIGKILL ends every process of its pid namespace.
int nexus_sandbox_signal(const nexus_sandbox_child *child, int isolated, int signal);

/// Splits a waitpid status: *exit_code >= 0 when it exited, *signal > 0 when a signal ended it.
void nexus_sandbox_decode_status(int status, int *exit_code, int *signal);

#ifdef __cplusplus
}
#endif

#endif
