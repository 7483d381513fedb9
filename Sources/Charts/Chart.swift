import Foundation

/// A chart that renders itself as a standalone SVG document.
public protocol Chart: Sendable {
  /// The complete SVG document (XML declaration, `<svg xmlns=...>` root).
  func svg() throws -> String
}

extension Chart {
  /// Renders the chart and writes it to `url` atomically: the document goes
  /// to a temporary file in the same folder, which is then renamed over
  /// `url`, so readers never see a half-written chart.
  /// - Throws: the chart's `ChartError`, or `ChartError.unwritable` naming
  ///   the path when the folder is missing or not writable.
  public func write(to url: URL) throws {
    let document = try svg()
    do {
      try Data(document.utf8).write(to: url, options: .atomic)
    } catch {
      throw ChartError.unwritable(path: url.path, reason: Self.reason(error))
    }
  }

  private static func reason(_ error: Error) -> String {
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    return underlying?.localizedDescription ?? (error as NSError).localizedDescription
  }
}
