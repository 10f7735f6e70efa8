package dberr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sharehub/sharehub/eventstore/dberr"
)

type pgErr struct{ code string }

func (e pgErr) Error() string    { return "ERROR: something (SQLSTATE " + e.code + ")" }
func (e pgErr) SQLState() string { return e.code }

func TestTransientClassifiesBySQLState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"serialization failure", pgErr{"40001"}, true},
		{"deadlock", pgErr{"40P01"}, true},
		{"statement timeout or pg_cancel_backend", pgErr{"57014"}, true},
		{"admin shutdown", pgErr{"57P01"}, true},
		{"disk full", pgErr{"53100"}, true},
		{"out of memory", pgErr{"53200"}, true},
		{"connection failure", pgErr{"08006"}, true},
		{"lock not available", pgErr{"55P03"}, true},
		{"io error", pgErr{"58030"}, true},
		{"wrapped deadlock", fmt.Errorf("apply: %w", pgErr{"40P01"}), true},
		{"deferred constraint at commit", pgErr{"40002"}, false},
		{"unique violation", pgErr{"23505"}, false},
		{"division by zero", pgErr{"22012"}, false},
		{"undefined table", pgErr{"42P01"}, false},
		{"no SQLSTATE", errors.New("projection does not handle X"), false},
		{"nil", nil, false},
	} {
		if got := dberr.Transient(tc.err); got != tc.want {
			t.Errorf("%s: Transient = %v, want %v", tc.name, got, tc.want)
		}
	}
}
