package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// ErrUnknownEventType is returned when decoding a type string that no Go type was
// registered for.
var ErrUnknownEventType = errors.New("unknown event type")

// Upcaster turns the JSON payload of schema version N into the payload of version
// N+1. Upcasters run on read: stored events are never rewritten.
type Upcaster func(payload []byte) ([]byte, error)

type eventTypeInfo struct {
	goType    reflect.Type
	version   int              // current schema version, written on append
	upcasters map[int]Upcaster // from version -> version+1
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*eventTypeInfo{}
)

// RegisterEvent makes an event type known to the codec at its current schema
// version. Registering the same type string twice panics: type strings are global and
// permanent.
func RegisterEvent(sample Event, schemaVersion int) {
	registryMu.Lock()
	defer registryMu.Unlock()
	typ := sample.EventType()
	if _, ok := registry[typ]; ok {
		panic("domain: event type registered twice: " + typ)
	}
	if schemaVersion < 1 {
		panic("domain: schema version must be >= 1: " + typ)
	}
	t := reflect.TypeOf(sample)
	if t.Kind() == reflect.Pointer {
		panic("domain: register event values, not pointers: " + typ)
	}
	registry[typ] = &eventTypeInfo{goType: t, version: schemaVersion, upcasters: map[int]Upcaster{}}
}

// RegisterUpcaster adds the step from schema version `from` to `from+1` for typ.
func RegisterUpcaster(typ string, from int, up Upcaster) {
	registryMu.Lock()
	defer registryMu.Unlock()
	info, ok := registry[typ]
	if !ok {
		panic("domain: upcaster for unregistered event type: " + typ)
	}
	if from < 1 || from >= info.version {
		panic(fmt.Sprintf("domain: upcaster %s v%d outside 1..%d", typ, from, info.version-1))
	}
	info.upcasters[from] = up
}

// EventTypes lists every registered type string, sorted.
func EventTypes() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// EncodeEvent returns the type string, current schema version and JSON payload of e.
func EncodeEvent(e Event) (typ string, schemaVersion int, payload []byte, err error) {
	typ = e.EventType()
	registryMu.RLock()
	info, ok := registry[typ]
	registryMu.RUnlock()
	if !ok {
		return "", 0, nil, fmt.Errorf("encode %s: %w", typ, ErrUnknownEventType)
	}
	payload, err = json.Marshal(e)
	if err != nil {
		return "", 0, nil, fmt.Errorf("encode %s: %w", typ, err)
	}
	return typ, info.version, payload, nil
}

// DecodeEvent turns a stored payload back into its event value, upcasting it first
// when it was written by an older schema version. Unknown fields are rejected so
// that a payload the code does not understand is never silently half-read.
func DecodeEvent(typ string, schemaVersion int, payload []byte) (Event, error) {
	registryMu.RLock()
	info, ok := registry[typ]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("decode %s: %w", typ, ErrUnknownEventType)
	}
	if schemaVersion > info.version || schemaVersion < 1 {
		return nil, fmt.Errorf("decode %s: schema version %d not in 1..%d", typ, schemaVersion, info.version)
	}
	for v := schemaVersion; v < info.version; v++ {
		up, ok := info.upcasters[v]
		if !ok {
			return nil, fmt.Errorf("decode %s: no upcaster from v%d", typ, v)
		}
		var err error
		if payload, err = up(payload); err != nil {
			return nil, fmt.Errorf("decode %s: upcast v%d: %w", typ, v, err)
		}
	}
	ptr := reflect.New(info.goType)
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(ptr.Interface()); err != nil {
		return nil, fmt.Errorf("decode %s: %w", typ, err)
	}
	return ptr.Elem().Interface().(Event), nil
}
