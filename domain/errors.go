package domain

import "errors"

// ErrConcurrencyConflict is returned by an event store when a stream's expected
// version no longer matches: another writer appended first. Application services
// retry the whole command (load, decide, append) a bounded number of times.
var ErrConcurrencyConflict = errors.New("concurrency conflict")

// Sentinels the application and HTTP layers branch on. Domain code wraps them with
// detail (fmt.Errorf("...: %w", ErrConflict)); callers compare with errors.Is.
var (
	// ErrNotFound: the target does not exist or the caller may not know that it does
	// (existence is never leaked: what a caller may not see answers like what is not).
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller sees the target but may not do this to it.
	ErrForbidden = errors.New("forbidden")
	// ErrConflict: the command contradicts the current state (pausing a paused
	// customer, sharing what is already shared, registering an existing stream).
	ErrConflict = errors.New("conflict")
	// ErrShareCancelled: the portal share was cancelled; nothing may follow.
	ErrShareCancelled = errors.New("share cancelled")
	// ErrLinkGone: the link was cancelled or has expired.
	ErrLinkGone = errors.New("link gone")
	// ErrCustomerRevoked: the customer was revoked; a revoked customer never comes back.
	ErrCustomerRevoked = errors.New("customer revoked")
	// ErrPasswordRequired: the link is protected and no password was given.
	ErrPasswordRequired = errors.New("password required")
	// ErrPasswordRejected: the password given for a link is wrong.
	ErrPasswordRejected = errors.New("password rejected")
	// ErrInvitationGone: the invitation was used, withdrawn or has expired.
	ErrInvitationGone = errors.New("invitation gone")
	// ErrValidation matches every *ValidationError, for callers that only need to
	// know that the input was bad.
	ErrValidation = errors.New("validation failed")
)

// ValidationError names the input field that is unacceptable and why. Field uses the
// API's snake_case names so the HTTP layer can pass it through.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Is lets errors.Is(err, ErrValidation) match any ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

func invalid(field, message string) error { return &ValidationError{Field: field, Message: message} }

// rejections are the errors that mean "the rules say no", as opposed to failures.
var rejections = []error{
	ErrNotFound, ErrForbidden, ErrConflict, ErrShareCancelled, ErrLinkGone, ErrCustomerRevoked,
	ErrPasswordRequired, ErrPasswordRejected, ErrInvitationGone, ErrValidation,
}

// IsRejection reports whether err is a rule saying no (a client error: 4xx) rather
// than a failure (5xx). Concurrency conflicts that outlived the retries are not
// rejections.
func IsRejection(err error) bool {
	for _, r := range rejections {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}
