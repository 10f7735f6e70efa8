package eventstore_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// contactNoted carries personal data of the people of Company.
type contactNoted struct {
	Company uuid.UUID `json:"company"`
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Note    string    `json:"note"`
}

func (contactNoted) EventType() string                 { return "test.ContactNoted" }
func (e *contactNoted) PersonalDataSubject() uuid.UUID { return e.Company }
func (e *contactNoted) PersonalDataFields() []*string  { return []*string{&e.Name, &e.Email} }

func init() { domain.RegisterEvent(contactNoted{}, 1) }

func TestPersonalDataIsEncryptedAndCanBeForgotten(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	acme, other := uuid.New(), uuid.New()
	const email = "jane.doe@acme.example"
	b := app.Batch{Streams: []app.StreamAppend{
		{StreamID: "c-1", Events: []domain.Event{
			contactNoted{Company: acme, Name: "Jane Doe", Email: email, Note: "kept"},
			contactNoted{Company: other, Name: "Max Other", Email: "max@other.example"},
		}}},
		Records: []app.Record{
			app.Credential{UserID: uuid.New(), CompanyID: acme, Email: email, PasswordHash: "x"},
			app.Claim{Scope: "user-email", Value: email, Owner: uuid.New()},
		},
	}
	if _, err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	evs, err := s.ReadStream(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].Event.(contactNoted); got.Name != "Jane Doe" || got.Email != email || got.Note != "kept" {
		t.Fatalf("read back %+v", got)
	}
	var inLog int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM events WHERE payload::text LIKE '%jane%' OR payload::text LIKE '%Jane%'`).Scan(&inLog); err != nil || inLog != 0 {
		t.Fatalf("plain personal data in the log (%d rows, %v)", inLog, err)
	}

	if err := s.ForgetSubject(ctx, acme); err != nil {
		t.Fatal(err)
	}
	evs, err = s.ReadStream(ctx, "c-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].Event.(contactNoted); got.Name != domain.Forgotten || got.Email != domain.Forgotten || got.Note != "kept" {
		t.Fatalf("after forget: %+v", got)
	}
	if got := evs[1].Event.(contactNoted); got.Email != "max@other.example" {
		t.Fatalf("another company's data was forgotten too: %+v", got)
	}
	if rep, err := audit.VerifyChains(ctx, s.Pool(), nil); err != nil || !rep.OK {
		t.Fatalf("chains after forget: %+v %v", rep, err)
	}
	if found := tablesContaining(t, s, email); len(found) > 0 {
		t.Fatalf("email still stored in: %v", found)
	}
	_, err = s.Append(ctx, app.Batch{Streams: []app.StreamAppend{{StreamID: "c-2",
		Events: []domain.Event{contactNoted{Company: acme, Email: "new@acme.example"}}}}})
	if !errors.Is(err, eventstore.ErrSubjectForgotten) {
		t.Fatalf("new personal data of a forgotten company: got %v", err)
	}
}

// tablesContaining searches every column of every table in the public schema for s.
func tablesContaining(t *testing.T, st *eventstore.Store, s string) []string {
	t.Helper()
	ctx := ctxFor(t)
	rows, err := st.Pool().Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	var found []string
	for _, table := range tables {
		var n int
		q := `SELECT count(*) FROM "` + table + `" t WHERE lower(t::text) LIKE '%' || lower($1) || '%'`
		if err := st.Pool().QueryRow(ctx, q, s).Scan(&n); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if n > 0 {
			found = append(found, table)
		}
	}
	return found
}
