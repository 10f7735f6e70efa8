// Package audit is what an auditor runs against the log: it checks the hash
// chains (VerifyChains on the database, VerifyExport on an NDJSON file with no
// database at all), takes and checks seals over the log in commit order
// (log_seals: SealLog, Seals, VerifySeals), and writes exports in their formats
// (NDJSON and CSV: NewExportWriter, with secrets redacted and guard events
// marked).
//
// It owns the table log_seals. It reads events only: the rows through
// eventstore.Store.Export, or, for the chain and seal checks, their hashes
// directly. The hash function itself (eventstore.EventHash, EventHashV2,
// MatchHash, GenesisHash) stays in eventstore: Append computes it as it writes,
// and this package only recomputes it.
//
// It may import domain and eventstore, never projections, httpapi or cmd;
// eventstore never imports it.
package audit
