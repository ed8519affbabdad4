// The sandbox every tool process runs in. One entry point, nexus_sandbox_spawn, starts a command
// the way posix_spawn does (clone with CLONE_VM|CLONE_VFORK on a stack of its own, so spawning
// costs no page-table copy of a large parent) and confines it before execve:
//
//   1. signal dispositions reset to default (the mask is cleared last, just before execve: a
//      process started from a Swift concurrency thread inherits a blocked mask);
//   2. new user, mount, pid, ipc, uts and network namespaces (with network allowed: loopback
//      up, the relay listeners opened and sent to the caller, an /etc/hosts bound in; see
//      "Network" below); the caller's uid/gid mapped to themselves; when the caller
//      made a cgroup for it (the tree-wide memory limit), the child moves itself into that
//      cgroup and only then unshares a cgroup namespace, rooted there;
//   3. mounts made private and a /proc of the new pid namespace mounted over /proc, so /proc
//      shows only the sandbox's own processes; where the kernel allows (6.14+), that namespace's
//      pid_max caps how many processes the sandbox can have (see the RLIMIT_NPROC note below),
//      and vm.memfd_noexec=2 keeps memfds from being executed;
//   3b. the whole mount tree made read-only, nosuid and (with a command list) noexec, except
//      bind mounts of the writable paths (writable again), of the listed programs and of the
//      shared-library folders (executable again). Landlock does not cover metadata calls, and
//      the child's uid is the caller's (root here), so without this the child could chmod,
//      chown, utime or setxattr any file it can name; on a read-only mount each fails with
//      EROFS, whatever the route (a path, an O_PATH descriptor, /proc/self/fd). noexec stops
//      the dynamic loader (`ld.so /usr/bin/id`) and mmap(PROT_EXEC) from running code kept
//      anywhere but the listed programs and the library folders;
//   4. stdin/stdout/stderr from the caller's pipes, working directory, every other descriptor
//      closed on exec; rlimits (CPU, address space, processes, file size, no core files);
//   5. no_new_privs; Landlock (best effort by the kernel's ABI, refusing to run without it;
//      TCP bind never, TCP connect only to the policy's ports); every capability dropped (the
//      child is root of its own user namespace until then); a seccomp filter that fails
//      dangerous system calls with EPERM and allows sockets by an allow-list of families
//      (AF_INET/AF_INET6 only with network, AF_UNIX only as a socketpair);
//   6. the signal mask cleared, then execve.
//
// Between clone and execve the child shares the parent's memory (CLONE_VM) and runs on a thread
// that may hold locks, so it makes only raw system calls and async-signal-safe libc calls: no
// malloc, no stdio, no locks. A setup failure is written as {step, errno} to a close-on-exec
// pipe; a successful execve closes that pipe, which is how the parent tells the two apart.
//
// RLIMIT_NPROC: the kernel skips this limit for processes whose real uid is root (the init
// user's `user_struct`), and the child keeps the caller's uid. When Nexus runs as root, the
// pid_max of the sandbox's own pid namespace is what bounds a fork bomb (kernel 6.14+, at least
// 301 pids, the kernel's minimum), together with the wall-clock kill of the whole namespace.
//
// Network: the child always gets a network namespace of its own. With network allowed, it
// brings loopback up there, opens one TCP listener per allowed destination (a loopback address
// and port the caller chose; host names point at them through an /etc/hosts bound in) and sends
// the listeners to the caller, which relays each connection to the real destination it stands
// for. So the command reaches the allowed host:ports and nothing else: not other hosts, not the
// host's loopback services, not Nexus's listener, and no UDP at all. Landlock (ABI >= 4,
// required for network) also restricts TCP connect to the listed ports.

#define _GNU_SOURCE
#include "nexus_sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
// linux/mount.h's mount_setattr UAPI, spelled out: Debian 12's glibc headers clash with it.
#define NX_MOUNT_ATTR_RDONLY 0x00000001
#define NX_MOUNT_ATTR_NOSUID 0x00000002
#define NX_MOUNT_ATTR_NOEXEC 0x00000008
struct nx_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

// Landlock's UAPI, spelled out here because distribution headers lag the running kernel
// (Debian 12's linux/landlock.h stops at ABI 2; the kernel here speaks ABI 7).
#define NX_LL_CREATE_RULESET_VERSION (1U << 0)
#define NX_LL_RULE_PATH_BENEATH 1
#define NX_LL_RULE_NET_PORT 2

#define NX_LL_FS_EXECUTE (1ULL << 0)
#define NX_LL_FS_WRITE_FILE (1ULL << 1)
#define NX_LL_FS_READ_FILE (1ULL << 2)
#define NX_LL_FS_READ_DIR (1ULL << 3)
#define NX_LL_FS_REMOVE_DIR (1ULL << 4)
#define NX_LL_FS_REMOVE_FILE (1ULL << 5)
#define NX_LL_FS_MAKE_CHAR (1ULL << 6)
#define NX_LL_FS_MAKE_DIR (1ULL << 7)
#define NX_LL_FS_MAKE_REG (1ULL << 8)
#define NX_LL_FS_MAKE_SOCK (1ULL << 9)
#define NX_LL_FS_MAKE_FIFO (1ULL << 10)
#define NX_LL_FS_MAKE_BLOCK (1ULL << 11)
#define NX_LL_FS_MAKE_SYM (1ULL << 12)
#define NX_LL_FS_REFER (1ULL << 13)    /* ABI 2 */
#define NX_LL_FS_TRUNCATE (1ULL << 14) /* ABI 3 */
// ABI 5's LANDLOCK_ACCESS_FS_IOCTL_DEV is left unhandled: the only devices the child can open
// are /dev/null, zero, full, random and urandom, whose ioctls grant nothing.

#define NX_LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NX_LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define NX_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0) /* ABI 6 */
#define NX_LL_SCOPE_SIGNAL (1ULL << 1)               /* ABI 6 */

struct nx_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct nx_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

struct nx_ll_net_port_attr {
    uint64_t allowed_access;
    uint64_t port;
};

#define NX_LL_FILE_RIGHTS (NX_LL_FS_EXECUTE | NX_LL_FS_WRITE_FILE | NX_LL_FS_READ_FILE | NX_LL_FS_TRUNCATE)

static uint64_t landlock_fs_rights(int abi) {
    uint64_t rights = (NX_LL_FS_MAKE_SYM << 1) - 1; // ABI 1: bits 0...12
    if (abi >= 2) rights |= NX_LL_FS_REFER;
    if (abi >= 3) rights |= NX_LL_FS_TRUNCATE;
    return rights;
}

// MARK: - The child's steps, for messages

enum child_step {
    STEP_SETGROUPS = 1,
    STEP_UID_MAP,
    STEP_GID_MAP,
    STEP_MOUNT_PRIVATE,
    STEP_LOOPBACK,
    STEP_RELAY_LISTEN,
    STEP_RELAY_SEND,
    STEP_HOSTS,
    STEP_CGROUP,
    STEP_CGROUP_NAMESPACE,
    STEP_MOUNT_BIND,
    STEP_MOUNT_READONLY,
    STEP_MOUNT_REOPEN,
    STEP_STDIO,
    STEP_CHDIR,
    STEP_RLIMIT,
    STEP_PROCESS_GROUP,
    STEP_NO_NEW_PRIVS,
    STEP_LANDLOCK_RULESET,
    STEP_LANDLOCK_RULE,
    STEP_LANDLOCK_NET_RULE,
    STEP_LANDLOCK_RESTRICT,
    STEP_CAPABILITIES,
    STEP_SECCOMP,
    STEP_EXEC,
};

static const char *step_name(int step) {
    switch (step) {
    case STEP_SETGROUPS: return "writing /proc/self/setgroups";
    case STEP_UID_MAP: return "mapping the user id into the user namespace";
    case STEP_GID_MAP: return "mapping the group id into the user namespace";
    case STEP_MOUNT_PRIVATE: return "making mounts private";
    case STEP_LOOPBACK: return "bringing up loopback in the sandbox's network namespace";
    case STEP_RELAY_LISTEN: return "opening a relay listener for an allowed destination";
    case STEP_RELAY_SEND: return "handing the relay listeners to Nexus";
    case STEP_HOSTS: return "binding the sandbox's /etc/hosts";
    case STEP_CGROUP: return "joining the command's cgroup (its memory limit)";
    case STEP_CGROUP_NAMESPACE: return "creating the cgroup namespace";
    case STEP_MOUNT_BIND: return "bind-mounting a writable path, a listed program or a library folder";
    case STEP_MOUNT_READONLY: return "making the file system read-only and non-executable";
    case STEP_MOUNT_REOPEN: return "making a writable path writable (or a program executable) again";
    case STEP_STDIO: return "connecting stdin/stdout/stderr";
    case STEP_CHDIR: return "entering the working directory";
    case STEP_RLIMIT: return "setting resource limits";
    case STEP_PROCESS_GROUP: return "creating a process group";
    case STEP_NO_NEW_PRIVS: return "setting no_new_privs";
    case STEP_LANDLOCK_RULESET: return "creating the Landlock ruleset";
    case STEP_LANDLOCK_RULE: return "adding a Landlock path rule";
    case STEP_LANDLOCK_NET_RULE: return "adding a Landlock port rule";
    case STEP_LANDLOCK_RESTRICT: return "applying Landlock";
    case STEP_CAPABILITIES: return "dropping capabilities";
    case STEP_SECCOMP: return "installing the seccomp filter";
    case STEP_EXEC: return "executing the command";
    default: return "setting up the sandbox";
    }
}

struct child_report {
    int32_t step;
    int32_t error;
};

/// Everything the child needs, prepared by the parent before clone. The child writes back the
/// two result fields (it shares the parent's memory until execve).
struct child_args {
    const nexus_sandbox_config *config;
    int report_fd;
    int stdin_read;
    int stdout_write;
    int stderr_write;
    int landlock_abi;
    const struct sock_fprog *filter;
    char uid_map[48];
    size_t uid_map_length;
    char gid_map[48];
    size_t gid_map_length;
    char pid_max[24];
    size_t pid_max_length;
    // Written by the child.
    int proc_mounted;
};

// MARK: - Seccomp

#if defined(__x86_64__)
#define NX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NX_ARG_LOW(n) (offsetof(struct seccomp_data, args) + 8 * (n))
#else
#define NX_ARG_LOW(n) (offsetof(struct seccomp_data, args) + 8 * (n) + 4)
#endif

#define NX_RET_ERRNO(e) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define NX_RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/// System calls that fail with EPERM inside the sandbox: debugging other processes, mounting,
/// new namespaces, kernel modules and kexec, BPF and perf, the keyring, io_uring (which bypasses
/// this filter's view of system calls), swap, reboot, clock setting, handle-based opens.
static const int denied_syscalls[] = {
#ifdef __NR_ptrace
    __NR_ptrace,
#endif
#ifdef __NR_process_vm_readv
    __NR_process_vm_readv, __NR_process_vm_writev,
#endif
#ifdef __NR_pidfd_getfd
    __NR_pidfd_getfd,
#endif
#ifdef __NR_process_madvise
    __NR_process_madvise,
#endif
#ifdef __NR_mount
    __NR_mount,
#endif
#ifdef __NR_umount2
    __NR_umount2,
#endif
#ifdef __NR_umount
    __NR_umount,
#endif
#ifdef __NR_pivot_root
    __NR_pivot_root,
#endif
#ifdef __NR_chroot
    __NR_chroot,
#endif
#ifdef __NR_open_tree
    __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
#endif
#ifdef __NR_mount_setattr
    __NR_mount_setattr,
#endif
#ifdef __NR_unshare
    __NR_unshare,
#endif
#ifdef __NR_setns
    __NR_setns,
#endif
#ifdef __NR_bpf
    __NR_bpf,
#endif
#ifdef __NR_perf_event_open
    __NR_perf_event_open,
#endif
#ifdef __NR_userfaultfd
    __NR_userfaultfd,
#endif
#ifdef __NR_kexec_load
    __NR_kexec_load,
#endif
#ifdef __NR_kexec_file_load
    __NR_kexec_file_load,
#endif
#ifdef __NR_init_module
    __NR_init_module,
#endif
#ifdef __NR_finit_module
    __NR_finit_module,
#endif
#ifdef __NR_delete_module
    __NR_delete_module,
#endif
#ifdef __NR_keyctl
    __NR_keyctl,
#endif
#ifdef __NR_add_key
    __NR_add_key,
#endif
#ifdef __NR_request_key
    __NR_request_key,
#endif
#ifdef __NR_io_uring_setup
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
#ifdef __NR_reboot
    __NR_reboot,
#endif
#ifdef __NR_swapon
    __NR_swapon, __NR_swapoff,
#endif
#ifdef __NR_acct
    __NR_acct,
#endif
#ifdef __NR_quotactl
    __NR_quotactl,
#endif
#ifdef __NR_quotactl_fd
    __NR_quotactl_fd,
#endif
#ifdef __NR_syslog
    __NR_syslog,
#endif
#ifdef __NR_open_by_handle_at
    __NR_open_by_handle_at,
#endif
#ifdef __NR_name_to_handle_at
    __NR_name_to_handle_at,
#endif
#ifdef __NR_fanotify_init
    __NR_fanotify_init,
#endif
#ifdef __NR_lookup_dcookie
    __NR_lookup_dcookie,
#endif
#ifdef __NR_vhangup
    __NR_vhangup,
#endif
#ifdef __NR_iopl
    __NR_iopl,
#endif
#ifdef __NR_ioperm
    __NR_ioperm,
#endif
#ifdef __NR_settimeofday
    __NR_settimeofday,
#endif
#ifdef __NR_clock_settime
    __NR_clock_settime,
#endif
#ifdef __NR_sethostname
    __NR_sethostname,
#endif
#ifdef __NR_setdomainname
    __NR_setdomainname,
#endif
#ifdef __NR_uselib
    __NR_uselib,
#endif
#ifdef __NR__sysctl
    __NR__sysctl,
#endif
#ifdef __NR_nfsservctl
    __NR_nfsservctl,
#endif
};

#define NX_FILTER_CAPACITY 256

/// One seccomp program; there are two, for commands with and without network.
struct nx_filter {
    struct sock_filter code[NX_FILTER_CAPACITY];
    struct sock_fprog program;
    int ready;
};
static struct nx_filter offline_filter, online_filter;
static pthread_once_t filter_once = PTHREAD_ONCE_INIT;

static void build_filter(struct nx_filter *filter, int network) {
#ifdef NX_AUDIT_ARCH
    size_t n = 0;
#define EMIT(instruction) filter->code[n++] = (struct sock_filter)instruction
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NX_AUDIT_ARCH, 1, 0));
    EMIT(NX_RET_ERRNO(EPERM)); // a foreign system call ABI (i386 via int 0x80)
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#ifdef __x86_64__
    EMIT(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1));
    EMIT(NX_RET_ERRNO(EPERM)); // the x32 ABI shares AUDIT_ARCH_X86_64; refuse it wholesale
#endif
    for (size_t i = 0; i < sizeof denied_syscalls / sizeof denied_syscalls[0]; i++) {
        EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)denied_syscalls[i], 0, 1));
        EMIT(NX_RET_ERRNO(EPERM));
    }
#ifdef __NR_clone3
    // clone3 takes its flags in memory the filter cannot read: ENOSYS makes libc fall back to
    // clone, whose flags it can.
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1));
    EMIT(NX_RET_ERRNO(ENOSYS));
#endif
    // clone with namespace flags: no new namespaces once inside (flags are argument 0 on both
    // x86-64 and arm64).
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NX_ARG_LOW(0)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
                  CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP,
                  0, 1));
    EMIT(NX_RET_ERRNO(EPERM));
    EMIT(NX_RET_ALLOW);
    // socket(): an allow-list of address families, not a deny-list. AF_INET and AF_INET6 only
    // when the policy allows network; no AF_UNIX socket of its own (a pathname socket of a
    // host service, a container runtime or a session bus, is reachable by connect() whatever
    // Landlock's ABI says about files); nothing else (netlink, vsock, packet, bluetooth, ...).
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 5));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NX_ARG_LOW(0)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0));
    EMIT(NX_RET_ERRNO(EPERM));
    if (network) EMIT(NX_RET_ALLOW);
    else EMIT(NX_RET_ERRNO(EPERM));
    // socketpair(): AF_UNIX only, a connected pair that reaches nothing outside.
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socketpair, 0, 4));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NX_ARG_LOW(0)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0));
    EMIT(NX_RET_ERRNO(EPERM));
    EMIT(NX_RET_ALLOW);
    // ioctl(TIOCSTI/TIOCLINUX) would push input into a terminal the child was given. The kernel
    // compares the 32-bit command, and so does this.
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5));
    EMIT(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NX_ARG_LOW(1)));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 1, 0));
    EMIT(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 0, 1));
    EMIT(NX_RET_ERRNO(EPERM));
    EMIT(NX_RET_ALLOW);
    EMIT(NX_RET_ALLOW);
#undef EMIT
    filter->program.len = (unsigned short)n;
    filter->program.filter = filter->code;
    filter->ready = n <= NX_FILTER_CAPACITY;
#endif
}

static void build_filters(void) {
    build_filter(&offline_filter, 0);
    build_filter(&online_filter, 1);
}

// MARK: - Child side (async-signal-safe only)

static void report_and_exit(const struct child_args *args, int step, int error) {
    struct child_report report = {step, error};
    ssize_t ignored = write(args->report_fd, &report, sizeof report);
    (void)ignored;
    _exit(127);
}

static int write_small_file(const char *path, const char *data, size_t length) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t written = write(fd, data, length);
    int result = written == (ssize_t)length ? 0 : (written < 0 ? -errno : -EIO);
    close(fd);
    return result;
}

/// A path the caller listed but the child cannot reach is skipped, as Landlock's rules skip it.
static int skippable(int error) {
    return error == ENOENT || error == ENOTDIR || error == EACCES || error == ELOOP;
}

/// Bind-mounts `path` onto itself (with what is mounted beneath it), so that its mount
/// attributes can differ from the tree around it. 1: bound, 0: skipped (missing).
static int bind_onto_itself(const struct child_args *args, const char *path) {
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) == 0) return 1;
    if (skippable(errno)) return 0;
    report_and_exit(args, STEP_MOUNT_BIND, errno);
    return 0;
}

static int set_mount_attributes(const char *path, unsigned flags, uint64_t set, uint64_t clear) {
    struct nx_mount_attr attributes = {.attr_set = set, .attr_clr = clear};
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, flags, &attributes, sizeof attributes);
}

/// Clears `clear` on the bind mount at `path` again. A mount the host itself made read-only
/// or noexec keeps that (its flags are locked in a user namespace: EPERM), which is fine.
static void reopen(const struct child_args *args, const char *path, unsigned flags, uint64_t clear) {
    if (set_mount_attributes(path, flags, 0, clear) < 0 && errno != EPERM && !skippable(errno))
        report_and_exit(args, STEP_MOUNT_REOPEN, errno);
}

/// Loopback up in the child's own network namespace (it comes down).
static void bring_up_loopback(const struct child_args *args) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) report_and_exit(args, STEP_LOOPBACK, errno);
    struct ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.ifr_name, "lo", 3);
    if (ioctl(fd, SIOCGIFFLAGS, &request) < 0) report_and_exit(args, STEP_LOOPBACK, errno);
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &request) < 0) report_and_exit(args, STEP_LOOPBACK, errno);
    // A relay address outside 127.0.0.0/8 (a policy entry that is an IP address) is added to
    // loopback as an alias "lo:N" of its own, so that connecting to it reaches the relay.
    const nexus_sandbox_config *config = args->config;
    for (size_t i = 0; i < config->relay_count && i < 1000; i++) {
        if ((config->relay_addresses[i] >> 24) == 127) continue;
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= config->relay_addresses[j] == config->relay_addresses[i];
        if (seen) continue;
        memset(&request, 0, sizeof request);
        char *name = request.ifr_name;
        memcpy(name, "lo:", 3);
        size_t n = i, length = 3;
        char digits[4];
        size_t count = 0;
        do { digits[count++] = (char)('0' + n % 10); n /= 10; } while (n > 0);
        while (count > 0) name[length++] = digits[--count];
        struct sockaddr_in *address = (struct sockaddr_in *)&request.ifr_addr;
        address->sin_family = AF_INET;
        address->sin_addr.s_addr = htonl(config->relay_addresses[i]);
        if (ioctl(fd, SIOCSIFADDR, &request) < 0) report_and_exit(args, STEP_LOOPBACK, errno);
        address->sin_addr.s_addr = 0xffffffffU;
        if (ioctl(fd, SIOCSIFNETMASK, &request) < 0) report_and_exit(args, STEP_LOOPBACK, errno);
    }
    close(fd);
}

#define NX_RELAY_CAPACITY 64

/// One listener per allowed destination, sent to the caller in one message.
static void open_relays(const struct child_args *args) {
    const nexus_sandbox_config *config = args->config;
    if (config->relay_count == 0) return;
    if (config->relay_count > NX_RELAY_CAPACITY) report_and_exit(args, STEP_RELAY_LISTEN, E2BIG);
    int fds[NX_RELAY_CAPACITY];
    for (size_t i = 0; i < config->relay_count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) report_and_exit(args, STEP_RELAY_LISTEN, errno);
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons(config->relay_ports[i]);
        address.sin_addr.s_addr = htonl(config->relay_addresses[i]);
        if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0 || listen(fd, 64) < 0)
            report_and_exit(args, STEP_RELAY_LISTEN, errno);
        fds[i] = fd;
    }
    char byte = 'r';
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    union {
        char buffer[CMSG_SPACE(sizeof(int) * NX_RELAY_CAPACITY)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = CMSG_SPACE(sizeof(int) * config->relay_count)};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * config->relay_count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * config->relay_count);
    if (sendmsg(config->relay_socket, &message, MSG_NOSIGNAL) != 1) report_and_exit(args, STEP_RELAY_SEND, errno);
    // The child's own copies close on execve; the caller keeps the listeners.
}

/// Step 3b of the header: the tree read-only, nosuid and (with a command list) noexec, then
/// the writable paths writable and the listed programs and library folders executable again.
static void confine_mounts(const struct child_args *args) {
    const nexus_sandbox_config *config = args->config;
    int listed = !config->execute_readable;
    // Bound in this order so that each later bind sits on top of an earlier one it lies in:
    // a writable folder inside a library folder stays noexec, a listed script inside the
    // workspace is executable.
    char bound_library[config->library_path_count + 1], bound_write[config->write_path_count + 1];
    char bound_exec[config->exec_path_count + 1];
    for (size_t i = 0; i < config->library_path_count; i++)
        bound_library[i] = listed && bind_onto_itself(args, config->library_paths[i]);
    for (size_t i = 0; i < config->write_path_count; i++)
        bound_write[i] = bind_onto_itself(args, config->write_paths[i]);
    for (size_t i = 0; i < config->exec_path_count; i++)
        bound_exec[i] = listed && bind_onto_itself(args, config->exec_paths[i]);

    uint64_t closed = NX_MOUNT_ATTR_RDONLY | NX_MOUNT_ATTR_NOSUID | (listed ? NX_MOUNT_ATTR_NOEXEC : 0);
    if (set_mount_attributes("/", AT_RECURSIVE, closed, 0) < 0) report_and_exit(args, STEP_MOUNT_READONLY, errno);

    for (size_t i = 0; i < config->library_path_count; i++)
        if (bound_library[i]) reopen(args, config->library_paths[i], 0, NX_MOUNT_ATTR_NOEXEC);
    for (size_t i = 0; i < config->write_path_count; i++)
        if (bound_write[i]) reopen(args, config->write_paths[i], AT_RECURSIVE, NX_MOUNT_ATTR_RDONLY);
    for (size_t i = 0; i < config->exec_path_count; i++)
        if (bound_exec[i]) reopen(args, config->exec_paths[i], 0, NX_MOUNT_ATTR_NOEXEC);
}

/// Adds a path-beneath rule; a missing path is skipped. Directory-only rights are dropped for a
/// file (Landlock refuses them there).
static int landlock_allow_path(int ruleset, const char *path, uint64_t access) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        return skippable(error) ? 0 : -error;
    }
    struct stat status;
    if (fstat(fd, &status) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    if (!S_ISDIR(status.st_mode)) access &= NX_LL_FILE_RIGHTS;
    struct nx_ll_path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
    int result = 0;
    if (access != 0 && syscall(SYS_landlock_add_rule, ruleset, NX_LL_RULE_PATH_BENEATH, &rule, 0) < 0) result = -errno;
    close(fd);
    return result;
}

static void confine_with_landlock(const struct child_args *args) {
    const nexus_sandbox_config *config = args->config;
    int abi = args->landlock_abi;
    uint64_t handled = landlock_fs_rights(abi);

    struct nx_ll_ruleset_attr attributes = {.handled_access_fs = handled};
    // TCP bind never; TCP connect only to the listed ports (none without network).
    int restrict_tcp = abi >= 4;
    if (restrict_tcp) attributes.handled_access_net = NX_LL_NET_BIND_TCP | NX_LL_NET_CONNECT_TCP;
    // Signals and abstract unix sockets only within the sandbox: the child cannot signal Nexus
    // (or anything else outside its Landlock domain) even if it could name it.
    if (abi >= 6) attributes.scoped = NX_LL_SCOPE_ABSTRACT_UNIX_SOCKET | NX_LL_SCOPE_SIGNAL;

    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attributes, sizeof attributes, 0);
    if (ruleset < 0) report_and_exit(args, STEP_LANDLOCK_RULESET, errno);

    uint64_t execute = config->execute_readable ? NX_LL_FS_EXECUTE : 0;
    uint64_t read = NX_LL_FS_READ_FILE | NX_LL_FS_READ_DIR | execute;
    uint64_t write = (read | NX_LL_FS_WRITE_FILE | NX_LL_FS_REMOVE_DIR | NX_LL_FS_REMOVE_FILE | NX_LL_FS_MAKE_DIR
                      | NX_LL_FS_MAKE_REG | NX_LL_FS_MAKE_SOCK | NX_LL_FS_MAKE_FIFO | NX_LL_FS_MAKE_SYM
                      | NX_LL_FS_REFER | NX_LL_FS_TRUNCATE) & handled;
    int result;
    for (size_t i = 0; i < config->read_path_count; i++)
        if ((result = landlock_allow_path(ruleset, config->read_paths[i], read)) < 0)
            report_and_exit(args, STEP_LANDLOCK_RULE, -result);
    for (size_t i = 0; i < config->write_path_count; i++)
        if ((result = landlock_allow_path(ruleset, config->write_paths[i], write)) < 0)
            report_and_exit(args, STEP_LANDLOCK_RULE, -result);
    if (!config->execute_readable)
        for (size_t i = 0; i < config->exec_path_count; i++)
            if ((result = landlock_allow_path(ruleset, config->exec_paths[i], NX_LL_FS_EXECUTE | NX_LL_FS_READ_FILE)) < 0)
                report_and_exit(args, STEP_LANDLOCK_RULE, -result);
    // The /proc of the sandbox's own pid namespace (not the host's, which stays unreadable).
    if (args->proc_mounted && (result = landlock_allow_path(ruleset, "/proc", NX_LL_FS_READ_FILE | NX_LL_FS_READ_DIR)) < 0)
        report_and_exit(args, STEP_LANDLOCK_RULE, -result);

    if (restrict_tcp && config->network) {
        for (size_t i = 0; i < config->connect_port_count; i++) {
            if (config->connect_ports[i] == 0) continue;
            struct nx_ll_net_port_attr rule = {.allowed_access = NX_LL_NET_CONNECT_TCP, .port = config->connect_ports[i]};
            if (syscall(SYS_landlock_add_rule, ruleset, NX_LL_RULE_NET_PORT, &rule, 0) < 0)
                report_and_exit(args, STEP_LANDLOCK_NET_RULE, errno);
        }
    }
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) report_and_exit(args, STEP_LANDLOCK_RESTRICT, errno);
    close(ruleset);
}

/// The child is root of its own user namespace; it keeps no capability across execve.
static void drop_capabilities(const struct child_args *args) {
    if (prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED
                                     | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE
                                     | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED, 0, 0, 0) < 0)
        report_and_exit(args, STEP_CAPABILITIES, errno);
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    for (int capability = 0; capability < 64; capability++)
        if (prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) < 0 && errno == EINVAL) break;
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) < 0) report_and_exit(args, STEP_CAPABILITIES, errno);
}

static void set_limit(const struct child_args *args, int resource, uint64_t soft, uint64_t hard) {
    struct rlimit current;
    if (getrlimit(resource, &current) < 0) report_and_exit(args, STEP_RLIMIT, errno);
    // Only ever lower: raising a hard limit needs a privilege the child does not have.
    struct rlimit wanted = {.rlim_cur = soft, .rlim_max = hard};
    if (current.rlim_max != RLIM_INFINITY && wanted.rlim_max > current.rlim_max) wanted.rlim_max = current.rlim_max;
    if (wanted.rlim_cur > wanted.rlim_max) wanted.rlim_cur = wanted.rlim_max;
    if (setrlimit(resource, &wanted) < 0) report_and_exit(args, STEP_RLIMIT, errno);
}

static int child_main(void *opaque) {
    struct child_args *args = opaque;
    const nexus_sandbox_config *config = args->config;

    // Default dispositions (an ignored signal would otherwise survive execve); the mask, blocked
    // by the parent around clone, is cleared just before execve. The raw system call, because
    // libc's sigaction refuses the signals it reserves (32, 33), and those can be ignored too.
    // An all-zero kernel sigaction is SIG_DFL with no flags on every architecture.
    static const unsigned long default_action[4] = {0, 0, 0, 0};
    for (int signal_number = 1; signal_number <= 64; signal_number++)
        if (signal_number != SIGKILL && signal_number != SIGSTOP)
            (void)syscall(SYS_rt_sigaction, signal_number, default_action, NULL, 8 /* kernel sigset_t */);

    int result;
    if (config->isolate) {
        // Into the caller's cgroup for this command first, then a cgroup namespace rooted
        // there: from inside, the command cannot name (let alone join) any cgroup above it.
        if (config->join_cgroup) {
            ssize_t written = write(config->cgroup_procs_fd, "0", 1);
            if (written != 1) report_and_exit(args, STEP_CGROUP, written < 0 ? errno : EIO);
        }
        if (unshare(CLONE_NEWCGROUP) < 0) report_and_exit(args, STEP_CGROUP_NAMESPACE, errno);
        if ((result = write_small_file("/proc/self/setgroups", "deny", 4)) < 0 && result != -ENOENT)
            report_and_exit(args, STEP_SETGROUPS, -result);
        if ((result = write_small_file("/proc/self/uid_map", args->uid_map, args->uid_map_length)) < 0)
            report_and_exit(args, STEP_UID_MAP, -result);
        if ((result = write_small_file("/proc/self/gid_map", args->gid_map, args->gid_map_length)) < 0)
            report_and_exit(args, STEP_GID_MAP, -result);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) report_and_exit(args, STEP_MOUNT_PRIVATE, errno);
        if (config->network) {
            bring_up_loopback(args);
            open_relays(args);
            if (config->hosts_file && mount(config->hosts_file, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
                report_and_exit(args, STEP_HOSTS, errno);
        }
        // Best effort: a kernel that refuses a new procfs here (a /proc with masked parts, as
        // some container runtimes leave it) leaves /proc out of the sandbox entirely.
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
            args->proc_mounted = 1;
            if (args->pid_max_length > 0)
                (void)write_small_file("/proc/sys/kernel/pid_max", args->pid_max, args->pid_max_length);
            // With a command list, no memfd can be executed (Linux 6.3+; per pid namespace).
            if (!config->execute_readable) (void)write_small_file("/proc/sys/vm/memfd_noexec", "2", 1);
        }
        confine_mounts(args);
        (void)sethostname("nexus-sandbox", 13);
    }

    if (dup2(args->stdin_read, 0) < 0 || dup2(args->stdout_write, 1) < 0 || dup2(args->stderr_write, 2) < 0)
        report_and_exit(args, STEP_STDIO, errno);
    if (chdir(config->working_directory) < 0) report_and_exit(args, STEP_CHDIR, errno);
    // Every descriptor the parent had (Nexus's sockets, database, other children's pipes)
    // closes on execve; the report pipe already does.
    (void)syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);

    set_limit(args, RLIMIT_CORE, 0, 0);
    if (config->cpu_seconds > 0) set_limit(args, RLIMIT_CPU, config->cpu_seconds, config->cpu_seconds + 1);
    if (config->memory_bytes > 0) set_limit(args, RLIMIT_AS, config->memory_bytes, config->memory_bytes);
    if (config->processes > 0) set_limit(args, RLIMIT_NPROC, config->processes, config->processes);
    if (config->file_bytes > 0) set_limit(args, RLIMIT_FSIZE, config->file_bytes, config->file_bytes);

    if (!config->isolate) {
        if (setpgid(0, 0) < 0) report_and_exit(args, STEP_PROCESS_GROUP, errno);
    } else {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) report_and_exit(args, STEP_NO_NEW_PRIVS, errno);
        confine_with_landlock(args);
        drop_capabilities(args);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, args->filter) < 0) report_and_exit(args, STEP_SECCOMP, errno);
    }

    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(config->executable, (char *const *)config->argv, (char *const *)config->envp);
    report_and_exit(args, STEP_EXEC, errno);
    return 127;
}

// MARK: - Parent side

int nexus_sandbox_landlock_abi(void) {
    static atomic_int cached = -1;
    int abi = atomic_load(&cached);
    if (abi < 0) {
        long version = syscall(SYS_landlock_create_ruleset, NULL, 0, NX_LL_CREATE_RULESET_VERSION);
        abi = version < 0 ? 0 : (int)version;
        atomic_store(&cached, abi);
    }
    return abi;
}

int nexus_sandbox_receive_relays(int socket, int *fds, size_t capacity) {
    char byte;
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    union {
        char buffer[CMSG_SPACE(sizeof(int) * NX_RELAY_CAPACITY)];
        struct cmsghdr align;
    } control;
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.buffer,
                             .msg_controllen = sizeof control.buffer};
    ssize_t got;
    do {
        got = recvmsg(socket, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return -errno;
    size_t count = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int received[NX_RELAY_CAPACITY];
        memcpy(received, CMSG_DATA(header), n * sizeof(int));
        for (size_t i = 0; i < n; i++) {
            if (count < capacity) fds[count++] = received[i];
            else close(received[i]);
        }
    }
    return (int)count;
}

static int fail(char *message, size_t size, int error, const char *format, const char *detail) {
    if (message && size > 0) {
        char buffer[128];
        const char *description = strerror_r(error, buffer, sizeof buffer);
        char text[512];
        snprintf(text, sizeof text, format, detail ? detail : "");
        snprintf(message, size, "%s: %s", text, description);
    }
    return -error;
}

static void close_if_open(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

/// A close-on-exec pipe whose ends are both above 2, so dup2 onto 0/1/2 never aliases them.
static int make_pipe(int ends[2]) {
    if (pipe2(ends, O_CLOEXEC) < 0) return -errno;
    for (int i = 0; i < 2; i++) {
        if (ends[i] < 3) {
            int moved = fcntl(ends[i], F_DUPFD_CLOEXEC, 3);
            int error = errno;
            close(ends[i]);
            ends[i] = moved;
            if (moved < 0) {
                close_if_open(&ends[1 - i]);
                return -error;
            }
        }
    }
    return 0;
}

#define NX_CHILD_STACK_SIZE (256 * 1024)

int nexus_sandbox_spawn(const nexus_sandbox_config *config, nexus_sandbox_child *child, char *message, size_t message_size) {
    memset(child, 0, sizeof *child);
    child->pid = -1;
    child->pidfd = child->stdin_fd = child->stdout_fd = child->stderr_fd = -1;
    if (message && message_size) message[0] = 0;

    struct child_args args;
    memset(&args, 0, sizeof args);
    args.config = config;
    if (config->isolate) {
        args.landlock_abi = nexus_sandbox_landlock_abi();
        if (args.landlock_abi < 1)
            return fail(message, message_size, EOPNOTSUPP,
                        "the sandbox needs Landlock (Linux 5.13+ with landlock in the lsm= boot list)%s", NULL);
        if (config->network && args.landlock_abi < 4)
            return fail(message, message_size, EOPNOTSUPP,
                        "network access needs Landlock's TCP port rules (Linux 6.7+, Landlock ABI 4) to keep the command "
                        "to the policy's ports and away from Nexus's own listener; remove the policy's network hosts "
                        "on this kernel%s", NULL);
        pthread_once(&filter_once, build_filters);
        const struct nx_filter *filter = config->network ? &online_filter : &offline_filter;
        if (!filter->ready)
            return fail(message, message_size, EOPNOTSUPP, "the sandbox has no seccomp filter for this architecture%s", NULL);
        args.filter = &filter->program;
        args.uid_map_length = (size_t)snprintf(args.uid_map, sizeof args.uid_map, "%u %u 1\n", getuid(), getuid());
        args.gid_map_length = (size_t)snprintf(args.gid_map, sizeof args.gid_map, "%u %u 1\n", getgid(), getgid());
        if (config->processes > 0) {
            uint64_t pid_max = config->processes + 2 > 301 ? config->processes + 2 : 301; // the kernel's minimum
            args.pid_max_length = (size_t)snprintf(args.pid_max, sizeof args.pid_max, "%llu", (unsigned long long)pid_max);
        }
    }

    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
    int result;
    if ((result = make_pipe(in)) < 0 || (result = make_pipe(out)) < 0 || (result = make_pipe(err)) < 0
        || (result = make_pipe(report)) < 0) {
        close_if_open(&in[0]); close_if_open(&in[1]);
        close_if_open(&out[0]); close_if_open(&out[1]);
        close_if_open(&err[0]); close_if_open(&err[1]);
        return fail(message, message_size, -result, "cannot create pipes for the command%s", NULL);
    }
    args.stdin_read = in[0];
    args.stdout_write = out[1];
    args.stderr_write = err[1];
    args.report_fd = report[1];

    void *stack = mmap(NULL, NX_CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        int error = errno;
        int *all[] = {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1], &report[0], &report[1]};
        for (size_t i = 0; i < 8; i++) close_if_open(all[i]);
        return fail(message, message_size, error, "cannot allocate the child's stack%s", NULL);
    }

    int flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD;
    if (config->isolate) {
        // The cgroup namespace comes later, from the child itself (after it joined its cgroup).
        flags |= CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
        flags |= CLONE_NEWNET; // with network too: the relays are its only way out
    }

    // No signal handler of the parent may run on the child's stack while it shares our memory.
    sigset_t all_signals, previous;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    int pidfd = -1;
    pid_t pid = clone(child_main, (char *)stack + NX_CHILD_STACK_SIZE, flags, &args, &pidfd);
    int clone_error = errno;
    if (pid < 0 && clone_error == EINVAL) { // a kernel without CLONE_PIDFD (before 5.2)
        pidfd = -1;
        pid = clone(child_main, (char *)stack + NX_CHILD_STACK_SIZE, flags & ~CLONE_PIDFD, &args, NULL);
        clone_error = errno;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, NX_CHILD_STACK_SIZE);

    close_if_open(&in[0]);
    close_if_open(&out[1]);
    close_if_open(&err[1]);
    close_if_open(&report[1]);

    if (pid < 0) {
        close_if_open(&in[1]); close_if_open(&out[0]); close_if_open(&err[0]); close_if_open(&report[0]);
        return fail(message, message_size, clone_error,
                    config->isolate ? "cannot create the sandbox's namespaces (are unprivileged user namespaces "
                                      "allowed? see user.max_user_namespaces)%s"
                                    : "cannot start the command%s",
                    NULL);
    }

    struct child_report report_data;
    ssize_t got;
    do {
        got = read(report[0], &report_data, sizeof report_data);
    } while (got < 0 && errno == EINTR);
    close_if_open(&report[0]);
    if (got == (ssize_t)sizeof report_data) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (pidfd >= 0) close(pidfd);
        close_if_open(&in[1]); close_if_open(&out[0]); close_if_open(&err[0]);
        if (report_data.step == STEP_EXEC)
            return fail(message, message_size, report_data.error, "cannot execute %s", config->executable);
        return fail(message, message_size, report_data.error, "sandbox setup failed while %s", step_name(report_data.step));
    }

    child->pid = pid;
    child->pidfd = pidfd;
    child->stdin_fd = in[1];
    child->stdout_fd = out[0];
    child->stderr_fd = err[0];
    child->landlock_abi = args.landlock_abi;
    child->proc_mounted = args.proc_mounted;
    return 0;
}

int nexus_sandbox_signal(const nexus_sandbox_child *child, int isolated, int signal_number) {
    if (!isolated) {
        // The child leads its own process group: signal the whole tree it started.
        if (kill(-child->pid, signal_number) == 0) return 0;
    }
    if (child->pidfd >= 0) {
        if (syscall(SYS_pidfd_send_signal, child->pidfd, signal_number, NULL, 0) == 0) return 0;
        if (errno != ENOSYS) return -errno;
    }
    return kill(child->pid, signal_number) == 0 ? 0 : -errno;
}

void nexus_sandbox_decode_status(int status, int *exit_code, int *signal_number) {
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    *signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}
