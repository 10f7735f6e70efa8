package httpapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Uploads are authorized before their file is stored (issue 12): the target (a
// folder or document in the URL, or the folder_id field, which must then come
// before the file part) is checked with the same rule the command applies, and
// the provider's quota with it. Refused: nothing was written to disk. The command
// checks both again when it records the file.

// checkQuota answers 507 quota_exceeded when the provider's library would hold
// more than QUOTA_BYTES with incoming bytes more (incoming 0: before the file is
// read, when the quota is used up already). Concurrent uploads may each pass and
// take the library past its quota by what they carry: the quota bounds growth, it
// is not an exact reservation.
func (s *Server) checkQuota(ctx context.Context, provider uuid.UUID, incoming int64) error {
	if s.quotaBytes == 0 {
		return nil
	}
	used, err := s.store.StoredBytes(ctx, provider)
	if err != nil {
		return err
	}
	if used+incoming > s.quotaBytes || used >= s.quotaBytes {
		return problem.QuotaExceeded(s.quotaBytes)
	}
	return nil
}

// fieldID parses an optional UUID text field of an upload.
func fieldID(fields map[string]string, name string) (uuid.UUID, error) {
	return uploadID(web.Upload{Fields: fields}, name)
}
