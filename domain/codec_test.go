package domain_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/storetest"
)

// The catalogue of DESIGN.md: every one of these must be registered.
var designCatalogue = []string{
	"CompanyRegistered", "UserInvited", "UserActivated", "UserRoleChanged",
	"CustomerGroupCreated", "GroupAccessGranted", "GroupAccessRevoked",
	"CustomerConnected", "CustomerInvited", "CustomerInvitationAccepted",
	"CustomerAssignedToGroup", "SharingPaused", "SharingResumed", "SharingRevoked",
	"MasterAccessGranted", "MasterAccessWithdrawn", "PortalDocumentsToggled",
	"FolderCreated", "DocumentAdded", "DocumentVersionAdded", "VersionVisibilityChanged",
	"DocumentRemoved", "PortalShareGranted", "SharePermissionChanged", "ShareCancelled",
	"LinkCreated", "LinkCancelled", "LinkOpened", "LinkPasswordRejected",
	"DocumentDownloaded",
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	registered := map[string]bool{}
	for _, typ := range domain.EventTypes() {
		registered[typ] = true
	}
	for _, typ := range designCatalogue {
		if !registered[typ] {
			t.Errorf("%s is in DESIGN.md's catalogue but not registered", typ)
		}
	}
	for _, typ := range domain.EventTypes() {
		e, err := storetest.SampleEvent(typ)
		if err != nil {
			t.Fatal(err)
		}
		rt := reflect.TypeOf(e)
		if rt.PkgPath() != reflect.TypeOf(domain.ShareCancelled{}).PkgPath() {
			continue // registered by another package's tests
		}
		t.Run(typ, func(t *testing.T) {
			if rt.Name() != typ {
				t.Errorf("Go type %s carries type string %s", rt.Name(), typ)
			}
			stream := domain.StreamOf(e)
			kind, _, err := domain.ParseStream(stream)
			if err != nil || domain.NewAggregate(kind) == nil {
				t.Errorf("stream %q: %v", stream, err)
			}
			checkFields(t, rt, "")

			_, version, payload, err := domain.EncodeEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]any
			if err := json.Unmarshal(payload, &fields); err != nil {
				t.Fatal(err)
			}
			for k := range fields {
				if !snake.MatchString(k) {
					t.Errorf("JSON field %q is not snake_case", k)
				}
			}
			back, err := domain.DecodeEvent(typ, version, payload)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(e, back); diff != "" {
				t.Errorf("round trip (-sent +decoded):\n%s", diff)
			}
		})
	}
}

// checkFields: every field has an explicit snake_case JSON name, times are values,
// and personal data (names and e-mails of people) lives only in PersonalData, where
// a later change can encrypt it in one place.
func checkFields(t *testing.T, rt reflect.Type, path string) {
	t.Helper()
	personal := reflect.TypeOf(domain.PersonalData{})
	for i := range rt.NumField() {
		f := rt.Field(i)
		if f.Anonymous {
			checkFields(t, f.Type, path)
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !snake.MatchString(tag) {
			t.Errorf("%s%s has JSON name %q", path, f.Name, tag)
		}
		lower := strings.ToLower(tag)
		if f.Type != personal && strings.Contains(lower, "email") {
			t.Errorf("%s%s looks like personal data outside PersonalData", path, f.Name)
		}
		if f.Type == personal && tag != "personal" && tag != "contact" {
			t.Errorf("%s%s: personal data must be named personal or contact, not %q", path, f.Name, tag)
		}
		if strings.Contains(lower, "password") && !strings.HasSuffix(lower, "_hash") || lower == "token" {
			t.Errorf("%s%s looks like a secret in plain text", path, f.Name)
		}
	}
}

func TestLinkCreatedV1IsUpcast(t *testing.T) {
	t.Parallel()
	// A payload as schema v1 stored it: no token_hash_alg.
	v1 := []byte(`{"link_id":"0195a0e0-0000-7000-8000-000000000060","provider_id":"0195a0e0-0000-7000-8000-000000000001",
		"document_id":"0195a0e0-0000-7000-8000-000000000040","token_hash":"ab12","password_hash":"$argon2id$x",
		"expires_at":"2025-04-01T00:00:00Z","created_by":"0195a0e0-0000-7000-8000-000000000010","created_at":"2025-03-01T00:00:00Z"}`)
	e, err := domain.DecodeEvent("LinkCreated", 1, v1)
	if err != nil {
		t.Fatal(err)
	}
	got := e.(domain.LinkCreated)
	if got.TokenHashAlg != domain.TokenHashSHA256 || got.TokenHash != "ab12" || got.PasswordHash != "$argon2id$x" ||
		!got.ExpiresAt.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("upcast v1: %+v", got)
	}
	// New events are written at v3 (v3 added the optional sealed_token).
	if _, version, _, _ := domain.EncodeEvent(got); version != 3 {
		t.Fatalf("LinkCreated written at v%d, want 3", version)
	}
	// A v2 payload is read as is; a v1 payload that somehow has the field keeps it.
	if e, err := domain.DecodeEvent("LinkCreated", 2, []byte(`{"token_hash_alg":"blake3"}`)); err != nil || e.(domain.LinkCreated).TokenHashAlg != "blake3" {
		t.Fatalf("v2: %+v %v", e, err)
	}
	if _, err := domain.DecodeEvent("LinkCreated", 1, []byte(`[1]`)); err == nil {
		t.Fatal("a v1 payload that is not an object must not decode")
	}
	if _, err := domain.DecodeEvent("LinkCreated", 4, v1); err == nil {
		t.Fatal("a schema version from the future must not decode")
	}
}

func TestDecodeRejectsUnknownFields(t *testing.T) {
	t.Parallel()
	if _, err := domain.DecodeEvent("SharingPaused", 1, []byte(`{"customer_id":"0195a0e0-0000-7000-8000-000000000020","surprise":1}`)); err == nil {
		t.Fatal("an unknown field must fail decoding")
	}
	if _, err := domain.DecodeEvent("NoSuchEvent", 1, []byte(`{}`)); !errors.Is(err, domain.ErrUnknownEventType) {
		t.Fatalf("unknown type: %v", err)
	}
	if _, err := domain.ZeroEvent("NoSuchEvent"); !errors.Is(err, domain.ErrUnknownEventType) {
		t.Fatalf("unknown type: %v", err)
	}
}

func TestStreams(t *testing.T) {
	t.Parallel()
	for _, s := range []string{domain.CompanyStream(provider), domain.UserStream(admin), domain.GroupStream(group), domain.CustomerStream(cust),
		domain.FolderStream(libRoot), domain.DocumentStream(doc), domain.ShareStream(share1), domain.LinkStream(link1)} {
		kind, id, err := domain.ParseStream(s)
		if err != nil || kind+"-"+id.String() != s {
			t.Errorf("%s: %s %s %v", s, kind, id, err)
		}
	}
	for _, bad := range []string{"", "customer", "customer-xyz", "planet-" + cust.String()} {
		if _, _, err := domain.ParseStream(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	if domain.CustomerStream(cust) != "customer-"+cust.String() {
		t.Error("stream names are <kind>-<uuid>")
	}
}

func TestIsRejection(t *testing.T) {
	t.Parallel()
	for _, err := range []error{domain.ErrNotFound, domain.ErrShareCancelled, &domain.ValidationError{Field: "x", Message: "y"}} {
		if !domain.IsRejection(fmt.Errorf("wrapped: %w", err)) {
			t.Errorf("%v is a rejection", err)
		}
	}
	for _, err := range []error{domain.ErrConcurrencyConflict, errors.New("disk on fire"), nil} {
		if domain.IsRejection(err) {
			t.Errorf("%v is not a rejection", err)
		}
	}
}
