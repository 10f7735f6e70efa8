//go:build race

package httpapi

// raceEnabled: the race detector keeps shadow memory beside the heap, so resident
// memory says nothing about the program's own use.
const raceEnabled = true
