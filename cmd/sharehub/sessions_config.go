package main

import (
	"fmt"
	"time"
)

// SessionConfig is how long sign-ins last: SESSION_IDLE (default 12h) unused,
// SESSION_MAX (default 30 days, 720h) at most.
type SessionConfig struct {
	Idle time.Duration
	Max  time.Duration
	// Verify is SIGNUP_VERIFY=on: a company that signs up verifies its first
	// admin's address before it may act (default off: v1 clients act at once).
	Verify bool
}

func sessionsFromEnv(getenv func(string) string) (SessionConfig, error) {
	c := SessionConfig{Idle: 12 * time.Hour, Max: 30 * 24 * time.Hour}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"SESSION_IDLE", &c.Idle}, {"SESSION_MAX", &c.Max}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return c, fmt.Errorf("%s %q: must be a positive duration like 12h", v.name, s)
			}
			*v.dst = d
		}
	}
	switch v := getenv("SIGNUP_VERIFY"); v {
	case "", "off":
	case "on":
		c.Verify = true
	default:
		return c, fmt.Errorf("SIGNUP_VERIFY %q: must be on or off", v)
	}
	return c, nil
}
