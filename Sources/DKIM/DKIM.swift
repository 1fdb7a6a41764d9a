// The DKIM module; see Package.swift for its role.
