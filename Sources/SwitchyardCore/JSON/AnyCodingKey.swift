/// A coding key for any string, used to read and write the keys a model does not name.
struct AnyCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where Key == AnyCodingKey {
    /// Every key not in `known`, as raw JSON: the part of an object a model keeps untouched.
    func unknownFields(excluding known: Set<String>) throws -> [String: JSONValue] {
        var extra: [String: JSONValue] = [:]
        for key in allKeys where !known.contains(key.stringValue) {
            extra[key.stringValue] = try decode(JSONValue.self, forKey: key)
        }
        return extra
    }

    /// The fields among `keys` that are present and not null, each required to be a number
    /// (sampling settings); one that is not is refused with `refusal(key)`.
    func numbers(_ keys: [String], refusal: (String) -> RequestError) throws -> [String: JSONValue] {
        var numbers: [String: JSONValue] = [:]
        for key in keys {
            guard let value = try decodeIfPresent(JSONValue.self, forKey: .init(key)), value != .null else { continue }
            guard value.doubleValue != nil else { throw refusal(key) }
            numbers[key] = value
        }
        return numbers
    }
}
