// The Queue module; see Package.swift for its role.
