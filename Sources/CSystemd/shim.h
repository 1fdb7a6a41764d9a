#ifndef MAILD_CSYSTEMD_SHIM_H
#define MAILD_CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/socket.h>
#include <sys/types.h>

/// `struct ucred` is hidden from Swift's Glibc import (it needs _GNU_SOURCE); SO_PEERCRED fills
/// this layout-identical struct.
typedef struct {
    pid_t pid;
    uid_t uid;
    gid_t gid;
} maild_peer_credentials;

#endif
