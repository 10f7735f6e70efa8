package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// `dev seed` builds a tenant with customers in every state, what it prints
// matches the log, and the log it wrote verifies.
func TestDevSeed(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	blobDir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error", "BLOB_DIR": blobDir}[k]
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"dev", "seed", "--customers", "8", "--documents", "12", "--events", "400", "--workers", "4"}, env, &out, io.Discard); err != nil {
		t.Fatalf("dev seed: %v\n%s", err, out.String())
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"admin ", "password ", "customers  1 invited, 5 active, 1 paused, 1 revoked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// The states it printed are the states in the log.
	store := testStore(t, pool)
	rows, err := pool.Query(ctx, `SELECT DISTINCT stream_id FROM events WHERE event_type IN ('CustomerConnected', 'CustomerInvited')`)
	if err != nil {
		t.Fatal(err)
	}
	var streams []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	states := map[domain.CustomerStatus]int{}
	for _, s := range streams {
		recs, err := store.ReadStream(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var c domain.Customer
		for _, r := range recs {
			c.Replay(r.Event)
		}
		states[c.Status]++
	}
	want := map[domain.CustomerStatus]int{domain.StatusInvited: 1, domain.StatusActive: 5, domain.StatusPaused: 1, domain.StatusRevoked: 1}
	for st, n := range want {
		if states[st] != n {
			t.Errorf("%s customers in the log: %d, want %d (all: %v)", st, states[st], n, states)
		}
	}
	var events, shares, cancelled, links, versions int
	if err := pool.QueryRow(ctx, `SELECT count(*),
		count(*) FILTER (WHERE event_type = 'PortalShareGranted'), count(*) FILTER (WHERE event_type = 'ShareCancelled'),
		count(*) FILTER (WHERE event_type = 'LinkCreated'), count(*) FILTER (WHERE event_type IN ('DocumentAdded', 'DocumentVersionAdded'))
		FROM events`).Scan(&events, &shares, &cancelled, &links, &versions); err != nil {
		t.Fatal(err)
	}
	if events < 400 || shares == 0 || cancelled == 0 || links == 0 || versions < 12 {
		t.Errorf("log: %d events, %d shares (%d cancelled), %d links, %d versions: too little activity", events, shares, cancelled, links, versions)
	}
	// Every document's content is in the blob store.
	var missing int
	rows, err = pool.Query(ctx, `SELECT payload->>'sha256' FROM events WHERE event_type IN ('DocumentAdded', 'DocumentVersionAdded')`)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blobs.New(blobs.Config{Root: blobDir})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var sha *string
		if err := rows.Scan(&sha); err != nil {
			t.Fatal(err)
		}
		if sha == nil {
			missing++
			continue
		}
		if ok, err := bs.Exists(*sha); err != nil || !ok {
			missing++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Errorf("%d versions without a blob", missing)
	}

	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, env, &out, io.Discard); err != nil || !strings.Contains(out.String(), `"ok":true`) {
		t.Fatalf("audit verify after the seed: %v\n%s", err, out.String())
	}
}
