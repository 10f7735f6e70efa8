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
	"github.com/sharehub/sharehub/eventstore"
)

// AsOfTimeout bounds an as-of replay (PortalViewAsOf) that its caller did not
// bound more tightly.
const AsOfTimeout = 30 * time.Second

// asOfPage is the events a replay reads per statement. Large: each statement
// sorts what remains of the tenant's events in commit order, so few pages keep
// the cost linear in the tenant; memory stays bounded by the page.
const asOfPage = 50_000

// PortalViewAsOf answers what customerID's users could see at instant at, by
// replaying the provider's log up to that instant through the pure domain rule:
// the events are applied to a domain.State in memory and its PortalView (the
// rule ComputePortalView, which the differential oracle pins to the live
// tables) is read. It writes nothing and takes no transaction id: it reads in
// one READ ONLY transaction, so it never holds back the horizon the consumers
// of every tenant read below (issue 13 §3). It reads only that tenant's events
// of the kinds the view depends on, recorded up to at (an index range scan of
// events_tenant_recorded_idx), so it costs in proportion to the tenant, not
// the log; AsOfTimeout bounds it.
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
	state := domain.NewState()
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for cursor := (eventstore.Cursor{}); ; {
		evs, next, err := store.ReadOrdered(ctx, tx, eventstore.OrderedFilter{After: cursor, Tenant: &provider,
			Until: at, Visible: true, Types: viewTypes(), NoMetadata: true, Limit: asOfPage})
		if err != nil {
			return domain.PortalView{}, fmt.Errorf("as-of view: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if err := state.Apply(ev.Event); err != nil {
				return domain.PortalView{}, fmt.Errorf("as-of view: event %d: %w", ev.Position, err)
			}
		}
		cursor = next
	}
	if !state.Customer(customerID).Exists() {
		// Not yet connected at that instant: it saw nothing.
		return domain.PortalView{CustomerID: customerID, ProviderID: provider}, nil
	}
	return state.PortalView(customerID), nil
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
