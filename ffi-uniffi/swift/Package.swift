// swift-tools-version:5.9
// The pay402 Swift package: the uniffi-generated `Pay402` module over the `Pay402FFI`
// XCFramework. Build the framework and the generated sources first, on macOS:
//
//     ffi-uniffi/swift/build-xcframework.sh
//     swift test --package-path ffi-uniffi/swift
//
// Both `Sources/Pay402/Pay402.swift` and `Pay402FFI.xcframework` are build outputs (not
// checked in): they are regenerated from the very library they ship with.
import PackageDescription

let package = Package(
    name: "Pay402",
    platforms: [.iOS(.v13), .macOS(.v11)],
    products: [
        .library(name: "Pay402", targets: ["Pay402"]),
    ],
    targets: [
        .binaryTarget(name: "Pay402FFI", path: "Pay402FFI.xcframework"),
        .target(name: "Pay402", dependencies: ["Pay402FFI"], path: "Sources/Pay402"),
        .testTarget(name: "Pay402Tests", dependencies: ["Pay402"], path: "Tests/Pay402Tests"),
    ]
)
