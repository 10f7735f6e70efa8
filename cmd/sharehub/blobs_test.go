package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// TestBlobsGCKeepsWhatEventsReference: `sharehub blobs gc` removes an old blob no
// event names and keeps the old blob a committed DocumentAdded names (and a
// young orphan, whose event may still be on its way).
func TestBlobsGCKeepsWhatEventsReference(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := eventstore.New(pool, nil)
	root := t.TempDir()
	bs, err := blobs.New(blobs.Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	putFile := func(content string, age time.Duration) blobs.Info {
		info, err := bs.Put(ctx, strings.NewReader(content), 0, "")
		if err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-age)
		if err := os.Chtimes(filepath.Join(root, "sha256", info.SHA256[:2], info.SHA256[2:]), when, when); err != nil {
			t.Fatal(err)
		}
		return info
	}
	kept := putFile("a document's content", 3*time.Hour)
	orphan := putFile("an upload that was refused", 3*time.Hour)
	young := putFile("an upload whose event is on its way", time.Minute)

	svc, err := app.New(app.Config{Store: store, Hasher: apptest.Hasher{}})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Blob Ltd", Name: "Bo", Email: "bo@blob.test", Password: "a long password"})
	if err != nil {
		t.Fatal(err)
	}
	admin := app.Call{ActorID: reg.UserID}
	f, err := svc.CreateFolder(ctx, admin, app.CreateFolder{Name: "Files"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDocument(ctx, admin, app.AddDocument{FolderID: f.FolderID, Name: "kept.txt",
		File: domain.FileInfo{SHA256: kept.SHA256, Size: kept.Size, MediaType: "text/plain"}}); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	env := func(k string) string {
		return map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "error", "BLOB_DIR": root}[k]
	}
	if err := run(ctx, []string{"blobs", "gc", "--grace", "1h"}, env, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for sha, want := range map[string]bool{kept.SHA256: true, orphan.SHA256: false, young.SHA256: true} {
		if ok, _ := bs.Exists(sha); ok != want {
			t.Errorf("blob %s exists %v, want %v", sha[:8], ok, want)
		}
	}
	if !strings.Contains(out.String(), "1 unreferenced removed") {
		t.Fatalf("output: %s", out.String())
	}
}
