package main

import (
	"strings"
	"testing"
	"time"
)

func TestLimitsConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string {
		return func(k string) string {
			if k == "DATABASE_URL" && kv[k] == "" {
				return "postgres://x@127.0.0.1/db"
			}
			return kv[k]
		}
	}
	c, err := configFromEnv(env(nil))
	if err != nil || c.Validate() != nil {
		t.Fatalf("defaults: %v %v", err, c.Validate())
	}
	want := LimitsConfig{MetricsAddr: "127.0.0.1:9090", MaxConnsPerAddr: 128, PurgeInterval: time.Hour}
	if c.Limits != want {
		t.Fatalf("defaults %+v", c.Limits)
	}
	c, err = configFromEnv(env(map[string]string{"METRICS_ADDR": "off", "HASH_CONCURRENCY": "3", "MAX_CONNS_PER_ADDR": "0", "PURGE_INTERVAL": "10m"}))
	if err != nil || c.Validate() != nil || c.Limits != (LimitsConfig{MetricsAddr: "off", HashConcurrency: 3, PurgeInterval: 10 * time.Minute}) {
		t.Fatalf("set: %+v %v", c.Limits, err)
	}
	for name, kv := range map[string]map[string]string{
		"HASH_CONCURRENCY":   {"HASH_CONCURRENCY": "-1"},
		"MAX_CONNS_PER_ADDR": {"MAX_CONNS_PER_ADDR": "many"},
		"PURGE_INTERVAL":     {"PURGE_INTERVAL": "0s"},
	} {
		if _, err := configFromEnv(env(kv)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, kv := range map[string]map[string]string{
		"must differ from HTTP_ADDR": {"METRICS_ADDR": "127.0.0.1:8080"},
		"METRICS_ADDR \"9090\"":      {"METRICS_ADDR": "9090"},
	} {
		c, err := configFromEnv(env(kv))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
