package domain

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
)

// Token hash algorithms (LinkCreated.TokenHashAlg).
const TokenHashSHA256 = "sha256"

// registerLinkCreated registers LinkCreated at schema v2. v1 payloads had no
// token_hash_alg: every v1 token hash was a hex SHA-256, so the upcaster states that
// explicitly. A later algorithm change then needs no guessing about old links.
//
// v3 added sealed_token, optional: a v2 payload is a v3 one without it (the link's
// URL cannot be shown again), so its upcaster changes nothing. The version says
// that a v2 reader cannot read it.
func registerLinkCreated() {
	RegisterEvent(LinkCreated{}, 3)
	RegisterUpcaster(LinkCreated{}.EventType(), 1, upcastLinkCreatedV1)
	RegisterUpcaster(LinkCreated{}.EventType(), 2, func(payload []byte) ([]byte, error) { return payload, nil })
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

// registerUserInvited registers UserInvited at schema v2. v1 had no kind: a v1
// invitation with a provider_id was a provider inviting a user "for a customer",
// which v1 recorded as a member of the customer's company. v1.1 makes such users
// portal users of that provider only, so the upcaster says so (kind portal); every
// other v1 invitation came from the company's own admins (kind staff). v1 did not
// record the customer: the customer's own stream has it (CustomerUserInvited, in
// the same batch), and until a user's stream says otherwise the user is bound to
// the provider's customer for the user's company (User.PortalOf).
func registerUserInvited() {
	RegisterEvent(UserInvited{}, 2)
	RegisterUpcaster(UserInvited{}.EventType(), 1, upcastUserInvitedV1)
}

func upcastUserInvitedV1(payload []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, fmt.Errorf("UserInvited v1: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("UserInvited v1: payload is not an object")
	}
	if _, ok := fields["kind"]; !ok {
		kind := UserKindStaff
		if p, ok := fields["provider_id"]; ok && string(p) != "null" && string(p) != `"`+uuid.Nil.String()+`"` {
			kind = UserKindPortal
		}
		fields["kind"] = json.RawMessage(`"` + string(kind) + `"`)
	}
	return json.Marshal(fields)
}
