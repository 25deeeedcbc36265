package omniwebhooks

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Issue is one reason a payload was refused: where (keys and array indexes) and why.
type Issue struct {
	Path    []interface{} `json:"path"`
	Message string        `json:"message"`
}

// ValidationError lists every issue of a refused payload.
type ValidationError struct {
	Issues []Issue
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, issue := range e.Issues {
		parts[i] = fmt.Sprintf("%s: %s", pathString(issue.Path), issue.Message)
	}
	return "omniwebhooks: invalid event: " + strings.Join(parts, "; ")
}

func pathString(path []interface{}) string {
	if len(path) == 0 {
		return "(root)"
	}
	parts := make([]string, len(path))
	for i, key := range path {
		parts[i] = fmt.Sprint(key)
	}
	return strings.Join(parts, ".")
}

type schema = map[string]interface{}

var (
	schemasOnce sync.Once
	schemas     map[bool]map[string]schema
	patterns    sync.Map
)

// eventSchema is the JSON Schema of one event in one mode, or nil for an unknown name.
func eventSchema(name string, strict bool) schema {
	schemasOnce.Do(func() {
		schemas = map[bool]map[string]schema{}
		for mode, byName := range eventSchemaJSON {
			schemas[mode] = map[string]schema{}
			for event, text := range byName {
				var parsed schema
				if err := json.Unmarshal([]byte(text), &parsed); err != nil {
					panic("omniwebhooks: embedded schema of " + event + ": " + err.Error())
				}
				schemas[mode][event] = parsed
			}
		}
	})
	return schemas[strict][name]
}

func withKey(path []interface{}, key interface{}) []interface{} {
	next := make([]interface{}, len(path), len(path)+1)
	copy(next, path)
	return append(next, key)
}

// validate checks a value decoded with UseNumber against the JSON Schema keywords the generated
// schemas use (the generator refuses any other keyword).
func validate(s schema, value interface{}, path []interface{}) []Issue {
	if branches, ok := s["anyOf"].([]interface{}); ok {
		var closest []Issue
		for _, branch := range branches {
			issues := validate(branch.(schema), value, path)
			if len(issues) == 0 {
				return nil
			}
			if closest == nil || deeper(issues, closest) {
				closest = issues
			}
		}
		return closest
	}
	if types, ok := s["type"]; ok && !hasType(types, value) {
		return []Issue{{Path: path, Message: fmt.Sprintf("expected %v, got %s", types, jsonType(value))}}
	}
	var issues []Issue
	fail := func(message string) { issues = append(issues, Issue{Path: path, Message: message}) }
	if constant, ok := s["const"]; ok && constant != value {
		fail(fmt.Sprintf("expected %v", constant))
	}
	if values, ok := s["enum"].([]interface{}); ok && !contains(values, value) {
		fail(fmt.Sprintf("expected one of %v", values))
	}
	switch typed := value.(type) {
	case string:
		if pattern, ok := s["pattern"].(string); ok && !compiled(pattern).MatchString(typed) {
			fail("does not match " + pattern)
		}
		if s["format"] == "uri" && !isURL(typed) {
			fail("expected a URL")
		}
	case json.Number:
		number, _ := strconv.ParseFloat(string(typed), 64)
		if limit, ok := s["minimum"].(float64); ok && number < limit {
			fail(fmt.Sprintf("expected at least %v", limit))
		}
		if limit, ok := s["maximum"].(float64); ok && number > limit {
			fail(fmt.Sprintf("expected at most %v", limit))
		}
		if limit, ok := s["exclusiveMinimum"].(float64); ok && number <= limit {
			fail(fmt.Sprintf("expected more than %v", limit))
		}
	case []interface{}:
		if items, ok := s["items"].(schema); ok {
			for i, item := range typed {
				issues = append(issues, validate(items, item, withKey(path, i))...)
			}
		}
	case map[string]interface{}:
		issues = append(issues, validateObject(s, typed, path)...)
	}
	return issues
}

func validateObject(s schema, object map[string]interface{}, path []interface{}) []Issue {
	var issues []Issue
	properties, _ := s["properties"].(schema)
	if required, ok := s["required"].([]interface{}); ok {
		for _, key := range required {
			if _, present := object[key.(string)]; !present {
				issues = append(issues, Issue{Path: withKey(path, key), Message: "required"})
			}
		}
	}
	for _, key := range sortedKeys(object) {
		if property, known := properties[key].(schema); known {
			issues = append(issues, validate(property, object[key], withKey(path, key))...)
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case bool:
			if !extra {
				issues = append(issues, Issue{Path: withKey(path, key), Message: "unknown field"})
			}
		case schema:
			issues = append(issues, validate(extra, object[key], withKey(path, key))...)
		}
	}
	return issues
}

// deeper prefers the branch whose issues lie further down: it matched the shape, not only the type
func deeper(a, b []Issue) bool {
	return len(a[0].Path) > len(b[0].Path)
}

func hasType(types interface{}, value interface{}) bool {
	switch typed := types.(type) {
	case string:
		return isType(typed, value)
	case []interface{}:
		for _, t := range typed {
			if isType(t.(string), value) {
				return true
			}
		}
	}
	return false
}

func isType(name string, value interface{}) bool {
	actual := jsonType(value)
	if name == "integer" {
		number, ok := value.(json.Number)
		if !ok {
			return false
		}
		f, err := strconv.ParseFloat(string(number), 64)
		return err == nil && f == math.Trunc(f)
	}
	return actual == name
}

func jsonType(value interface{}) string {
	switch value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []interface{}:
		return "array"
	default:
		return "object"
	}
}

func contains(values []interface{}, value interface{}) bool {
	for _, v := range values {
		if v == value {
			return true
		}
	}
	return false
}

// compiled reads the generated patterns as RE2: their `$(?!\n)` (end of text, for dialects whose `$`
// also matches before a final newline) is what `$` already means in Go.
func compiled(pattern string) *regexp.Regexp {
	if cached, ok := patterns.Load(pattern); ok {
		return cached.(*regexp.Regexp)
	}
	re := regexp.MustCompile(strings.ReplaceAll(pattern, `$(?!\n)`, `$`))
	patterns.Store(pattern, re)
	return re
}

var (
	urlScheme      = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$`)
	specialSchemes = map[string]bool{"http": true, "https": true, "ws": true, "wss": true, "ftp": true, "file": true}
)

// isURL accepts what the WHATWG URL parser accepts in the cases that matter here: a scheme, and for
// the special schemes (http, https, ...) a host; surrounding whitespace and tabs or newlines inside
// are ignored, as the parser does.
func isURL(value string) bool {
	trimmed := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, strings.TrimSpace(value))
	match := urlScheme.FindStringSubmatch(trimmed)
	if match == nil {
		return false
	}
	scheme := strings.ToLower(match[1])
	if !specialSchemes[scheme] {
		return true
	}
	rest := strings.TrimLeft(match[2], `/\`)
	host := rest
	if end := strings.IndexAny(rest, `/\?#`); end >= 0 {
		host = rest[:end]
	}
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	if scheme == "file" {
		return true
	}
	return host != "" && !strings.ContainsAny(host, " <>^|%\"`{}")
}
