package domain

import (
	"encoding/json"
	"fmt"
)

// Token hash algorithms (LinkCreated.TokenHashAlg).
const TokenHashSHA256 = "sha256"

// registerLinkCreated registers LinkCreated at schema v2. v1 payloads had no
// token_hash_alg: every v1 token hash was a hex SHA-256, so the upcaster states that
// explicitly. A later algorithm change then needs no guessing about old links.
func registerLinkCreated() {
	RegisterEvent(LinkCreated{}, 2)
	RegisterUpcaster(LinkCreated{}.EventType(), 1, upcastLinkCreatedV1)
}

func upcastLinkCreatedV1(payload []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, fmt.Errorf("LinkCreated v1: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("LinkCreated v1: payload is not an object")
	}
	if _, ok := fields["token_hash_alg"]; !ok {
		fields["token_hash_alg"] = json.RawMessage(`"` + TokenHashSHA256 + `"`)
	}
	return json.Marshal(fields)
}
