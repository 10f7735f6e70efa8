package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Argon2Params are argon2id's cost parameters. Each hash records the parameters it
// was made with, so they can be raised later without invalidating stored hashes
// (NeedsRehash tells when a login should re-hash).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultArgon2Params follow OWASP's password storage guidance for argon2id in
// the form that needs the least memory of its equivalent settings (7 MiB, 5
// passes, 1 lane; the others trade memory for passes, 19 MiB with 2 passes, ...):
// about the same 20-50 ms per hash on a server core, and a third of the memory
// per hash, which is what an anonymous flood of sign-ins costs (issue 12). Hashes
// made with the former 19 MiB setting still verify: parameters travel in the hash.
var DefaultArgon2Params = Argon2Params{Memory: 7 * 1024, Time: 5, Threads: 1, SaltLen: 16, KeyLen: 32}

// Upper bounds on what Verify accepts from a stored hash: a corrupted or planted row
// must not make one login allocate gigabytes.
const (
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 64
	maxKeyLen  = 128
	maxSaltLen = 64
)

// Validate reports parameters argon2id or Verify would refuse.
func (p Argon2Params) Validate() error {
	var errs []error
	if p.Memory < 8*uint32(max(p.Threads, 1)) || p.Memory > maxMemory {
		errs = append(errs, fmt.Errorf("argon2: memory %d KiB outside 8*threads..%d", p.Memory, maxMemory))
	}
	if p.Time < 1 || p.Time > maxTime {
		errs = append(errs, fmt.Errorf("argon2: time %d outside 1..%d", p.Time, maxTime))
	}
	if p.Threads < 1 {
		errs = append(errs, errors.New("argon2: threads must be at least 1"))
	}
	if p.SaltLen < 8 || p.SaltLen > maxSaltLen {
		errs = append(errs, fmt.Errorf("argon2: salt length %d outside 8..%d", p.SaltLen, maxSaltLen))
	}
	if p.KeyLen < 16 || p.KeyLen > maxKeyLen {
		errs = append(errs, fmt.Errorf("argon2: key length %d outside 16..%d", p.KeyLen, maxKeyLen))
	}
	return errors.Join(errs...)
}

// Argon2id hashes passwords into PHC strings
// "$argon2id$v=19$m=7168,t=5,p=1$<salt>$<hash>" (unpadded standard base64, as the
// reference implementation writes them). It satisfies app.PasswordHasher.
type Argon2id struct {
	params Argon2Params
	slots  hashSlots // bounds concurrent hashes process-wide (hashgate.go)
}

// NewArgon2id returns a hasher with params (tests may pass cheap ones) and the
// default bound on concurrent hashes (DefaultMaxConcurrentHashes).
func NewArgon2id(params Argon2Params) (*Argon2id, error) {
	return NewLimitedArgon2id(params, 0)
}

// NewLimitedArgon2id returns a hasher that computes at most maxConcurrent hashes at
// once (0: DefaultMaxConcurrentHashes).
func NewLimitedArgon2id(params Argon2Params, maxConcurrent int) (*Argon2id, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	if maxConcurrent < 0 {
		return nil, fmt.Errorf("argon2: maxConcurrent %d must not be negative", maxConcurrent)
	}
	if maxConcurrent == 0 {
		maxConcurrent = DefaultMaxConcurrentHashes()
	}
	return &Argon2id{params: params, slots: make(hashSlots, maxConcurrent)}, nil
}

var b64 = base64.RawStdEncoding

// Hash returns the PHC string of plain under a fresh random salt. When the bound
// on concurrent hashes is reached it does not wait: it fails at once with a 503
// problem wrapping ErrHashBusy.
func (a *Argon2id) Hash(plain string) (string, error) {
	release, err := a.slots.try()
	if err != nil {
		return "", err
	}
	defer release()
	salt := make([]byte, a.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2: salt: %w", err)
	}
	p := a.params
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether plain matches hash, comparing in constant time. A hash it
// cannot parse never matches. It waits for a free slot when the bound on
// concurrent hashes is reached (callers that must not queue use VerifyNow).
func (a *Argon2id) Verify(hash, plain string) bool {
	p, salt, key, err := parsePHC(hash)
	if err != nil {
		return false
	}
	defer a.slots.wait()()
	return a.verify(p, salt, key, plain)
}

// VerifyNow is Verify without waiting: when the bound on concurrent hashes is
// reached it fails at once with a 503 problem wrapping ErrHashBusy.
func (a *Argon2id) VerifyNow(hash, plain string) (bool, error) {
	p, salt, key, err := parsePHC(hash)
	if err != nil {
		return false, nil
	}
	release, err := a.slots.try()
	if err != nil {
		return false, err
	}
	defer release()
	return a.verify(p, salt, key, plain), nil
}

func (a *Argon2id) verify(p Argon2Params, salt, key []byte, plain string) bool {
	got := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether hash was made with other parameters than the
// hasher's: after a successful login the caller may store a fresh hash.
func (a *Argon2id) NeedsRehash(hash string) bool {
	p, salt, key, err := parsePHC(hash)
	if err != nil {
		return true
	}
	return p.Memory != a.params.Memory || p.Time != a.params.Time || p.Threads != a.params.Threads ||
		uint32(len(salt)) != a.params.SaltLen || uint32(len(key)) != a.params.KeyLen
}

// dummyHash is verified against when the account does not exist, so that a login
// with an unknown e-mail costs as much as one with a wrong password.
func (a *Argon2id) dummyHash() string {
	p := a.params
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(make([]byte, p.SaltLen)), b64.EncodeToString(make([]byte, p.KeyLen)))
}

var errPHC = errors.New("not an argon2id PHC string")

func parsePHC(s string) (p Argon2Params, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errPHC
	}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, errPHC
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errPHC
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, errPHC
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, errPHC
		}
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, errPHC
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, errPHC
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if p.Validate() != nil {
		return p, nil, nil, errPHC
	}
	return p, salt, key, nil
}

// Password length bounds for new passwords. 10 characters (NIST SP 800-63B asks
// for at least 8); the upper bound keeps hashing cost and storage predictable.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 1024 // bytes
)

// ValidatePassword checks a new password before it is hashed and answers a
// validation problem naming field (usually "password").
func ValidatePassword(field, plain string) error {
	switch {
	case !utf8.ValidString(plain):
		return problem.Validation(field, "must be valid UTF-8")
	case len(plain) > MaxPasswordLen:
		return problem.Validation(field, fmt.Sprintf("must be at most %d bytes", MaxPasswordLen))
	case utf8.RuneCountInString(plain) < MinPasswordLen:
		return problem.Validation(field, fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	case strings.TrimSpace(plain) == "":
		return problem.Validation(field, "must not be only spaces")
	}
	return nil
}
