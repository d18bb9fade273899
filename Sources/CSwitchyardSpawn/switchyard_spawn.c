// fork and exec with what posix_spawn cannot ask for: PR_SET_PDEATHSIG. Between fork and exec
// the child calls only async-signal-safe functions, since the parent has many threads.
#define _GNU_SOURCE
#include "switchyard_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_error_and_exit(int pipe_fd, int error) {
    ssize_t ignored = write(pipe_fd, &error, sizeof error);
    (void)ignored;
    _exit(127);
}

pid_t switchyard_spawn(const char *path, char *const argv[], char *const envp[], int output_fd, int *error) {
    // The exec's outcome comes back through a pipe closed on exec: EOF means it ran.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    pid_t parent = getpid();
    long open_max = sysconf(_SC_OPEN_MAX);
    if (open_max < 0 || open_max > (1L << 20)) open_max = 1L << 20;
    sigset_t all, old;
    sigfillset(&all);
    // No signal handler of the parent's may run in the child before the exec.
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        if (setpgid(0, 0) != 0) write_error_and_exit(report[1], errno);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) write_error_and_exit(report[1], errno);
        // The parent may have died before the line above: then nothing would kill this child.
        if (getppid() != parent) _exit(127);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0) write_error_and_exit(report[1], errno);
        if (dup2(output_fd, 1) < 0 || dup2(output_fd, 2) < 0) write_error_and_exit(report[1], errno);
        // Every other descriptor of Switchyard's (sockets among them) stays behind.
        int keep = report[1];
        if (!(keep > 3 ? syscall(SYS_close_range, 3, keep - 1, 0) == 0 : 1) || syscall(SYS_close_range, keep + 1, ~0U, 0) != 0) {
            for (long fd = 3; fd < open_max; fd++) {
                if (fd != keep) close((int)fd);
            }
        }
        for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        write_error_and_exit(report[1], errno);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        *error = fork_error;
        return -1;
    }
    int child_error = 0;
    ssize_t got;
    do {
        got = read(report[0], &child_error, sizeof child_error);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof child_error) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        *error = child_error;
        return -1;
    }
    return pid;
}
