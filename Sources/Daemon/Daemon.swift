// The Daemon module; see Package.swift for its role.
