// The IPC module; see Package.swift for its role.
