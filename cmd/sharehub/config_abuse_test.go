package main

import (
	"strings"
	"testing"
	"time"
)

func TestAbuseConfigFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := abuseFromEnv(env(nil))
	if err != nil || c != (AbuseConfig{LinkOpenLimit: 300, BlobGCInterval: time.Hour, BlobGCGrace: time.Hour}) {
		t.Fatalf("defaults %+v %v", c, err)
	}
	c, err = abuseFromEnv(env(map[string]string{"LINK_OPEN_LIMIT": "0", "QUOTA_BYTES": "1048576", "BLOB_GC_INTERVAL": "0s", "BLOB_GC_GRACE": "2h"}))
	if err != nil || c != (AbuseConfig{LinkOpenLimit: 0, QuotaBytes: 1 << 20, BlobGCInterval: 0, BlobGCGrace: 2 * time.Hour}) {
		t.Fatalf("set %+v %v", c, err)
	}
	for name, bad := range map[string]string{"LINK_OPEN_LIMIT": "-1", "QUOTA_BYTES": "lots", "BLOB_GC_INTERVAL": "hourly", "BLOB_GC_GRACE": "-1h"} {
		if _, err := abuseFromEnv(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v", name, bad, err)
		}
	}
	if _, err := configFromEnv(env(map[string]string{"LINK_OPEN_LIMIT": "many"})); err == nil || !strings.Contains(err.Error(), "LINK_OPEN_LIMIT") {
		t.Errorf("configFromEnv: %v", err)
	}
}
