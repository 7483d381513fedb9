import Foundation
import XCTest

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A parsed XML element: the independent reader the chart tests use to
/// check the SVG is well-formed and to read coordinates back.
final class XMLNode {
  let name: String
  let attributes: [String: String]
  var children: [XMLNode] = []
  var text = ""

  init(name: String, attributes: [String: String]) {
    self.name = name
    self.attributes = attributes
  }

  /// This element and all its descendants named `name`, in document order.
  func all(_ name: String) -> [XMLNode] {
    (self.name == name ? [self] : []) + children.flatMap { $0.all(name) }
  }

  /// Descendants named `name` with `class="cls"`.
  func all(_ name: String, class cls: String) -> [XMLNode] {
    all(name).filter { $0.attributes["class"] == cls }
  }

  /// A numeric attribute, failing the test when missing or not a number.
  func number(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
    let raw = try XCTUnwrap(attributes[key], "<\(name)> has no \(key)", file: file, line: line)
    return try XCTUnwrap(Double(raw), "\(key)=\"\(raw)\" is not a number", file: file, line: line)
  }

  /// The `points` attribute of a polyline as (x, y) pairs.
  func points(file: StaticString = #filePath, line: UInt = #line) throws -> [(x: Double, y: Double)] {
    let raw = try XCTUnwrap(attributes["points"], file: file, line: line)
    return try raw.split(separator: " ").map { pair in
      let parts = pair.split(separator: ",").compactMap { Double($0) }
      XCTAssertEqual(parts.count, 2, "bad point \(pair)", file: file, line: line)
      return (try XCTUnwrap(parts.first), try XCTUnwrap(parts.last))
    }
  }
}

enum XMLTree {
  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  /// Parses `document` with Foundation's XMLParser; throws on malformed XML.
  static func parse(_ document: String) throws -> XMLNode {
    let parser = XMLParser(data: Data(document.utf8))
    let builder = Builder()
    parser.delegate = builder
    guard parser.parse(), let root = builder.root else {
      throw ParseError(
        description: "XML parse failed at line \(parser.lineNumber), column \(parser.columnNumber): "
          + "\(parser.parserError.map { String(describing: $0) } ?? "no root element")")
    }
    return root
  }

  private final class Builder: NSObject, XMLParserDelegate {
    var root: XMLNode?
    var stack: [XMLNode] = []

    func parser(
      _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      let node = XMLNode(name: elementName, attributes: attributes)
      if let parent = stack.last { parent.children.append(node) } else { root = node }
      stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
      stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      stack.last?.text += string
    }
  }
}
