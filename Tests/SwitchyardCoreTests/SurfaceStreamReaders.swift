import Foundation
import SwitchyardCore
import Testing

/// Reads a translated Anthropic stream the way the Anthropic SDK folds it into a message, but
/// strictly: `message_start` first, block indexes in order, deltas only to the open block and
/// of its kind, `message_stop` last. Every rule broken is a test failure.
struct AnthropicStreamReader {
    struct Block: Equatable {
        var type: String
        var text = ""
        var id = ""
        var name = ""
        /// `partial_json` fragments joined, for `tool_use`.
        var json = ""
    }

    var names: [String] = []
    var blocks: [Block] = []
    var stopReason: String?
    var usage: [String: Int] = [:]
    var error: String?
    var stopped = false

    init(_ bytes: [UInt8]) throws {
        var parser = SSEParser()
        let events = try parser.feed(bytes) + parser.finish()
        var open: Int?
        for event in events {
            let name = try #require(event.event, "every event is named")
            names.append(name)
            let data = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
            #expect(data["type"] as? String == name, "the data's type is the event's name")
            #expect(!stopped, "nothing after message_stop or error")
            if names.count == 1 { #expect(name == "message_start" || name == "error") }
            switch name {
            case "message_start": #expect(names.count == 1)
            case "content_block_start":
                #expect(open == nil, "blocks never overlap")
                #expect(data["index"] as? Int == blocks.count, "block indexes go up by one")
                let block = try #require(data["content_block"] as? [String: Any])
                blocks.append(
                    Block(type: block["type"] as? String ?? "", id: block["id"] as? String ?? "", name: block["name"] as? String ?? ""))
                open = blocks.count - 1
            case "content_block_delta":
                let index = try #require(data["index"] as? Int)
                #expect(index == open, "a delta goes to the open block")
                guard index == open else { continue }
                let delta = try #require(data["delta"] as? [String: Any])
                switch (delta["type"] as? String, blocks[index].type) {
                case ("text_delta", "text"): blocks[index].text += delta["text"] as? String ?? ""
                case ("thinking_delta", "thinking"): blocks[index].text += delta["thinking"] as? String ?? ""
                case ("input_json_delta", "tool_use"): blocks[index].json += delta["partial_json"] as? String ?? ""
                case let pair: Issue.record("delta \(pair.0 ?? "") in a \(pair.1) block")
                }
            case "content_block_stop":
                #expect(data["index"] as? Int == open)
                open = nil
            case "message_delta":
                #expect(open == nil, "every block closed before message_delta")
                stopReason = (data["delta"] as? [String: Any])?["stop_reason"] as? String
                usage = data["usage"] as? [String: Int] ?? [:]
            case "message_stop": stopped = true
            case "error":
                error = (data["error"] as? [String: Any])?["message"] as? String
                stopped = true
            case "ping": break
            default: Issue.record("unknown event \(name)")
            }
        }
    }

    /// A tool call's input as the SDK parses it.
    func input(_ block: Block) throws -> [String: Any] {
        if block.json.isEmpty { return [:] }
        return try #require(try JSONSerialization.jsonObject(with: Data(block.json.utf8)) as? [String: Any])
    }
}

/// Reads a translated Responses stream strictly: `sequence_number` 0, 1, 2…; every delta names
/// an item that was added and not yet done; what the deltas add up to is what the done events
/// and the final response say.
struct ResponsesStreamReader {
    var types: [String] = []
    /// The final response object (`completed`, `incomplete` or `failed`).
    var response: [String: Any] = [:]
    /// Each item's text as the deltas built it, by output index.
    var built: [Int: String] = [:]
    var items: [Int: [String: Any]] = [:]

    init(_ bytes: [UInt8]) throws {
        var parser = SSEParser()
        let events = try parser.feed(bytes) + parser.finish()
        var done: Set<Int> = []
        for (number, event) in events.enumerated() {
            let data = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
            let type = try #require(data["type"] as? String)
            #expect(event.event == type)
            #expect(data["sequence_number"] as? Int == number, "sequence numbers count up from 0")
            types.append(type)
            let index = data["output_index"] as? Int
            switch type {
            case "response.output_item.added":
                let index = try #require(index)
                #expect(items[index] == nil && index == items.count, "output indexes go up by one")
                items[index] = data["item"] as? [String: Any]
                built[index] = ""
            case "response.output_text.delta", "response.function_call_arguments.delta", "response.reasoning_summary_text.delta":
                let index = try #require(index)
                #expect(items[index] != nil && !done.contains(index), "a delta goes to an open item")
                #expect(data["item_id"] as? String == items[index]?["id"] as? String, "a delta names its item")
                built[index, default: ""] += data["delta"] as? String ?? ""
            case "response.output_text.done", "response.reasoning_summary_text.done":
                #expect(data["text"] as? String == built[index ?? -1], "the done text is what the deltas built")
            case "response.function_call_arguments.done":
                #expect(data["arguments"] as? String == built[index ?? -1])
            case "response.output_item.done":
                let index = try #require(index)
                #expect(!done.contains(index))
                done.insert(index)
                #expect((data["item"] as? [String: Any])?["id"] as? String == items[index]?["id"] as? String)
                items[index] = data["item"] as? [String: Any]
            case "response.completed", "response.incomplete", "response.failed":
                response = try #require(data["response"] as? [String: Any])
                #expect(number == events.count - 1, "the final event is last")
                if type != "response.failed" { #expect(done.count == items.count, "every item is done before the response") }
            default: break
            }
        }
        #expect(types.prefix(2) == ["response.created", "response.in_progress"])
    }

    var output: [[String: Any]] { response["output"] as? [[String: Any]] ?? [] }
}
