#ifndef MAILD_CSYSTEMD_SHIM_H
#define MAILD_CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>

/// `struct ucred` is hidden from Swift's Glibc import (it needs _GNU_SOURCE); SO_PEERCRED fills
/// this layout-identical struct.
typedef struct {
    pid_t pid;
    uid_t uid;
    gid_t gid;
} maild_peer_credentials;

/// prctl is variadic, which Swift cannot call: PR_SET_DUMPABLE 0, for ProcessHardening.
static inline int maild_set_not_dumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

#endif
