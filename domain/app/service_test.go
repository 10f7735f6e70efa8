package app_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/memstore"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := app.New(app.Config{}); err == nil {
		t.Fatal("a config without store and hasher must be refused")
	}
	if _, err := app.New(app.Config{Store: memstore.New(nil), Hasher: fakeHasher{}, MaxAttempts: -1}); err == nil {
		t.Fatal("negative MaxAttempts must be refused")
	}
	if _, err := app.New(app.Config{Store: memstore.New(nil), Hasher: fakeHasher{}}); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
