package dberr

import "strings"

// Transient reports whether err may succeed when the same work is done again in a
// new transaction, a moment later: the database could not be reached
// (Unavailable), or it refused for a reason that belongs to the moment rather than
// to the work, by SQLSTATE:
//   - class 40 (transaction rollback): serialization failure 40001, deadlock 40P01,
//     statement completion unknown 40003 — but not 40002, a deferred constraint
//     the same work would violate again;
//   - 57014 query_canceled (statement_timeout, pg_cancel_backend), 57P05
//     idle_session_timeout, 25P03 idle_in_transaction_session_timeout;
//   - class 53 (insufficient resources): disk full 53100, out of memory 53200,
//     too many connections 53300;
//   - 55P03 lock_not_available, 55006 object_in_use;
//   - class 58 (system error, I/O error) and 72000 snapshot_too_old.
//
// Everything else that carries a SQLSTATE (a constraint, a type error, a syntax
// error) fails the same way every time: deterministic. So does an error without
// one that is not a lost connection (a payload that does not decode).
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if Unavailable(err) {
		return true
	}
	code, ok := SQLState(err)
	if !ok {
		return false
	}
	switch {
	case strings.HasPrefix(code, "40"):
		return code != "40002"
	case strings.HasPrefix(code, "53"), strings.HasPrefix(code, "58"):
		return true
	}
	switch code {
	case "57014", "57P05", "25P03", "55P03", "55006", "72000":
		return true
	}
	return false
}
