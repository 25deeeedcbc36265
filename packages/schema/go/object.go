package omniwebhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
)

// field binds a JSON key to the struct field that holds it.
type field struct {
	key string
	ptr interface{}
}

// presence remembers the key order and the explicit nulls of a decoded object, so that Marshal gives
// back the same JSON (a null and a missing key are both nil in Go).
type presence struct {
	order []string
	nulls map[string]bool
}

// objectMembers reads a JSON object's members in order; a null object gives none.
func objectMembers(data []byte) (keys []string, values []json.RawMessage, isNull bool, err error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	token, err := decoder.Token()
	if err != nil {
		return nil, nil, false, err
	}
	if token == nil {
		return nil, nil, true, nil
	}
	if delim, ok := token.(json.Delim); !ok || delim != '{' {
		return nil, nil, false, fmt.Errorf("expected a JSON object")
	}
	for decoder.More() {
		token, err := decoder.Token()
		if err != nil {
			return nil, nil, false, err
		}
		key, _ := token.(string)
		var value json.RawMessage
		if err := decoder.Decode(&value); err != nil {
			return nil, nil, false, err
		}
		keys = append(keys, key)
		values = append(values, value)
	}
	_, err = decoder.Token()
	return keys, values, false, err
}

func isJSONNull(value json.RawMessage) bool {
	return string(bytes.TrimSpace(value)) == "null"
}

func decodeObject(data []byte, fields []field, extra *map[string]json.RawMessage, seen *presence) error {
	keys, values, isNull, err := objectMembers(data)
	if err != nil || isNull {
		return err
	}
	byKey := make(map[string]field, len(fields))
	for _, f := range fields {
		byKey[f.key] = f
	}
	*seen = presence{}
	*extra = nil
	for i, key := range keys {
		value := values[i]
		if _, repeated := findKey(seen.order, key); !repeated {
			seen.order = append(seen.order, key)
		}
		f, known := byKey[key]
		if !known {
			if *extra == nil {
				*extra = map[string]json.RawMessage{}
			}
			(*extra)[key] = append(json.RawMessage(nil), value...)
			continue
		}
		target := reflect.ValueOf(f.ptr).Elem()
		target.Set(reflect.Zero(target.Type()))
		if isJSONNull(value) {
			if seen.nulls == nil {
				seen.nulls = map[string]bool{}
			}
			seen.nulls[key] = true
			continue
		}
		delete(seen.nulls, key)
		if err := json.Unmarshal(value, f.ptr); err != nil && !decodeIntegral(value, target) {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// decodeIntegral reads an integer written as 2.0 or 2e0 (the same JSON value as 2, which encoding/json
// refuses for an int64) into an int64 or *int64 target
func decodeIntegral(value json.RawMessage, target reflect.Value) bool {
	number, err := strconv.ParseFloat(string(bytes.TrimSpace(value)), 64)
	if err != nil || number != math.Trunc(number) || math.Abs(number) > 1<<53 {
		return false
	}
	switch {
	case target.Kind() == reflect.Int64:
		target.SetInt(int64(number))
	case target.Kind() == reflect.Ptr && target.Type().Elem().Kind() == reflect.Int64:
		integer := int64(number)
		target.Set(reflect.ValueOf(&integer))
	default:
		return false
	}
	return true
}

func findKey(keys []string, key string) (int, bool) {
	for i, k := range keys {
		if k == key {
			return i, true
		}
	}
	return -1, false
}

// isSet: pointers, slices, maps and raw JSON are set when not nil; plain values always are.
func isSet(ptr interface{}) bool {
	value := reflect.ValueOf(ptr).Elem()
	switch value.Kind() {
	case reflect.Ptr, reflect.Slice, reflect.Map, reflect.Interface:
		return !value.IsNil()
	default:
		return true
	}
}

func encodeObject(fields []field, extra map[string]json.RawMessage, seen presence) ([]byte, error) {
	var out bytes.Buffer
	written := map[string]bool{}
	write := func(key string, value []byte) error {
		name, err := json.Marshal(key)
		if err != nil {
			return err
		}
		if len(written) > 0 {
			out.WriteByte(',')
		}
		written[key] = true
		out.Write(name)
		out.WriteByte(':')
		out.Write(value)
		return nil
	}
	byKey := make(map[string]field, len(fields))
	for _, f := range fields {
		byKey[f.key] = f
	}
	emit := func(key string) error {
		if written[key] {
			return nil
		}
		if f, known := byKey[key]; known {
			if isSet(f.ptr) {
				value, err := json.Marshal(reflect.ValueOf(f.ptr).Elem().Interface())
				if err != nil {
					return fmt.Errorf("%s: %w", key, err)
				}
				return write(key, value)
			}
			if seen.nulls[key] {
				return write(key, []byte("null"))
			}
			return nil
		}
		if value, ok := extra[key]; ok {
			return write(key, value)
		}
		return nil
	}
	out.WriteByte('{')
	for _, key := range seen.order {
		if err := emit(key); err != nil {
			return nil, err
		}
	}
	for _, f := range fields {
		if err := emit(f.key); err != nil {
			return nil, err
		}
	}
	rest := make([]string, 0, len(extra))
	for key := range extra {
		rest = append(rest, key)
	}
	sort.Strings(rest)
	for _, key := range rest {
		if err := emit(key); err != nil {
			return nil, err
		}
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}
