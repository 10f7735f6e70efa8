package projections

import "context"

// WithRebuildHooks sets the test hooks of a rebuild: built runs once the fresh
// tables are loaded, locked inside the swap transaction holding the checkpoint.
func WithRebuildHooks(opt RebuildOptions, built, locked func(context.Context) error) RebuildOptions {
	opt.built, opt.locked = built, locked
	return opt
}
