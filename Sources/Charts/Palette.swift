/// How one series is drawn. Colour alone never carries the distinction:
/// each series also has its own dash pattern and marker (lines) or hatching
/// (bars), so charts stay readable in greyscale and for colour-blind readers.
public struct SeriesStyle: Equatable, Sendable {
  /// CSS colour, `#rrggbb`.
  public var color: String
  /// SVG `stroke-dasharray` in pixels, nil for a solid line.
  public var dash: String?
  public var marker: Marker
  /// Bar hatching drawn over the fill, nil for a plain fill.
  public var hatch: Hatch?
}

/// The series styles, in order of use.
///
/// Colours are the Okabe-Ito palette (Okabe and Ito, "Color Universal
/// Design", 2008), designed to stay distinct under the common forms of
/// colour blindness, reordered so the first series get the highest-contrast
/// colours on white and yellow comes last, then two extra colours (grey and
/// Tol's wine) for a ninth and tenth series. Dashes cycle with the colours;
/// markers and hatches cycle every eight, so series 11 looks like series 1.
public enum Palette {
  /// Blue, vermillion, bluish green, reddish purple, orange, sky blue, black, yellow, grey, wine.
  public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
                              "#888888", "#882255"]
  /// Solid, dashed, dotted, dash-dot, long dash, dot-dash-dot, short dash, sparse dots, dash-dot-dot, long-short.
  public static let dashes: [String?] = [nil, "8 4", "2 3", "10 3 2 3", "16 5", "2 3 8 3", "5 5", "1 6", "10 3 2 3 2 3", "14 4 4 4"]
  public static let markers: [Marker] = Marker.allCases
  public static let hatches: [Hatch?] = [nil] + Hatch.allCases

  /// The style of series number `index` (0-based). - Complexity: O(1).
  public static func style(_ index: Int) -> SeriesStyle {
    let i = index % colors.count
    return SeriesStyle(
      color: colors[i], dash: dashes[i % dashes.count],
      marker: markers[i % markers.count], hatch: hatches[i % hatches.count])
  }
}

/// Point marker shapes, centred on the data point.
public enum Marker: String, CaseIterable, Sendable {
  case circle, square, triangleUp, diamond, triangleDown, cross, plus, ring
}

/// Bar hatching patterns (white lines over the fill colour).
public enum Hatch: String, CaseIterable, Sendable {
  case diagonal, antiDiagonal, horizontal, vertical, crossHatch, dots, denseDiagonal
}
