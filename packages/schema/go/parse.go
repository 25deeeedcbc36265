package omniwebhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Event is a parsed webhook event: one of the generated *...Event types, or *UnknownEvent.
type Event interface {
	EventType() string
}

// UnknownEvent is an event whose name this version does not know (lenient parsing only): its name and
// its JSON as received.
type UnknownEvent struct {
	Name string
	Raw  json.RawMessage
}

// EventType returns the event's name.
func (e *UnknownEvent) EventType() string { return e.Name }

// MarshalJSON gives back the event as received.
func (e UnknownEvent) MarshalJSON() ([]byte, error) {
	if e.Raw == nil {
		return []byte("null"), nil
	}
	return e.Raw, nil
}

// ParseEvent parses a webhook body the way a production receiver should: unknown fields and enum
// values are kept, absent or null optional fields are nil, and an event name this version does not
// know gives *UnknownEvent and no error. It refuses what no drift explains: a missing id, a wrong JSON
// type, a signedUrl that is not a URL.
func ParseEvent(data []byte) (Event, error) {
	return parse(data, false)
}

// ParseEventStrict parses like the strict zod schema of @omni-webhooks/schema: every documented
// required field, only known enum values, no unknown field, ISO-8601 date-times, E.164 phone numbers.
// Use it in contract tests that should notice when OmniAI changes its payloads.
func ParseEventStrict(data []byte) (Event, error) {
	return parse(data, true)
}

func invalid(path []interface{}, message string) error {
	return &ValidationError{Issues: []Issue{{Path: path, Message: message}}}
}

func parse(data []byte, strict bool) (Event, error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.UseNumber()
	var value interface{}
	if err := decoder.Decode(&value); err != nil {
		return nil, fmt.Errorf("omniwebhooks: not JSON: %w", err)
	}
	if decoder.More() {
		return nil, fmt.Errorf("omniwebhooks: not JSON: data after the value")
	}
	object, ok := value.(map[string]interface{})
	if !ok {
		return nil, invalid(nil, "expected a JSON object")
	}
	name, ok := object["event"].(string)
	if !ok {
		return nil, invalid([]interface{}{"event"}, "expected the event name, a string")
	}
	s := eventSchema(name, strict)
	if s == nil {
		if strict {
			return nil, invalid([]interface{}{"event"}, fmt.Sprintf("unknown event %q, expected one of %v", name, knownEventNames()))
		}
		return &UnknownEvent{Name: name, Raw: append(json.RawMessage(nil), bytes.TrimSpace(data)...)}, nil
	}
	if issues := validate(s, value, nil); len(issues) > 0 {
		return nil, &ValidationError{Issues: issues}
	}
	event := newEvent[name]()
	if err := json.Unmarshal(data, event); err != nil {
		return nil, fmt.Errorf("omniwebhooks: %s: %w", name, err)
	}
	return event, nil
}

func knownEventNames() []string {
	names := make([]string, 0, len(newEvent))
	for name := range newEvent {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(object map[string]interface{}) []string {
	keys := make([]string, 0, len(object))
	for key := range object {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
