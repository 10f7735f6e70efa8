package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/scenario"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/httpapi/client"
)

// benchTenant is the realistic tenant the portal listing paths are measured on
// (issue 15): scenario.NewTenant's 200 customers, 10,000 documents in nested
// folders, master access, folder shares and 50 links, appended through the
// store; the heavy customer (5,000 visible documents) is a company signed up
// through the API so that its user can log in.
type benchTenant struct {
	provider, level string
	auth            http.Header
	events          int
	built           time.Duration
	levelBody       []byte // one level, 50 items
	flatBody        []byte // flat, 500 items
}

const (
	tenantLevelQuery = "?limit=50&folder_id="
	tenantFlatQuery  = "?flat=true&limit=500"
)

func setupTenant(ctx context.Context, c *client.Client, store *eventstore.Store) (benchTenant, error) {
	var bt benchTenant
	heavy, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Heavy Customer", Name: "Hal Heavy",
		Email: "hal@heavy.bench.test", Password: "a long bench password"})
	if err != nil {
		return bt, err
	}
	bt.auth = http.Header{"Authorization": {"Bearer " + heavy.Token}}
	start := time.Now()
	var last int64
	sink := appendSink{ctx: ctx, store: store, last: &last}
	ten, err := scenario.NewTenant(ctx, sink, scenario.TenantSpec{Customers: 200, Documents: 10_000, Links: 50,
		Heavy: heavy.CompanyID, HeavyName: "Heavy Customer", HeavyDocuments: 5_000}, 15)
	if err != nil {
		return bt, fmt.Errorf("tenant: %w", err)
	}
	bt.provider, bt.level, bt.events = ten.ProviderID.String(), ten.Level.String(), ten.Events
	listing := "/api/v1/portal/providers/" + bt.provider + "/documents"
	// The projections have caught up once the listing answers at the last position.
	if bt.levelBody, err = waitBody(ctx, c, listing+tenantLevelQuery+bt.level, heavy.Token, last); err != nil {
		return bt, err
	}
	bt.built = time.Since(start)
	if bt.flatBody, err = waitBody(ctx, c, listing+tenantFlatQuery, heavy.Token, last); err != nil {
		return bt, err
	}
	return bt, nil
}

// waitBody GETs path once the read models reached position, and returns its
// 200 body.
func waitBody(ctx context.Context, c *client.Client, path, token string, position int64) ([]byte, error) {
	for {
		a := c.Get(ctx, path, token, position)
		if a.Status == http.StatusOK {
			return a.Body, nil
		}
		if a.Status != http.StatusServiceUnavailable && a.Status != http.StatusGatewayTimeout {
			return nil, fmt.Errorf("GET %s: %d %s", path, a.Status, a.Body)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// appendSink appends each batch of the generator through the store, with the
// generator's expected versions.
type appendSink struct {
	ctx   context.Context
	store *eventstore.Store
	last  *int64
}

func (s appendSink) Record(b scenario.Batch) error {
	batch := app.Batch{Meta: b.Meta, RecordedAt: b.At}
	for _, ch := range b.Changes {
		batch.Streams = append(batch.Streams, app.StreamAppend{StreamID: ch.Stream, ExpectedVersion: ch.Version, Events: ch.Events})
	}
	res, err := s.store.Append(s.ctx, batch)
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	*s.last = max(*s.last, res.LastPosition)
	return nil
}
