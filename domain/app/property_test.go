package app_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// TestPropertyServiceCommands runs seeded random command sequences through the
// service and the in-memory store, then checks the stored log with
// domain.CheckLog (contiguous versions as the store assigned them, nothing after a
// terminal event, no active share on a revoked customer or removed document).
// Every rejected command must have appended nothing, except a wrong link password,
// which appends exactly its LinkPasswordRejected.
func TestPropertyServiceCommands(t *testing.T) {
	t.Parallel()
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			rng := rand.New(rand.NewPCG(seed, 0xc0ffee))
			companies := []uuid.UUID{w.acme}
			for i := range 2 {
				companies = append(companies, w.signup(fmt.Sprint("Co", i), fmt.Sprintf("co%d@co.test", i)).CompanyID)
			}
			customers := []uuid.UUID{w.customer}
			docs := []uuid.UUID{w.doc}
			folders := []uuid.UUID{w.folder, w.workspace}
			var shares []uuid.UUID
			type link struct {
				id    uuid.UUID
				token string
			}
			var links []link
			sharer := w.staff(w.admin, "sharer@provider.test", true, false)
			actors := []uuid.UUID{w.admin, w.admin, sharer}
			accepted := 0
			for step := range 250 {
				actor := as(actors[rng.IntN(len(actors))])
				c, _ := pick(rng, customers)
				d, _ := pick(rng, docs)
				f, _ := pick(rng, folders)
				sh, _ := pick(rng, shares)
				l, _ := pick(rng, links)
				perm, _ := pick(rng, []domain.Permission{domain.PermissionView, domain.PermissionEdit})
				before := w.head()
				var err error
				name := ""
				switch rng.IntN(17) {
				case 0, 1:
					name = "grant"
					cmd := app.GrantShare{CustomerID: c, Permission: perm}
					if rng.IntN(2) == 0 {
						cmd.DocumentID = d
					} else {
						cmd.FolderID = f
					}
					var r app.ShareResult
					if r, err = w.svc.GrantShare(w.ctx, actor, cmd); err == nil {
						shares = append(shares, r.ShareID)
					}
				case 2:
					name = "cancel share"
					_, err = w.svc.CancelShare(w.ctx, actor, app.ShareRef{ShareID: sh})
				case 3:
					name = "change permission"
					_, err = w.svc.ChangeSharePermission(w.ctx, actor, app.ChangeSharePermission{ShareID: sh, Permission: perm})
				case 4:
					name = "pause"
					_, err = w.svc.PauseCustomer(w.ctx, actor, app.CustomerRef{CustomerID: c})
				case 5:
					name = "resume"
					_, err = w.svc.ResumeCustomer(w.ctx, actor, app.CustomerRef{CustomerID: c})
				case 6:
					if rng.IntN(3) != 0 {
						continue
					}
					name = "revoke"
					_, err = w.svc.RevokeCustomer(w.ctx, actor, app.CustomerRef{CustomerID: c})
				case 7:
					name = "connect"
					co, _ := pick(rng, companies)
					var r app.CustomerResult
					if r, err = w.svc.ConnectCustomer(w.ctx, actor, app.ConnectCustomer{CompanyID: co}); err == nil {
						customers = append(customers, r.CustomerID)
						folders = append(folders, r.WorkspaceFolderID)
					}
				case 8:
					name = "create link"
					cmd := app.CreateLink{DocumentID: d}
					if rng.IntN(2) == 0 {
						cmd.Password = "password-" + fmt.Sprint(rng.IntN(2))
					}
					if rng.IntN(2) == 0 {
						cmd.ExpiresAt = w.clock.Now().Add(time.Duration(1+rng.IntN(3)) * time.Hour)
					}
					var r app.LinkResult
					if r, err = w.svc.CreateLink(w.ctx, actor, cmd); err == nil {
						links = append(links, link{r.LinkID, r.Token})
					}
				case 9:
					name = "cancel link"
					_, err = w.svc.CancelLink(w.ctx, actor, app.LinkRef{LinkID: l.id})
				case 10:
					name = "open link"
					pw, _ := pick(rng, []string{"", "pw-0", "pw-1"})
					_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: l.token, Password: pw})
				case 11:
					if rng.IntN(3) != 0 {
						continue
					}
					name = "remove document"
					_, err = w.svc.RemoveDocument(w.ctx, actor, app.DocumentRef{DocumentID: d})
				case 12:
					name = "add document"
					var r app.DocumentResult
					if r, err = w.svc.AddDocument(w.ctx, actor, app.AddDocument{FolderID: f, Name: fmt.Sprint("doc", step), File: file(byte(step)), Hidden: rng.IntN(3) == 0}); err == nil {
						docs = append(docs, r.DocumentID)
					}
				case 13:
					name = "version"
					if rng.IntN(2) == 0 {
						_, err = w.svc.AddVersion(w.ctx, actor, app.AddVersion{DocumentID: d, File: file(byte(step)), Hidden: rng.IntN(2) == 0})
					} else {
						_, err = w.svc.SetVersionVisibility(w.ctx, actor, app.SetVersionVisibility{DocumentID: d, Version: 1 + rng.IntN(2), Visible: rng.IntN(2) == 0})
					}
				case 14:
					name = "master access"
					_, err = w.svc.SetMasterAccess(w.ctx, actor, app.SetMasterAccess{CustomerID: c, Enabled: rng.IntN(2) == 0})
				case 15:
					name = "portal"
					switch rng.IntN(3) {
					case 0:
						var r app.DocumentResult
						if r, err = w.svc.PortalUpload(w.ctx, as(w.acmeUser), app.PortalUpload{ProviderID: w.provider, FolderID: f, Name: fmt.Sprint("up", step), File: file(7)}); err == nil {
							docs = append(docs, r.DocumentID)
						}
					case 1:
						_, err = w.svc.PortalRemoveDocument(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: d})
					case 2:
						_, err = w.svc.RecordDownload(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: d})
					}
				case 16:
					w.clock.Advance(time.Duration(rng.IntN(60)) * time.Minute)
					continue
				}
				switch {
				case err == nil:
					accepted++
				case errors.Is(err, domain.ErrPasswordRejected):
					if got := w.typesAfter(before); len(got) != 1 || got[0] != "LinkPasswordRejected" {
						t.Fatalf("step %d %s: a wrong password recorded %v", step, name, got)
					}
				case !domain.IsRejection(err):
					t.Fatalf("step %d %s: unexpected error %v", step, name, err)
				case w.head() != before:
					t.Fatalf("step %d %s: rejected (%v) but appended %v", step, name, err, w.typesAfter(before))
				}
			}
			if err := domain.CheckLog(w.log()); err != nil {
				t.Fatal(err)
			}
			// Every event is attributable: audit queries are scoped by tenant and
			// requests are traced by correlation id.
			for _, r := range w.log() {
				if r.Meta.TenantID == uuid.Nil || r.Meta.CorrelationID == uuid.Nil || r.Meta.ActorKind == "" {
					t.Fatalf("%s at %d has incomplete metadata %+v", r.Type, r.Position, r.Meta)
				}
			}
			if accepted < 40 {
				t.Fatalf("only %d commands succeeded: the sequence barely exercised anything", accepted)
			}
		})
	}
}

func pick[T any](rng *rand.Rand, xs []T) (T, bool) {
	var zero T
	if len(xs) == 0 {
		return zero, false
	}
	return xs[rng.IntN(len(xs))], true
}
