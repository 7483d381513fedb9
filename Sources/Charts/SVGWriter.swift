import Foundation

/// Builds an SVG document element by element. Every text and attribute value
/// is escaped, and every coordinate printed with at most two decimals, so
/// the output is well-formed XML whatever the series names contain.
struct SVGWriter {
  let width: Int
  let height: Int
  private var elements: [String] = []
  private var definitions: [String] = []

  init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  /// The complete standalone document: XML declaration, `<svg>` root with
  /// the SVG namespace and a `viewBox`, an accessible `<title>`, `<defs>`
  /// when any were added, then the elements in drawing order.
  func document(title: String) -> String {
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
    out += "viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\">\n"
    out += "<title>\(Self.escape(title))</title>\n"
    if !definitions.isEmpty {
      out += "<defs>\n" + definitions.joined(separator: "\n") + "\n</defs>\n"
    }
    out += elements.joined(separator: "\n")
    out += "\n</svg>\n"
    return out
  }

  /// Appends an empty element `<name a="v" .../>`; nil values are left out.
  mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String?>) {
    elements.append("<\(name)\(Self.attributeText(attributes))/>")
  }

  /// Appends `<text ...>content</text>`.
  mutating func text(_ content: String, _ attributes: KeyValuePairs<String, String?>) {
    elements.append("<text\(Self.attributeText(attributes))>\(Self.escape(content))</text>")
  }

  /// Opens a group `<g ...>`; close it with `endGroup()`.
  mutating func beginGroup(_ attributes: KeyValuePairs<String, String?>) {
    elements.append("<g\(Self.attributeText(attributes))>")
  }

  mutating func endGroup() { elements.append("</g>") }

  /// Adds a definition (already serialised by this writer's helpers) to `<defs>`.
  mutating func define(_ markup: String) { definitions.append(markup) }

  /// ` a="v" b="w"` with escaped values; pairs with a nil value are skipped.
  static func attributeText(_ attributes: KeyValuePairs<String, String?>) -> String {
    var out = ""
    for (key, value) in attributes {
      guard let value else { continue }
      out += " \(key)=\"\(escape(value))\""
    }
    return out
  }

  /// `text` safe inside XML character data and double- or single-quoted
  /// attributes: `& < > " '` become entities, and control characters that
  /// XML 1.0 forbids (U+0000-U+001F other than tab, newline, return) become
  /// U+FFFD. - Complexity: O(text.count).
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
        out += "\u{FFFD}"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A coordinate with at most two decimals and no trailing zeros:
  /// `12`, `12.5`, `12.35` (sub-pixel precision beyond 0.01 px is invisible).
  static func number(_ value: Double) -> String {
    TickFormat.fixed(value, decimals: 2)
  }

  /// `x1,y1 x2,y2 ...` for a `points` attribute.
  static func pointList(_ points: [(x: Double, y: Double)]) -> String {
    points.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
  }
}
