import Foundation
import XCTest

/// Locates the real datasets in `../shared/datasets` (next to the clone).
/// Tests that need them call ``requireSharedDataset(_:file:)``, which skips
/// with a clear message on a bare clone where the folder is absent.
public enum SharedDatasets {
  /// The package root (two levels above this file's folder).
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// `../shared/datasets` relative to the package root, or the folder named by
  /// the environment variable `GRAMIAN_SHARED_DATASETS`.
  public static var root: URL {
    if let env = ProcessInfo.processInfo.environment["GRAMIAN_SHARED_DATASETS"] {
      return URL(fileURLWithPath: env)
    }
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets")
  }

  /// The bundled copy of ml-latest-small inside the repository.
  public static var bundledMovieLensSmall: URL {
    packageRoot.appendingPathComponent("datasets/ml-latest-small")
  }
}

/// The path of `../shared/datasets/<relativePath>`, or throws `XCTSkip`
/// saying which file is missing when it is absent.
public func requireSharedDataset(_ relativePath: String) throws -> String {
  let url = SharedDatasets.root.appendingPathComponent(relativePath)
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw XCTSkip("needs \(url.path) (the shared datasets are not next to this clone); skipped")
  }
  return url.path
}
