/// Models in the shape the Anthropic SDKs read from `GET /v1/models` (and `/v1/models/{id}`):
/// `{"type": "model", "id", "display_name", "created_at"}` entries in
/// `{"data", "has_more", "first_id", "last_id"}`. Served when a request carries
/// `anthropic-version`, the header every Anthropic client sends.
package enum AnthropicModelList {
    package static func entry(id: String, createdUnixSeconds: Int64) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 128)
        object.field("type", literal: "model")
        object.field("id", id)
        object.field("display_name", id)
        object.field("created_at", Timestamp.rfc3339(unixNanoseconds: max(0, createdUnixSeconds).multipliedSaturated(by: 1_000_000_000)))
        return object.finished()
    }

    package static func list(_ models: [(id: String, createdUnixSeconds: Int64)]) -> [UInt8] {
        var object = JSONObjectWriter()
        object.field("data", raw: JSONObjectWriter.array(models.map { entry(id: $0.id, createdUnixSeconds: $0.createdUnixSeconds) }))
        object.field("has_more", false)
        if let first = models.first { object.field("first_id", first.id) } else { object.null("first_id") }
        if let last = models.last { object.field("last_id", last.id) } else { object.null("last_id") }
        return object.finished()
    }
}

extension UpstreamModelInfo {
    /// `created` as Unix seconds for listings, 0 when the upstream gave no usable date.
    package var createdUnixSeconds: Int64 { created.flatMap(Self.unixSeconds) ?? 0 }
}
