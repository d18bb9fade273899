#ifndef SWITCHYARD_SPAWN_H
#define SWITCHYARD_SPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` in a process group of its own, its standard input on
/// /dev/null and its standard output and error on `output_fd`, and asks the kernel to kill it
/// (SIGKILL) when the thread that called this ends (`PR_SET_PDEATHSIG`) — so a child never
/// outlives Switchyard, even one killed with SIGKILL. Call it from a thread that lives as long
/// as the child.
///
/// Returns the child's pid, or -1 with `*error` set to the errno of what failed (in the child:
/// the exec).
pid_t switchyard_spawn(const char *path, char *const argv[], char *const envp[], int output_fd, int *error);

#endif
