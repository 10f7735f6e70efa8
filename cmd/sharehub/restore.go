package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/migrations"
)

// alignAfterRestore runs the restore check before a process writes: after a
// logical restore into a new cluster, new transactions must still record ids above
// every id in the log (eventstore.AlignTransactionIDs).
func alignAfterRestore(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (eventstore.RestoreCheck, error) {
	c, err := eventstore.AlignTransactionIDs(ctx, pool)
	if err != nil {
		return c, err
	}
	if c.Shifted() {
		log.Warn("the log holds transaction ids above this cluster's (a logical restore?): new transactions now record ids above them",
			"highest_logged", c.HighestLogged, "cluster_next", c.Next, "shift_before", c.ShiftBefore, "shift_after", c.ShiftAfter)
	}
	return c, nil
}

// restoreCheck runs `sharehub restore-check`.
func restoreCheck(ctx context.Context, cfg Config, stdout io.Writer, log *slog.Logger) error {
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool, log); err != nil {
		return err
	}
	c, err := alignAfterRestore(ctx, pool, log)
	if err != nil {
		return err
	}
	if c.Shifted() {
		fmt.Fprintf(stdout, "restored log detected: highest logged transaction id %d, cluster at %d; shift raised from %d to %d: new events sort after every checkpoint and seal\n",
			c.HighestLogged, c.Next, c.ShiftBefore, c.ShiftAfter)
		return nil
	}
	fmt.Fprintf(stdout, "ok: highest logged transaction id %d is below the cluster's next (%d, shift %d); nothing to do\n",
		c.HighestLogged, c.Next, c.ShiftAfter)
	return nil
}
