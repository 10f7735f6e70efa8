package projections

import (
	"github.com/sharehub/sharehub/domain"
)

// The portal projection's part for links of v1.1: folder links, changes of a
// link's expiry or password, and copies of a link's URL. The sealed token of a
// link is never copied into a read model.
const portalLinksDDL = `
ALTER TABLE links ALTER COLUMN document_id DROP NOT NULL;
ALTER TABLE links ADD COLUMN folder_id uuid;
ALTER TABLE links ADD COLUMN changed_by uuid;
ALTER TABLE links ADD COLUMN changed_at timestamptz;
ALTER TABLE link_opens ADD COLUMN document_id uuid;

CREATE TABLE link_reveals (
    event_id    uuid PRIMARY KEY,
    link_id     uuid NOT NULL,
    revealed_by uuid NOT NULL,
    revealed_at timestamptz NOT NULL
);
CREATE INDEX link_reveals_link ON link_reveals (link_id, revealed_at);
CREATE INDEX links_folder ON links (folder_id);
CREATE INDEX link_opens_document ON link_opens (link_id, document_id);
`

// portalLinks registers the portal's handlers of the link events of v1.1.
func portalLinks(p *Projection) {
	On(p, func(q *Queue, ev domain.Recorded, e domain.FolderLinkCreated) error {
		q.Exec(`INSERT INTO links (id, provider_id, folder_id, token_hash, password_required, expires_at,
				created_by, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.LinkID, e.ProviderID, e.FolderID, e.TokenHash, e.PasswordHash != "", at(e.ExpiresAt),
			e.CreatedBy, e.CreatedAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.LinkChanged) error {
		q.Exec(`UPDATE links SET
				expires_at = CASE WHEN $2 THEN $3::timestamptz ELSE expires_at END,
				password_required = CASE WHEN $4 THEN $5 ELSE password_required END,
				changed_by = $6, changed_at = $7, version = $8
			WHERE id = $1 AND version < $8`,
			e.LinkID, e.Changes(domain.LinkExpiry), at(e.ExpiresAt), e.Changes(domain.LinkPassword), e.PasswordHash != "",
			e.ChangedBy, e.ChangedAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.LinkUrlRevealed) error {
		q.Exec(`INSERT INTO link_reveals (event_id, link_id, revealed_by, revealed_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (event_id) DO NOTHING`, ev.EventID, e.LinkID, e.RevealedBy, e.RevealedAt)
		q.Exec(`UPDATE links SET version = $2 WHERE id = $1 AND version < $2`, e.LinkID, ev.Version)
		return nil
	})
}
