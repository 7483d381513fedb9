/// Markers and hatch patterns, drawn with the writer's escaped primitives.
extension SVGWriter {
  /// A straight `<line>` from (x1, y1) to (x2, y2) px.
  mutating func line(
    _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, class cls: String? = nil
  ) {
    let n = Self.number
    element("line", [
      "class": cls, "x1": n(x1), "y1": n(y1), "x2": n(x2), "y2": n(y2), "stroke": stroke, "stroke-width": n(width),
    ])
  }

  /// Draws `marker` centred on (x, y) px, about 2 x `radius` px across, in
  /// `color`. Filled shapes get a thin white outline so that overlapping
  /// markers of different series stay apart.
  mutating func marker(_ marker: Marker, x: Double, y: Double, radius r: Double, color: String) {
    let n = Self.number
    func polygon(_ corners: [(x: Double, y: Double)]) {
      element("polygon", [
        "class": "marker", "points": Self.pointList(corners.map { (x + $0.x * r, y + $0.y * r) }),
        "fill": color, "stroke": "#ffffff", "stroke-width": "1",
      ])
    }
    switch marker {
    case .circle:
      element("circle", [
        "class": "marker", "cx": n(x), "cy": n(y), "r": n(r),
        "fill": color, "stroke": "#ffffff", "stroke-width": "1",
      ])
    case .ring:
      element("circle", [
        "class": "marker", "cx": n(x), "cy": n(y), "r": n(r * 0.9),
        "fill": "#ffffff", "stroke": color, "stroke-width": "2",
      ])
    case .square:
      polygon([(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)])
    case .triangleUp:
      polygon([(0, -1.25), (1.1, 0.8), (-1.1, 0.8)])
    case .triangleDown:
      polygon([(0, 1.25), (1.1, -0.8), (-1.1, -0.8)])
    case .diamond:
      polygon([(0, -1.3), (1.05, 0), (0, 1.3), (-1.05, 0)])
    case .cross, .plus:
      let d = marker == .cross
        ? "M\(n(x - r)),\(n(y - r))L\(n(x + r)),\(n(y + r))M\(n(x - r)),\(n(y + r))L\(n(x + r)),\(n(y - r))"
        : "M\(n(x - r * 1.2)),\(n(y))L\(n(x + r * 1.2)),\(n(y))M\(n(x)),\(n(y - r * 1.2))L\(n(x)),\(n(y + r * 1.2))"
      element("path", ["class": "marker", "d": d, "fill": "none", "stroke": color, "stroke-width": "2.2"])
    }
  }

  /// The `<defs>` id of `hatch`'s pattern.
  static func patternID(_ hatch: Hatch) -> String { "hatch-\(hatch.rawValue)" }

  /// Adds the `<pattern>` for `hatch` to `<defs>`: semi-opaque white
  /// strokes or dots on a transparent tile, laid over a bar's fill.
  mutating func defineHatch(_ hatch: Hatch) {
    let ink = "fill=\"#ffffff\" fill-opacity=\"0.8\""
    let (size, rotation, tile): (Int, Int, String)
    switch hatch {
    case .diagonal: (size, rotation, tile) = (6, 45, "<rect width=\"2\" height=\"6\" \(ink)/>")
    case .antiDiagonal: (size, rotation, tile) = (6, -45, "<rect width=\"2\" height=\"6\" \(ink)/>")
    case .horizontal: (size, rotation, tile) = (5, 0, "<rect width=\"5\" height=\"1.6\" \(ink)/>")
    case .vertical: (size, rotation, tile) = (5, 0, "<rect width=\"1.6\" height=\"5\" \(ink)/>")
    case .crossHatch:
      (size, rotation, tile) = (7, 45, "<rect width=\"1.5\" height=\"7\" \(ink)/><rect width=\"7\" height=\"1.5\" \(ink)/>")
    case .dots: (size, rotation, tile) = (5, 0, "<circle cx=\"2.5\" cy=\"2.5\" r=\"1.3\" \(ink)/>")
    case .denseDiagonal: (size, rotation, tile) = (3, 45, "<rect width=\"1.2\" height=\"3\" \(ink)/>")
    }
    let transform = rotation == 0 ? "" : " patternTransform=\"rotate(\(rotation))\""
    define(
      "<pattern id=\"\(Self.patternID(hatch))\" patternUnits=\"userSpaceOnUse\" "
        + "width=\"\(size)\" height=\"\(size)\"\(transform)>\(tile)</pattern>")
  }
}
