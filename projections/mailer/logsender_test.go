package mailer

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// A mail's body may carry a one-time token: the log line never holds it, the mail file
// does, readable by its owner only.
func TestLogSenderKeepsBodiesOutOfTheLog(t *testing.T) {
	t.Parallel()
	const token = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	body := "Accept your invitation: http://127.0.0.1:8080/invitations/" + token
	for _, dir := range []string{"", filepath.Join(t.TempDir(), "mail")} {
		var logged bytes.Buffer
		s := LogSender{Log: slog.New(slog.NewTextHandler(&logged, nil)), Dir: dir}
		m := Mail{ID: uuid.New(), To: "ann@example.com", Subject: "You are invited", Body: body}
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logged.String(), token) {
			t.Fatalf("dir %q: the token reached the log: %s", dir, logged.String())
		}
		if !strings.Contains(logged.String(), "ann@example.com") || !strings.Contains(logged.String(), "You are invited") {
			t.Fatalf("dir %q: the log does not say who and what: %s", dir, logged.String())
		}
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, m.ID.String()+".eml")
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), body) || !strings.Contains(logged.String(), path) {
			t.Fatalf("mail file %s holds %q; log %s", path, got, logged.String())
		}
		for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Fatalf("%s: mode %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
			}
		}
	}
}
