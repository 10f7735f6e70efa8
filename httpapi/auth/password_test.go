package auth_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// cheap keeps tests fast; production uses DefaultArgon2Params.
var cheap = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newHasher(t testing.TB, p auth.Argon2Params) *auth.Argon2id {
	t.Helper()
	h, err := auth.NewArgon2id(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var _ app.PasswordHasher = (*auth.Argon2id)(nil)

func TestArgon2idHashesToPHCAndVerifies(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	hash, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(hash) {
		t.Fatalf("not a PHC string: %s", hash)
	}
	if !h.Verify(hash, "correct horse battery") {
		t.Fatal("right password rejected")
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		if h.Verify(hash, wrong) {
			t.Fatalf("%q accepted", wrong)
		}
	}
	again, _ := h.Hash("correct horse battery")
	if again == hash {
		t.Fatal("salt not random")
	}
}

func TestVerifyUsesTheParametersStoredInTheHash(t *testing.T) {
	t.Parallel()
	old := newHasher(t, cheap)
	hash, _ := old.Hash("pa55word-long")
	stronger := newHasher(t, auth.Argon2Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32})
	if !stronger.Verify(hash, "pa55word-long") {
		t.Fatal("a hash made with older parameters no longer verifies")
	}
	if !stronger.NeedsRehash(hash) || old.NeedsRehash(hash) {
		t.Fatal("NeedsRehash wrong")
	}
}

func TestVerifyRefusesMalformedOrHostileHashes(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	good, _ := h.Hash("password-123")
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=4194304,t=1,p=1$" + parts[4] + "$" + parts[5], // 4 GiB: refused, not allocated
		"$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5][:10],
		good + "$extra",
	} {
		if h.Verify(bad, "password-123") {
			t.Errorf("%q verified", bad)
		}
	}
}

func TestArgon2ParamsValidate(t *testing.T) {
	t.Parallel()
	if err := auth.DefaultArgon2Params.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.NewArgon2id(auth.Argon2Params{Memory: 1, Time: 0, Threads: 0, SaltLen: 2, KeyLen: 4}); err == nil {
		t.Fatal("nonsense parameters accepted")
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	if err := auth.ValidatePassword("password", "ten chars!"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "nine char", strings.Repeat(" ", 12), strings.Repeat("x", 1025), "bad utf8 \xff\xff"} {
		err := auth.ValidatePassword("password", bad)
		var p *problem.Problem
		if !errors.As(err, &p) || p.Code != problem.CodeValidation || p.Field != "password" {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := auth.ValidatePassword("password", "äöüäöüäöüä"); err != nil {
		t.Fatalf("ten characters in twenty bytes: %v", err)
	}
}

func BenchmarkArgon2idDefault(b *testing.B) {
	h := newHasher(b, auth.DefaultArgon2Params)
	hash, _ := h.Hash("benchmark-password")
	for b.Loop() {
		h.Verify(hash, "benchmark-password")
	}
}
