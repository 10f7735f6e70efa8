package domain

import "errors"

// ErrConcurrencyConflict is returned by an event store when a stream's expected
// version no longer matches: another writer appended first. Application services
// retry the whole command (load, decide, append) a bounded number of times.
var ErrConcurrencyConflict = errors.New("concurrency conflict")
