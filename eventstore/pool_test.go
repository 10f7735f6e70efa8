package eventstore

import "github.com/jackc/pgx/v5/pgxpool"

// Pool lets this package's tests run their own statements on the store's pool
// (forging rows, reading the catalog). It exists only in tests: nothing outside
// eventstore reaches the pool through the store (make lint checks projections).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
