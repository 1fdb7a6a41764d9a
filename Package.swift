// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "maild",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mailctl", targets: ["mailctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // OpenSSL from the system (Debian: libssl-dev): TLS for SMTP, HMAC for CRAM-MD5, later DKIM.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
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
        .target(
            name: "Delivery",
            dependencies: ["SMTP"]
        ),
        // Campaign files, addresses, MIME, templates, DKIM (issue 4).
        .target(
            name: "Message",
            dependencies: []
        ),
        .executableTarget(
            name: "mailctl",
            dependencies: [
                "SMTP", "SMTPServer", "Delivery",
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
            dependencies: ["Delivery", "SMTP", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
