// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "maild",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mailctl", targets: ["mailctl"]),
        .executable(name: "maild", targets: ["maild"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/pointfreeco/swift-clocks", from: "1.1.1"),
    ],
    targets: [
        // OpenSSL from the system (Debian: libssl-dev): TLS for SMTP, HMAC for CRAM-MD5, later DKIM.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libsystemd from the system (Debian: libsystemd-dev): sd_notify, journald, socket activation.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(
            name: "SMTP",
            dependencies: [
                "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SMTPServer",
            dependencies: [
                "SMTP", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Classification, backoff, throttles, providers, suppression (issue 6).
        .target(
            name: "Delivery",
            dependencies: [
                "SMTP",
                .product(name: "Clocks", package: "swift-clocks"),
            ]
        ),
        // Campaign files, addresses, MIME, templates (issue 4).
        .target(
            name: "Message",
            dependencies: [
                "COpenSSL",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // DKIM signing (RFC 6376, RFC 8463) of rendered messages through OpenSSL.
        .target(
            name: "DKIM",
            dependencies: ["COpenSSL"]
        ),
        // The durable SQLite store: migrations, jobs, recipients, attempts, throttle windows.
        .target(
            name: "Queue",
            dependencies: [
                "Delivery",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Wire types and framing shared by maild and mailctl.
        .target(
            name: "IPC",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The daemon: configuration, IPC server, scheduler, workers, systemd.
        .target(
            name: "Daemon",
            dependencies: [
                "IPC", "Queue", "Delivery", "Message", "DKIM", "SMTP", "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "maild",
            dependencies: [
                "Daemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mailctl",
            dependencies: [
                "SMTP", "SMTPServer", "Delivery", "Message", "IPC", "DKIM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "smtp-bench",
            dependencies: [
                "SMTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/SMTPBench"
        ),
        .executableTarget(
            name: "message-bench",
            dependencies: ["Message", "DKIM"],
            path: "bench/MessageBench"
        ),
        .executableTarget(
            name: "dkim-bench",
            dependencies: ["DKIM"],
            path: "bench/DKIMBench"
        ),
        // Certificates, free ports and repository paths for every test target.
        .target(
            name: "TestSupport",
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SMTPTests",
            dependencies: [
                "SMTP", "SMTPServer", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SMTPServerTests",
            dependencies: [
                "SMTP", "SMTPServer", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MailctlTests",
            dependencies: [
                "mailctl", "SMTP", "SMTPServer", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MessageTests",
            dependencies: ["Message", "TestSupport"]
        ),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery", "SMTP", "TestSupport",
                .product(name: "Clocks", package: "swift-clocks"),
            ]
        ),
        .testTarget(
            name: "DKIMTests",
            dependencies: ["DKIM", "Message", "TestSupport"],
            exclude: ["verify_dkim.py"]
        ),
        .testTarget(
            name: "QueueTests",
            dependencies: ["Queue", "Delivery", "TestSupport"]
        ),
        .testTarget(
            name: "IPCTests",
            dependencies: [
                "IPC", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Daemon", "maild", "mailctl", "IPC", "Queue", "SMTPServer", "SMTP", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
