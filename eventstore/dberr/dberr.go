// Package dberr tells errors that say the database cannot be reached (restarting,
// down, unreachable) from errors of a statement. It imports no driver: pgx's
// errors are recognised by what they expose, so that leaf packages (the HTTP
// problem mapping) can use it too.
package dberr

import (
	"errors"
	"net"
	"strings"
	"syscall"
)

// Unavailable reports whether err says the database cannot be reached rather
// than that a statement failed: what a retry a moment later may cure.
//   - a SQLSTATE (pgconn.PgError's SQLState) of class 08 (connection exception) or
//     57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now;
//   - a failed dial (*net.OpError with Op "dial": pgconn.ConnectError wraps one);
//   - a connection refused, reset or aborted, or a broken pipe.
//
// A message that merely mentions a connection is not enough.
func Unavailable(err error) bool {
	if code, ok := SQLState(err); ok {
		if strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" {
			return true
		}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	for _, errno := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// SQLState is the SQLSTATE err carries, if any.
func SQLState(err error) (string, bool) {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		return state.SQLState(), true
	}
	return "", false
}
