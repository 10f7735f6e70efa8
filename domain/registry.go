package domain

import (
	"fmt"
	"reflect"
)

// ZeroEvent returns the zero value of the Go type registered for typ. Store
// conformance tests use it to build one sample of every registered type without a
// hand-written list that could fall behind the registry.
func ZeroEvent(typ string) (Event, error) {
	registryMu.RLock()
	info, ok := registry[typ]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("zero %s: %w", typ, ErrUnknownEventType)
	}
	return reflect.New(info.goType).Elem().Interface().(Event), nil
}
