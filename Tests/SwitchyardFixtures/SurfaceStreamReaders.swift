import Foundation
import SwitchyardCore

/// A rule of the stream's protocol that the stream broke.
public struct StreamViolation: Error, CustomStringConvertible {
    public let description: String
}

func check(_ condition: Bool, _ rule: String) throws {
    if !condition { throw StreamViolation(description: rule) }
}

func need<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw StreamViolation(description: "missing: " + what) }
    return value
}

/// Reads a translated Anthropic stream the way the Anthropic SDK folds it into a message, but
/// strictly: `message_start` first, block indexes in order, deltas only to the open block and
/// of its kind, `message_stop` last. Every rule broken is a test failure.
public struct AnthropicStreamReader {
    public struct Block: Equatable {
        public var type: String
        public var text = ""
        public var id = ""
        public var name = ""
        /// `partial_json` fragments joined, for `tool_use`.
        public var json = ""

        public init(type: String, text: String = "", id: String = "", name: String = "", json: String = "") {
            (self.type, self.text, self.id, self.name, self.json) = (type, text, id, name, json)
        }
    }

    public var names: [String] = []
    public var blocks: [Block] = []
    public var stopReason: String?
    public var usage: [String: Int] = [:]
    public var error: String?
    public var stopped = false

    public init(_ bytes: [UInt8]) throws {
        var parser = SSEParser()
        let events = try parser.feed(bytes) + parser.finish()
        var open: Int?
        for event in events {
            let name = try need(event.event, "every event is named")
            names.append(name)
            let data = try need(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any], "each event's data is a JSON object")
            try check(data["type"] as? String == name, "the data's type is the event's name")
            try check(!stopped, "nothing after message_stop or error")
            if names.count == 1 { try check(name == "message_start" || name == "error", "name == 'message_start' || name == 'error'") }
            switch name {
            case "message_start": try check(names.count == 1, "names.count == 1")
            case "content_block_start":
                try check(open == nil, "blocks never overlap")
                try check(data["index"] as? Int == blocks.count, "block indexes go up by one")
                let block = try need(data["content_block"] as? [String: Any], "data['content_block'] as? [String: Any]")
                blocks.append(
                    Block(type: block["type"] as? String ?? "", id: block["id"] as? String ?? "", name: block["name"] as? String ?? ""))
                open = blocks.count - 1
            case "content_block_delta":
                let index = try need(data["index"] as? Int, "data['index'] as? Int")
                try check(index == open, "a delta goes to the open block")
                guard index == open else { continue }
                let delta = try need(data["delta"] as? [String: Any], "data['delta'] as? [String: Any]")
                switch (delta["type"] as? String, blocks[index].type) {
                case ("text_delta", "text"): blocks[index].text += delta["text"] as? String ?? ""
                case ("thinking_delta", "thinking"): blocks[index].text += delta["thinking"] as? String ?? ""
                case ("input_json_delta", "tool_use"): blocks[index].json += delta["partial_json"] as? String ?? ""
                case let pair: throw StreamViolation(description: "delta \(pair.0 ?? "") in a \(pair.1) block")
                }
            case "content_block_stop":
                try check(data["index"] as? Int == open, "data['index'] as? Int == open")
                open = nil
            case "message_delta":
                try check(open == nil, "every block closed before message_delta")
                stopReason = (data["delta"] as? [String: Any])?["stop_reason"] as? String
                usage = data["usage"] as? [String: Int] ?? [:]
            case "message_stop": stopped = true
            case "error":
                error = (data["error"] as? [String: Any])?["message"] as? String
                stopped = true
            case "ping": break
            default: throw StreamViolation(description: "unknown event \(name)")
            }
        }
    }

    /// A tool call's input as the SDK parses it.
    public func input(_ block: Block) throws -> [String: Any] {
        if block.json.isEmpty { return [:] }
        return try need(try JSONSerialization.jsonObject(with: Data(block.json.utf8)) as? [String: Any], "a tool call's input is a JSON object")
    }
}

/// Reads a translated Responses stream strictly: `sequence_number` 0, 1, 2…; every delta names
/// an item that was added and not yet done; what the deltas add up to is what the done events
/// and the final response say.
public struct ResponsesStreamReader {
    public var types: [String] = []
    /// The final response object (`completed`, `incomplete` or `failed`).
    public var response: [String: Any] = [:]
    /// Each item's text as the deltas built it, by output index.
    public var built: [Int: String] = [:]
    public var items: [Int: [String: Any]] = [:]

    public init(_ bytes: [UInt8]) throws {
        var parser = SSEParser()
        let events = try parser.feed(bytes) + parser.finish()
        var done: Set<Int> = []
        for (number, event) in events.enumerated() {
            let data = try need(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any], "each event's data is a JSON object")
            let type = try need(data["type"] as? String, "data['type'] as? String")
            try check(event.event == type, "event.event == type")
            try check(data["sequence_number"] as? Int == number, "sequence numbers count up from 0")
            types.append(type)
            let index = data["output_index"] as? Int
            switch type {
            case "response.output_item.added":
                let index = try need(index, "index")
                try check(items[index] == nil && index == items.count, "output indexes go up by one")
                items[index] = data["item"] as? [String: Any]
                built[index] = ""
            case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta":
                let index = try need(index, "index")
                try check(items[index] != nil && !done.contains(index), "a delta goes to an open item")
                try check(data["item_id"] as? String == items[index]?["id"] as? String, "a delta names its item")
                built[index, default: ""] += data["delta"] as? String ?? ""
            case "response.output_text.done", "response.reasoning_summary_text.done":
                try check(data["text"] as? String == built[index ?? -1], "the done text is what the deltas built")
            case "response.function_call_arguments.done":
                try check(data["arguments"] as? String == built[index ?? -1], "data['arguments'] as? String == built[index ?? -1]")
            case "response.output_item.done":
                let index = try need(index, "index")
                try check(!done.contains(index), "!done.contains(index)")
                done.insert(index)
                try check(
                    (data["item"] as? [String: Any])?["id"] as? String == items[index]?["id"] as? String,
                    "(data['item'] as? [String: Any])?['id'] as? String == items[index]?['id'] as? String")
                items[index] = data["item"] as? [String: Any]
            case "response.completed", "response.incomplete", "response.failed":
                response = try need(data["response"] as? [String: Any], "data['response'] as? [String: Any]")
                try check(number == events.count - 1, "the final event is last")
                if type != "response.failed" { try check(done.count == items.count, "every item is done before the response") }
            default: break
            }
        }
        try check(types.prefix(2) == ["response.created", "response.in_progress"], "types.prefix(2) == ['response.created', 'response.in_progress']")
    }

    public var output: [[String: Any]] { response["output"] as? [[String: Any]] ?? [] }
}
