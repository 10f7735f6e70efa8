package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// A short run of the harness end to end: seed, workload, verification, report.
func TestLoadSmoke(t *testing.T) {
	url := pgtest.URL(t)
	env := func(k string) string { return map[string]string{"DATABASE_URL": url}[k] }
	var out bytes.Buffer
	err := run(context.Background(), []string{"-duration", "2s", "-rate", "40", "-customers", "4", "-documents", "6"}, env, &out, io.Discard)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"verification: OK", "grant share", "portal listing", "projection lag portal", "errors by code:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
