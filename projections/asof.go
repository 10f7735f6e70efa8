package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
)

// AsOfTimeout bounds an as-of replay (PortalViewAsOf) that its caller did not
// bound more tightly, its pauses (AsOfDuty) included.
const AsOfTimeout = 90 * time.Second

// The cost of as-of replays is bounded per process, so that an auditor's replay
// of a large tenant does not take the CPU the consumers of every other tenant
// need (issue 13 §3; 2 cores are enough for the lag to suffer):
//   - one replay at a time (asOfSlots): another one waits for its turn at most
//     AsOfQueueWait, then gets ErrAsOfBusy (the API answers 503 with
//     Retry-After);
//   - it reads in pages of asOfPage events and, after each page, pauses so
//     that it works at most AsOfDuty of the time it takes (a replay of 100k
//     events that needs 3 s of work takes about 10 s).
var asOfSlots = make(chan struct{}, 1)

// AsOfQueueWait is how long a replay waits for the one running in this process
// (a variable for tests only).
var AsOfQueueWait = 10 * time.Second

// HoldAsOfSlot takes this process's replay slot, as a replay does, waiting at
// most AsOfQueueWait (ErrAsOfBusy) or until ctx ends; release gives it back.
func HoldAsOfSlot(ctx context.Context) (release func(), err error) {
	wait := time.NewTimer(AsOfQueueWait)
	defer wait.Stop()
	select {
	case asOfSlots <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-asOfSlots }) }, nil
	case <-wait.C:
		return nil, ErrAsOfBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// ErrAsOfBusy: another as-of replay kept this process busy for AsOfQueueWait.
var ErrAsOfBusy = query.ErrReplayBusy

// asOfPage is the events a replay reads per statement: a range of
// events_tenant_tx_position_idx (the tenant's events in commit order), so small
// pages cost no sort each.
const asOfPage = 2_000

// AsOfDuty is the share of its wall time a replay spends working (1: no
// pauses). A variable for the benchmark that compares both (shbench replay).
var AsOfDuty = 0.3

// PortalViewAsOf answers what customerID's users could see at instant at, by
// replaying the provider's log up to that instant through the pure domain rule:
// the events are applied to a domain.State in memory and its PortalView (the
// rule ComputePortalView, which the differential oracle pins to the live
// tables) is read. It writes nothing and takes no transaction id: it reads in
// one READ ONLY transaction, so it never holds back the horizon the consumers
// of every tenant read below (issue 13 §3). It reads only that tenant's events
// of the kinds the view depends on, recorded up to at, so it costs in
// proportion to the tenant, not the log. Its cost is throttled (one at a time,
// paced: see asOfSlots) and AsOfTimeout bounds it.
func PortalViewAsOf(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, customerID uuid.UUID, at time.Time) (domain.PortalView, error) {
	ctx, cancel := context.WithTimeout(ctx, AsOfTimeout)
	defer cancel()
	var provider uuid.UUID
	err := pool.QueryRow(ctx, `SELECT tenant_id FROM events WHERE stream_id = $1 AND stream_version = 1`,
		domain.CustomerStream(customerID)).Scan(&provider)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.PortalView{}, fmt.Errorf("customer %s: %w", customerID, domain.ErrNotFound)
	}
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
	}
	release, err := HoldAsOfSlot(ctx)
	if errors.Is(err, ErrAsOfBusy) {
		return domain.PortalView{}, err
	} else if err != nil {
		return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
	}
	defer release()
	state := domain.NewState()
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for cursor := (eventstore.Cursor{}); ; {
		began := time.Now()
		evs, next, err := store.ReadOrdered(ctx, tx, eventstore.OrderedFilter{After: cursor, Tenant: &provider,
			Until: at, Visible: true, Types: viewTypes(), NoMetadata: true, Limit: asOfPage})
		if err != nil {
			return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
		}
		for _, ev := range evs {
			if err := state.Apply(ev.Event); err != nil {
				return domain.PortalView{}, fmt.Errorf("as-of view: event %d: %w", ev.Position, err)
			}
		}
		if len(evs) < asOfPage {
			break
		}
		cursor = next
		if err := pace(ctx, time.Since(began)); err != nil {
			return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
		}
	}
	if !state.Customer(customerID).Exists() {
		// Not yet connected at that instant: it saw nothing.
		return domain.PortalView{CustomerID: customerID, ProviderID: provider}, nil
	}
	return state.PortalViewAt(customerID, at), nil
}

// pace pauses after work took worked, so that work is AsOfDuty of the time.
func pace(ctx context.Context, worked time.Duration) error {
	if AsOfDuty >= 1 {
		return nil
	}
	t := time.NewTimer(time.Duration(float64(worked) * (1 - AsOfDuty) / AsOfDuty))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var (
	viewTypesOnce sync.Once
	viewTypesList []string
)

// viewTypes lists the event types of the streams a portal view depends on: the
// provider company (its defaults), customers, folders, documents and shares.
// Users, groups, links and downloads do not change what a customer sees.
func viewTypes() []string {
	viewTypesOnce.Do(func() {
		for _, typ := range domain.EventTypes() {
			ev, err := domain.ZeroEvent(typ)
			if err != nil {
				continue
			}
			kind, _, err := domain.ParseStream(domain.StreamOf(ev))
			if err != nil {
				continue
			}
			switch kind {
			case domain.KindCompany, domain.KindCustomer, domain.KindFolder, domain.KindDocument, domain.KindShare:
				viewTypesList = append(viewTypesList, typ)
			}
		}
	})
	return viewTypesList
}
