/// The report's charts. (Rendering lands with the `Charts` module.)
enum ComparisonCharts {
  struct Rendered { var file: String; var caption: String; var svg: String }
  static func render(_ r: ComparisonResults) throws -> [Rendered] { [] }
}
