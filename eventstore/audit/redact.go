package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Redacted replaces a secret's value in an export.
const Redacted = "[redacted]"

// secretField says whether a payload field holds a secret or a value derived
// from one that could serve to recover it (a password's argon2 hash, a token
// or its ciphertext): such a field never leaves the server in an export. The
// rule goes by name, so that a field added later (a sealed token, a reset
// secret) is covered without a list to keep up to date.
//
// token_hash is not such a value and stays: it is the SHA-256 of a token of
// at least 128 random bits, which no search can invert, and presenting it opens
// nothing (lookups hash what is presented). Keeping it keeps LinkCreated and
// invitations checkable offline. A password hash is different: passwords are
// guessable, and the hash lets anyone holding it test guesses offline.
func secretField(name string) bool {
	switch name {
	case "token_hash", "token_hash_alg", "password_required":
		return false
	}
	return strings.HasSuffix(name, "_hash") || strings.Contains(name, "password") ||
		strings.Contains(name, "token") || strings.Contains(name, "secret")
}

// mayHoldSecret is a cheap first test: a payload without any of these bytes has
// no secret field.
func mayHoldSecret(payload []byte) bool {
	return bytes.Contains(payload, []byte("password")) || bytes.Contains(payload, []byte("secret")) ||
		bytes.Contains(bytes.ReplaceAll(payload, []byte(`"token_hash"`), nil), []byte("token")) ||
		bytes.Contains(bytes.ReplaceAll(payload, []byte(`"token_hash"`), nil), []byte(`_hash"`))
}

// RedactSecrets returns payload with the value of every non-empty string field
// that secretField names (at any depth) replaced by Redacted, and whether it
// replaced any. A payload without one is returned as is.
func RedactSecrets(payload []byte) ([]byte, bool, error) {
	if !mayHoldSecret(payload) {
		return payload, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false, fmt.Errorf("redact: %w", err)
	}
	if !redact(v) {
		return payload, false, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, false, fmt.Errorf("redact: %w", err)
	}
	return out, true, nil
}

func redact(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && s != "" && s != Redacted && secretField(k) {
				v[k] = Redacted
				changed = true
				continue
			}
			changed = redact(x) || changed
		}
	case []any:
		for _, x := range v {
			changed = redact(x) || changed
		}
	}
	return changed
}
