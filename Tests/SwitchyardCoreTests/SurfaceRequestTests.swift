import Foundation
import SwitchyardCore
import Testing

/// Anthropic Messages and Responses requests as the chat-completions bodies sent upstream.
@Suite struct SurfaceRequestTests {
    static func anthropic(_ json: String) throws -> TranslatedRequest {
        try AnthropicToOpenAI.chat(JSONCoding.decodeRequest(AnthropicRequest.self, from: Array(json.utf8)))
    }

    static func responses(_ json: String) throws -> TranslatedRequest {
        try ResponsesToOpenAI.chat(JSONCoding.decodeRequest(ResponsesRequest.self, from: Array(json.utf8)))
    }

    /// The shape Claude Code sends: system blocks with cache_control, a tool round trip, tools.
    @Test func aClaudeCodeStyleConversation() throws {
        let translated = try Self.anthropic(
            #"""
            {"model":"tiny","max_tokens":512,"stream":true,"temperature":0.5,"top_k":40,"stop_sequences":["END"],
             "system":[{"type":"text","text":"You are Claude Code."},{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
             "metadata":{"user_id":"u1"},
             "messages":[
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"Use the tool.","signature":"sig"},
                 {"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"Sunny"}]},
                 {"type":"tool_result","tool_use_id":"toolu_2","content":"boom","is_error":true},
                 {"type":"text","text":"And now?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBO"}}]}],
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"type":"web_search_20250305","name":"web_search"}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "thinking":{"type":"enabled","budget_tokens":8000}}
            """#)
        let body = translated.body
        #expect(body["max_tokens"] == .int(512) && body["stream"] == true && body["stream_options"] == ["include_usage": true])
        #expect(body["temperature"] == .double(0.5) && body["top_k"] == .int(40) && body["stop"] == ["END"])
        #expect(body["tool_choice"] == "required" && body["parallel_tool_calls"] == false && body["reasoning_effort"] == "medium")
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue } == ["system", "user", "assistant", "tool", "tool", "user"])
        #expect(messages[0]["content"] == "You are Claude Code.\n\nBe brief.")
        #expect(messages[2]["content"] == "Checking." && messages[2]["reasoning_content"] == "Use the tool.")
        #expect(
            messages[2]["tool_calls"] == [
                ["id": "toolu_1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]
            ])
        #expect(messages[3]["tool_call_id"] == "toolu_1" && messages[3]["content"] == "Sunny")
        #expect(messages[4]["content"] == "Error: boom")
        #expect(
            messages[5]["content"]
                == [["type": "text", "text": "And now?"], ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBO"]]])
        #expect(body["tools"]?.arrayValue?.count == 1, "the server tool is not sent on")
        #expect(body["tools"]?.arrayValue?.first?["function"]?["parameters"]?["type"] == "object")
        #expect(translated.untranslated.map(\.path) == ["cache_control", "tools.1", "metadata"], "each reported once")
    }

    @Test func toolChoiceNamingOneToolOffersOnlyThatTool() throws {
        let translated = try Self.anthropic(
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"a","input_schema":{}},{"name":"b","input_schema":{}}],"tool_choice":{"type":"tool","name":"b"}}"#
        )
        #expect(translated.body["tool_choice"] == "required")
        #expect(translated.body["tools"]?.arrayValue?.map { $0["function"]?["name"] } == ["b"])
        #expect(throws: RequestError.self) {
            try Self.anthropic(
                #"{"model":"m","max_tokens":5,"messages":[],"tools":[{"name":"a","input_schema":{}}],"tool_choice":{"type":"tool","name":"c"}}"#)
        }
    }

    @Test func outputConfigSetsEffortAndStructuredOutput() throws {
        let translated = try Self.anthropic(
            #"{"model":"m","max_tokens":5,"messages":[],"output_config":{"effort":"xhigh","format":{"type":"json_schema","schema":{"type":"object"}},"task_budget":1}}"#
        )
        #expect(translated.body["reasoning_effort"] == "high")
        #expect(translated.body["response_format"] == ["type": "json_schema", "json_schema": ["name": "response", "schema": ["type": "object"]]])
        #expect(translated.untranslated.map(\.path) == ["output_config.task_budget"])
        let thinking = try Self.anthropic(
            #"{"model":"m","max_tokens":5,"messages":[],"thinking":{"type":"disabled"},"output_config":{"effort":"high"}}"#)
        #expect(thinking.body["reasoning_effort"] == "none", "thinking wins over effort")
    }

    @Test func thinkingDisabledAsksForNoReasoningAndHidesIt() throws {
        let translated = try Self.anthropic(#"{"model":"m","max_tokens":5,"messages":[],"thinking":{"type":"disabled"}}"#)
        #expect(translated.body["reasoning_effort"] == "none" && !translated.showThinking)
    }

    @Test(arguments: [
        (#"{"model":"m","messages":[]}"#, "max_tokens: field required"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}"#, "messages.0.role"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"video"}]}]}"#, "messages.0.content.0.type"),
        (#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file"}}]}]}"#, "source.type"),
        (#"{"model":"m","max_tokens":5,"messages":[],"thinking":{"type":"sometimes"}}"#, "thinking.type"),
    ])
    func badAnthropicRequestsNameTheField(_ json: String, _ expected: String) {
        Self.expectRefusal(saying: expected) { try Self.anthropic(json) }
    }

    static func expectRefusal(saying expected: String, _ translate: () throws -> TranslatedRequest) {
        do {
            _ = try translate()
            Issue.record("accepted, though it should have been refused with \(expected)")
        } catch let error as RequestError {
            #expect(error.message.contains(expected), "\(error.message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aResponsesConversationWithAToolRoundTrip() throws {
        let translated = try Self.responses(
            #"""
            {"model":"tiny","instructions":"Be brief.","max_output_tokens":64,"stream":true,"temperature":0,
             "reasoning":{"effort":"low"},"parallel_tool_calls":false,"store":true,"truncation":"auto",
             "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
             "input":[{"role":"developer","content":"Use tools."},
               {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"data:image/png;base64,AA"}]},
               {"type":"reasoning","summary":[{"type":"summary_text","text":"Need the tool."}]},
               {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
               {"type":"function_call","call_id":"c2","name":"get_time","arguments":"{}"},
               {"type":"function_call_output","call_id":"c1","output":"Sunny"},
               {"type":"function_call_output","call_id":"c2","output":[{"type":"input_text","text":"noon"}]}],
             "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"},"strict":true},{"type":"web_search"}],
             "tool_choice":"required"}
            """#)
        let body = translated.body
        #expect(body["max_tokens"] == .int(64) && body["reasoning_effort"] == "low" && body["parallel_tool_calls"] == false)
        #expect(body["tool_choice"] == "required" && body["stream_options"] == ["include_usage": true])
        #expect(body["response_format"] == ["type": "json_schema", "json_schema": ["name": "w", "schema": ["type": "object"], "strict": true]])
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue } == ["system", "system", "user", "assistant", "tool", "tool"])
        #expect(messages[3]["tool_calls"]?.arrayValue?.count == 2, "consecutive calls are one assistant turn")
        #expect(messages[3]["reasoning_content"] == "Need the tool." && messages[3]["content"] == .null)
        #expect(messages[5]["content"] == "noon")
        #expect(body["tools"] == [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"], "strict": true]]])
        #expect(translated.untranslated.map(\.path) == ["tools[1]", "store", "truncation"])
    }

    @Test(arguments: [
        (#"{"model":"m","input":"x","previous_response_id":"resp_1"}"#, "stores no responses"),
        (#"{"model":"m","input":"x","conversation":"conv_1"}"#, "stores no responses"),
        (#"{"model":"m","input":"x","background":true}"#, "background"),
        (#"{"model":"m","input":"x","truncation":"middle"}"#, "'truncation' must be 'auto' or 'disabled'"),
        (#"{"model":"m","input":[{"type":"item_reference","id":"x"}]}"#, "input[0].type"),
        (#"{"model":"m","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}"#, "content[0].type"),
        (#"{"model":"m","input":"x","tool_choice":{"type":"function","name":"nope"}}"#, "no function named"),
    ])
    func refusedResponsesRequestsSayWhy(_ json: String, _ expected: String) {
        Self.expectRefusal(saying: expected) { try Self.responses(json) }
    }
}
